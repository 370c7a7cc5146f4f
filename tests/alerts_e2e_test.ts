import assert from "node:assert/strict";
import { frame } from "./_script_server.ts";
import { jsonLines, runScript } from "./_process.ts";

Deno.test("--alert triggers and clears, driven by a replayed recording", async () => {
  const dir = Deno.makeTempDirSync();
  const recording = `${dir}/queue.jsonl`;
  const t0 = Date.UTC(2026, 0, 1);
  const lines = [10, 60, 70, 5].map((queue, i) =>
    JSON.stringify({
      t: new Date(t0 + i * 300).toISOString(),
      service: "pool",
      frame: frame("event", "pool.status_changed", { pool_id: "pool_local", status: "running", queue_size: queue }),
    })
  );
  Deno.writeTextFileSync(recording, lines.join("\n") + "\n");
  const run = runScript(
    "pool_monitor.ts",
    ["pool_local", "--replay", recording, "--alert", "queue_size>50", "--alert", "workers.error>=1"],
    [`--allow-read=${dir}`],
  );
  assert.equal((await run.done).code, 0, run.stderr());
  const alerts = jsonLines(run.stdout()).filter((l) => l.kind === "alert").map((l) => [l.state, l.rule, l.value]);
  assert.deepEqual(alerts, [["triggered", "queue_size>50", 60], ["cleared", "queue_size>50", 5]]);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("--alert with a bad rule says what form it takes", async () => {
  const run = runScript("pool_monitor.ts", ["p", "--alert", "queue is big"], ["--allow-net=127.0.0.1"]);
  assert.equal((await run.done).code, 2);
  assert.match(
    run.stderr(),
    /not FIELD OP NUMBER\[ms\|s\|m\|h\] \(e\.g\. queue_size>50\): current value is queue is big/,
  );
});
