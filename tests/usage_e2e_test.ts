import assert from "node:assert/strict";
import { jsonLines, runScript } from "./_process.ts";

const POOL_FLAGS = ["--allow-net=127.0.0.1,localhost", "--allow-env=MAHAVISHNU_TOKEN", "--allow-read"];

/** Runs pool_monitor.ts with `args` (the `deno task pool` permissions unless given), to its exit. */
async function pool(args: string[], permissions = POOL_FLAGS) {
  const run = runScript("pool_monitor.ts", args, permissions);
  const status = await run.done;
  return { code: status.code, stdout: run.stdout(), stderr: run.stderr() };
}

/** Asserts exit `code` with exactly one line on stderr matching `pattern`, nothing on stdout. */
function assertOneLine(result: { code: number; stdout: string; stderr: string }, code: number, pattern: RegExp) {
  assert.equal(result.code, code, result.stderr);
  const lines = result.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `expected one line, got:\n${result.stderr}`);
  assert.match(lines[0], pattern);
  assert.equal(result.stdout, "");
}

Deno.test("pool_monitor.ts usage errors exit 2 with one line and a hint, before connecting", async (t) => {
  const dir = Deno.makeTempDirSync();
  await t.step("--port out of range", async () => {
    assertOneLine(
      await pool(["pool_local", "--port", "70000"]),
      2,
      /^pool_monitor: --port: .*70000 \(run with --help\)$/,
    );
    assertOneLine(await pool(["pool_local", "--port", "0"]), 2, /--port: a port is a whole number from 1 to 65535/);
  });
  await t.step("--refresh and --history bounds", async () => {
    assertOneLine(await pool(["pool_local", "--refresh", "3000000s"]), 2, /--refresh: expected a duration from 10ms/);
    assertOneLine(await pool(["pool_local", "--history", "0"]), 2, /--history: expected a whole number from 1/);
  });
  await t.step("an --alert field the monitor does not have", async () => {
    assertOneLine(await pool(["pool_local", "--alert", "queue>0"]), 2, /no field 'queue'; fields: queue_size/);
  });
  await t.step("an unknown option and a missing argument", async () => {
    assertOneLine(await pool(["pool_local", "--bogus"]), 2, /unknown option '--bogus' \(run with --help\)/);
    assertOneLine(await pool([]), 2, /missing required argument 'pool_id'/);
  });
  await t.step("--export to a directory, --record and --export the same file", async () => {
    const all = ["--allow-net=127.0.0.1", "--allow-read", "--allow-write"];
    assertOneLine(await pool(["pool_local", "--export", dir], all), 2, /--export needs a file, but .* is a directory/);
    assertOneLine(
      await pool(["pool_local", "--record", `${dir}/a.jsonl`, "--export", `${dir}/a.jsonl`], all),
      2,
      /--record and --export name the same file/,
    );
  });
  await t.step("--replay of a file that is not a recording", async () => {
    Deno.writeTextFileSync(`${dir}/notes.txt`, "hello\nworld\n");
    assertOneLine(await pool(["pool_local", "--replay", `${dir}/notes.txt`]), 2, /is not a recording/);
  });
  await t.step("--help prints the exit codes and exits 0", async () => {
    const help = await pool(["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Exit codes:\n\s+0 {2}quit/);
    assert.match(help.stdout, /2 {2}usage error/);
  });
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("pool_monitor.ts a missing permission is a configuration error (exit 4) naming the flag, never retried", async (t) => {
  await t.step("--host ::1 with the task's --allow-net", async () => {
    const result = await pool(["pool_local", "--host", "::1"]);
    assertOneLine(result, 4, /^pool_monitor: missing permission: the server needs --allow-net=\[::1\]:8690$/);
  });
  await t.step("--record without --allow-write", async () => {
    const result = await pool(["pool_local", "--record", "/tmp/never-written.jsonl"]);
    assertOneLine(result, 4, /--record needs --allow-write=\/tmp\/never-written\.jsonl/);
  });
});

Deno.test("pool_monitor.ts --replay takes a monitor's own --json output", async () => {
  const dir = Deno.makeTempDirSync();
  const time = "2026-11-30T10:00:00.000Z";
  const message = {
    id: "e1",
    correlation_id: null,
    type: "event",
    event: "pool.status_changed",
    data: { pool_id: "pool_local", status: "running", worker_count: 7, queue_size: 3 },
    timestamp: time,
    room: "pool:pool_local",
    error_code: null,
    error_message: null,
  };
  const output = [
    { time, service: "pool", kind: "status", state: "connected", attempt: 0, reason: null },
    { time, service: "pool", kind: "message", message },
  ].map((l) => JSON.stringify(l)).join("\n") + "\n";
  Deno.writeTextFileSync(`${dir}/out.jsonl`, output);
  const result = await pool(["pool_local", "--replay", `${dir}/out.jsonl`, "--speed", "100"]);
  assert.equal(result.code, 0, result.stderr);
  const replayed = jsonLines(result.stdout).filter((l) => l.kind === "message");
  assert.equal(replayed.length, 1);
  assert.deepEqual((replayed[0].message as { data: unknown }).data, message.data);
  assert.doesNotMatch(result.stderr, /skipped/);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("--help on a terminal never stops at a Deno permission prompt (every script, task permissions)", async () => {
  const { runInPty } = await import("./_pty.ts");
  const scripts = [
    "pool_monitor.ts",
    "workflow_monitor.ts",
    "multi_service_dashboard.ts",
    "web_dashboard.ts",
    "demo_server.ts",
    "demo.ts",
    "collector.ts",
    "history.ts",
  ];
  for (const script of scripts) {
    const run = runInPty(["--allow-net=127.0.0.1", "--allow-env=MAHAVISHNU_TOKEN", script, "--help"]);
    const status = await run.done(15_000);
    assert.equal(status.code, 0, `${script}: ${run.out()}`);
    assert.match(run.out(), /Usage: /, script);
    assert.doesNotMatch(run.out(), /requests .*access/, `${script} prompted for a permission`);
  }
});
