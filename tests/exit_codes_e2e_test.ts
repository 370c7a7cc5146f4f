/**
 * Exits that tell the truth: the documented exit codes (README, `--help`)
 * from real runs: a failed authentication is a configuration error (4), a
 * stdout that cannot be written is an output error (5), a closed pipe is not;
 * `--exit-on-finish` in a terminal leaves the result on the main screen.
 */
import assert from "node:assert/strict";
import { EXIT_CODES } from "../lib/cli/usage.ts";
import { RESTORE_SEQUENCE } from "../lib/ui/renderer.ts";
import { runScript } from "./_process.ts";
import { runInPty } from "./_pty.ts";
import { requireTool } from "./_require.ts";
import { answerSubscribe, frame, type ScriptServer, startScriptServer } from "./_script_server.ts";

const DENO = Deno.execPath();

/** A server that finishes workflow wf_9 at once: started, one stage, completed. */
function finishingServer(outcome: "completed" | "failed"): ScriptServer {
  return startScriptServer({
    message(ws, m) {
      answerSubscribe(ws, m);
      if (m.event !== "subscribe") return;
      const id = { workflow_id: "wf_9" };
      ws.send(frame("event", "workflow.started", { ...id, timestamp: "2026-01-01T00:00:00", stages: ["a", "b", "c"] }));
      ws.send(frame("event", "workflow.stage_completed", { ...id, stage_name: "a", timestamp: "2026-01-01T00:00:02" }));
      ws.send(
        outcome === "completed"
          ? frame("event", "workflow.completed", { ...id, result: { summary: "all good" } })
          : frame("event", "workflow.failed", { ...id, error: "disk on fire" }),
      );
    },
  });
}

/** Runs `command` in sh; resolves with its stdout and stderr. */
async function sh(command: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command("sh", { args: ["-c", command], env: { NO_COLOR: "1" } }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

Deno.test("workflow_monitor.ts --exit-on-finish --json > /dev/full fails with the output exit code", async () => {
  const server = finishingServer("completed");
  const run = await sh(
    `'${DENO}' run --quiet --allow-net=127.0.0.1 --allow-env=MAHAVISHNU_TOKEN workflow_monitor.ts wf_9 ` +
      `--port ${server.port} --exit-on-finish --json > /dev/full && echo done; echo "code $?"`,
  );
  await server.close();
  assert.ok(!run.stdout.includes("done"), run.stdout);
  assert.match(run.stdout, new RegExp(`code ${EXIT_CODES.output}\\b`), run.stderr);
  assert.match(run.stderr, /writing JSON lines to stdout failed: .*No space left on device/);
  assert.equal(run.stderr.match(/writing JSON lines/g)?.length, 1, "said once");
});

Deno.test("pool_monitor.ts --json | head -n 1: the closed pipe ends the run with 0", async () => {
  const timers: ReturnType<typeof setInterval>[] = [];
  const server = startScriptServer({
    message(ws, m) {
      answerSubscribe(ws, m);
      if (m.event !== "subscribe") return;
      timers.push(setInterval(() => {
        try {
          ws.send(frame("event", "pool.status_changed", { pool_id: "pool_local", status: "running" }));
        } catch { /* closed */ }
      }, 20));
    },
  });
  // The monitor only ends because its reader went away; its own exit code comes out on stderr.
  const run = await sh(
    `{ '${DENO}' run --quiet --allow-net=127.0.0.1 --allow-env=MAHAVISHNU_TOKEN pool_monitor.ts pool_local ` +
      `--port ${server.port} --json; echo "code $?" >&2; } | head -n 1`,
  );
  timers.forEach(clearInterval);
  await server.close();
  assert.equal(run.stdout.split("\n").filter(Boolean).length, 1);
  assert.match(run.stderr, /code 0\b/, run.stderr);
});

Deno.test("pool_monitor.ts with a refused token exits with the configuration exit code", async () => {
  const server = startScriptServer({
    message(ws, m) {
      if (m.event === "auth") {
        ws.send(frame("error", null, {}, { error_code: "AUTH_FAILED", error_message: "Invalid or expired token" }));
        ws.close(1008, "authentication failed");
      }
    },
  });
  const run = runScript(
    "pool_monitor.ts",
    ["pool_local", "--port", String(server.port), "--token-env", "MAHAVISHNU_TOKEN"],
    ["--allow-net=127.0.0.1", "--allow-env=MAHAVISHNU_TOKEN"],
    { MAHAVISHNU_TOKEN: "tok-wrong" },
  );
  const status = await run.done;
  await server.close();
  assert.equal(status.code, EXIT_CODES.config, run.stderr());
  assert.match(run.stderr(), /authentication failed/);
});

const hasPython = requireTool("python3", "python3", ["-c", "import pty"], "the final summary test");

Deno.test({
  name: "workflow_monitor.ts --exit-on-finish in a terminal prints a final summary on the main screen",
  ignore: !hasPython,
  fn: async (t) => {
    for (
      const [outcome, code, summary] of [
        ["failed", 1, /workflow wf_9 FAILED: 1\/3 stages( in \S+)?\r?\n {2}error: disk on fire\r?\n$/],
        ["completed", 0, /workflow wf_9 COMPLETED: 1\/3 stages( in \S+)?\r?\n {2}result: .*all good.*\r?\n$/],
      ] as const
    ) {
      await t.step(outcome, async () => {
        const server = finishingServer(outcome);
        const run = runInPty([
          "--allow-net=127.0.0.1",
          "--allow-env=MAHAVISHNU_TOKEN",
          "workflow_monitor.ts",
          "wf_9",
          "--port",
          String(server.port),
          "--exit-on-finish",
        ]);
        const status = await run.done();
        await server.close();
        const out = run.out();
        assert.equal(status.code, code, out.slice(-300));
        const after = out.slice(out.lastIndexOf(RESTORE_SEQUENCE) + RESTORE_SEQUENCE.length);
        assert.match(after, summary, JSON.stringify(after));
      });
    }
  },
});
