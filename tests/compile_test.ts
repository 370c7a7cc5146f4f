import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url).pathname;
const ENTRIES = ["pool_monitor.ts", "workflow_monitor.ts", "multi_service_dashboard.ts"];
const tasks = JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`)).tasks as Record<string, string>;

Deno.test("deno task compile: narrow permissions and a graph that compiles", async (t) => {
  const commands = tasks.compile.split("&&").map((c) => c.trim());
  await t.step("one deno compile per monitor, with narrow permissions", () => {
    assert.equal(commands.length, ENTRIES.length);
    for (const [i, entry] of ENTRIES.entries()) {
      const cmd = commands[i];
      assert.ok(cmd.startsWith("deno compile "), cmd);
      assert.ok(cmd.endsWith(` ${entry}`), cmd);
      assert.match(cmd, /--allow-net=127\.0\.0\.1,localhost /);
      assert.match(cmd, /--allow-env=MAHAVISHNU_TOKEN /);
      assert.doesNotMatch(cmd, /(^| )(-A|--allow-all|--allow-run|--allow-write)( |$)/);
      assert.match(cmd, new RegExp(`--output dist/${entry.replace(".ts", "")} `));
    }
  });
  await t.step("the run tasks and the shebangs grant the same narrow permissions", () => {
    const taskOf: Record<string, string> = {
      "pool_monitor.ts": tasks.pool,
      "workflow_monitor.ts": tasks.workflow,
      "multi_service_dashboard.ts": tasks.dashboard,
      "web_dashboard.ts": tasks.web,
    };
    for (const entry of [...ENTRIES, "web_dashboard.ts"]) {
      const task = taskOf[entry];
      assert.ok(task.startsWith("deno run ") && task.includes(` ${entry}`), task);
      const taskFlags = task.slice("deno run ".length, task.indexOf(` ${entry}`)).split(" ");
      const shebang = Deno.readTextFileSync(`${ROOT}${entry}`).split("\n")[0];
      assert.ok(shebang.startsWith("#!/usr/bin/env -S deno run "), `${entry}: ${shebang}`);
      const shebangFlags = shebang.slice("#!/usr/bin/env -S deno run ".length).split(" ");
      assert.deepEqual(shebangFlags, taskFlags, `${entry}: shebang and task differ`);
      for (const flags of [taskFlags, shebangFlags]) {
        assert.ok(flags.includes("--allow-net=127.0.0.1,localhost"), `${entry}: net limited to loopback`);
        assert.ok(flags.includes("--allow-env=MAHAVISHNU_TOKEN"), `${entry}: env limited to the token`);
        for (const flag of flags) {
          assert.doesNotMatch(flag, /^(-A|--allow-all|--allow-run|--allow-ffi|--allow-sys|--allow-write)(=|$)/, entry);
          assert.doesNotMatch(flag, /^--allow-(net|env)$/, `${entry}: ${flag} without a list`);
        }
      }
    }
  });
  await t.step("the module graph resolves locally (no remote imports)", async () => {
    for (const entry of ENTRIES) {
      const out = await new Deno.Command(Deno.execPath(), { args: ["info", "--json", entry], cwd: ROOT }).output();
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      const info = JSON.parse(new TextDecoder().decode(out.stdout));
      const remote = (info.modules as { specifier: string }[]).filter((m) => /^https?:/.test(m.specifier));
      assert.deepEqual(remote.map((m) => m.specifier), [], `${entry} imports remote modules`);
    }
  });
  const denort = Deno.env.get("DENORT_BIN");
  const haveRuntime = denort !== undefined && (() => {
    try {
      return Deno.statSync(denort).isFile;
    } catch {
      return false;
    }
  })();
  await t.step({
    name: "compile to a standalone binary (needs a local base runtime in DENORT_BIN)",
    ignore: !haveRuntime,
    fn: async () => {
      const dir = Deno.makeTempDirSync();
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["compile", "--allow-net=127.0.0.1,localhost", "--output", `${dir}/pool_monitor`, "pool_monitor.ts"],
        cwd: ROOT,
      }).output();
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      const help = await new Deno.Command(`${dir}/pool_monitor`, { args: ["--help"] }).output();
      assert.match(new TextDecoder().decode(help.stdout), /Usage: pool_monitor\.ts/);
      Deno.removeSync(dir, { recursive: true });
    },
  });
  if (!haveRuntime) {
    console.warn(
      "compile_test: skipped building binaries: deno compile downloads its base runtime (denort), which this " +
        "machine cannot reach; set DENORT_BIN to a local denort to run that step. Permissions and graph were checked.",
    );
  }
});
