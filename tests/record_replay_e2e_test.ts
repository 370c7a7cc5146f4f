import assert from "node:assert/strict";
import { jsonLines, runScript, startDemoProcess } from "./_process.ts";
import { waitFor } from "./_script_server.ts";

Deno.test("pool_monitor.ts --record, then --replay of the recording (torn last line skipped), and --export", async () => {
  const dir = Deno.makeTempDirSync();
  const recording = `${dir}/rec.jsonl`;
  const exported = `${dir}/history.csv`;
  const server = await startDemoProcess(["--port", "0", "--no-akosha", "--rate", "40", "--seed", "5"]);
  const perms = [
    "--allow-net=127.0.0.1",
    "--allow-env=MAHAVISHNU_TOKEN",
    `--allow-read=${dir}`,
    `--allow-write=${dir}`,
  ];
  const rec = runScript(
    "pool_monitor.ts",
    ["pool_local", "--port", String(server.port), "--record", recording, "--export", exported],
    perms,
  );
  await waitFor(() => jsonLines(rec.stdout()).filter((l) => l.kind === "message").length >= 30, "30 messages", 15_000);
  rec.kill("SIGINT");
  assert.equal((await rec.done).code, 0, rec.stderr());
  server.kill();
  await server.done;

  const received = jsonLines(rec.stdout()).filter((l) => l.kind === "message").length;
  const lines = Deno.readTextFileSync(recording).trim().split("\n");
  assert.equal(lines.length, received, "every received frame recorded");
  assert.match(Deno.readTextFileSync(exported), /^time,service,event,severity,text\n.*pool,/);

  Deno.writeTextFileSync(recording, '{"t":"2026-', { append: true }); // killed mid-write
  const replay = runScript("pool_monitor.ts", ["pool_local", "--replay", recording, "--speed", "100"], perms);
  const status = await replay.done;
  assert.equal(status.code, 0, replay.stderr());
  assert.match(replay.stderr(), /skipped 1 unreadable line/);
  const replayed = jsonLines(replay.stdout()).filter((l) => l.kind === "message");
  assert.equal(replayed.length, received);
  Deno.removeSync(dir, { recursive: true });
});

/** Runs pool_monitor.ts with `filter` against a fast demo server until `count` events arrived; returns them. */
async function filteredEvents(filter: string[], count: number) {
  const server = await startDemoProcess(["--port", "0", "--no-akosha", "--rate", "60", "--seed", "2"]);
  const run = runScript("pool_monitor.ts", ["pool_local", "--port", String(server.port), ...filter], [
    "--allow-net=127.0.0.1",
  ]);
  const events = () =>
    jsonLines(run.stdout())
      .map((l) => l.message as { type?: string; event?: string; data?: Record<string, unknown> } | undefined)
      .filter((m) => m?.type === "event");
  await waitFor(() => events().length >= count, `${count} events`, 20_000);
  run.kill("SIGTERM");
  await run.done;
  server.kill();
  await server.done;
  return events();
}

Deno.test("--events and --severity filter the JSON output", async (t) => {
  await t.step("--events task.*", async () => {
    const events = await filteredEvents(["--events", "task.*"], 5);
    assert.ok(events.every((m) => m!.event!.startsWith("task.")), JSON.stringify(events.map((m) => m!.event)));
  });
  await t.step("--severity warning keeps warnings and errors only", async () => {
    const events = await filteredEvents(["--severity", "warning"], 4);
    const serious = (m: (typeof events)[number]) => {
      const data = m!.data ?? {};
      const status = typeof data.status === "string" ? data.status : "";
      return /fail|error|closed|crash|anomal|removed|slow|timeout|warn|retry|scaling/.test(m!.event!) ||
        /^(error|failed|crashed|dead|offline|degraded|stopping|draining)$/.test(status);
    };
    assert.ok(events.every(serious), JSON.stringify(events.map((m) => [m!.event, m!.data?.status])));
    assert.ok(!events.some((m) => m!.event === "task.assigned"), "no info events");
  });
});

Deno.test("demo_server.ts --replay serves a recording to a real client", async () => {
  const dir = Deno.makeTempDirSync();
  const recording = `${dir}/rec.jsonl`;
  const t0 = Date.UTC(2026, 0, 1);
  const frames = [3, 4, 5].map((n, i) =>
    JSON.stringify({
      t: new Date(t0 + i * 100).toISOString(),
      service: "pool",
      frame: JSON.stringify({
        id: `e${i}`,
        correlation_id: null,
        type: "event",
        event: "pool.scaled",
        data: { pool_id: "pool_local", worker_count: n },
        timestamp: "2026-01-01T00:00:00",
        room: "pool:pool_local",
        error_code: null,
        error_message: null,
      }),
    })
  );
  Deno.writeTextFileSync(recording, frames.join("\n") + "\n");
  const server = runScript("demo_server.ts", ["--port", "0", "--no-akosha", "--replay", recording], [
    "--allow-net=127.0.0.1",
    `--allow-read=${dir}`,
  ]);
  await waitFor(() => /listening on ws:\/\/127\.0\.0\.1:(\d+)/.test(server.stdout()), "the server");
  const port = /listening on ws:\/\/127\.0\.0\.1:(\d+)/.exec(server.stdout())![1];
  const monitor = runScript("pool_monitor.ts", ["pool_local", "--port", port], ["--allow-net=127.0.0.1"]);
  await waitFor(() => monitor.stdout().includes('"worker_count":5'), "the replayed events", 15_000);
  const counts = jsonLines(monitor.stdout())
    .map((l) => l.message as { event?: string; data?: { worker_count?: number } } | undefined)
    .filter((m) => m?.event === "pool.scaled")
    .map((m) => m!.data!.worker_count);
  assert.deepEqual(counts, [3, 4, 5]);
  monitor.kill();
  server.kill();
  await Promise.all([monitor.done, server.done]);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("--replay runs on the recording's own time, not the wall clock of the replay", async () => {
  const dir = Deno.makeTempDirSync();
  const t0 = Date.UTC(2026, 0, 1, 8, 0, 0);
  const events: [number, string, Record<string, unknown>][] = [
    [0, "workflow.started", { workflow_id: "wf_9", total_stages: 2 }],
    [5_000, "workflow.stage_completed", { workflow_id: "wf_9", stage_name: "plan" }],
    [9_000, "workflow.completed", { workflow_id: "wf_9", result: { ok: true } }],
  ];
  const lines = events.map(([dt, event, data], i) =>
    JSON.stringify({
      t: new Date(t0 + dt).toISOString(),
      service: "workflow",
      frame: JSON.stringify({ id: `e${i}`, type: "event", event, data, room: "workflow:wf_9" }),
    })
  );
  Deno.writeTextFileSync(`${dir}/rec.jsonl`, lines.join("\n") + "\n");
  const run = runScript(
    "workflow_monitor.ts",
    ["wf_9", "--replay", `${dir}/rec.jsonl`, "--speed", "1000", "--export", `${dir}/h.jsonl`],
    [`--allow-read=${dir}`, `--allow-write=${dir}`],
  );
  assert.equal((await run.done).code, 0, run.stderr());
  const times = jsonLines(run.stdout()).filter((l) => l.kind === "message").map((l) => l.time);
  assert.deepEqual(times, events.map(([dt]) => new Date(t0 + dt).toISOString()));
  const history = Deno.readTextFileSync(`${dir}/h.jsonl`).trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(
    history.map((e) => [e.event, e.time]),
    events.map(([dt, event]) => [event, new Date(t0 + dt).toISOString()]),
  );
  Deno.removeSync(dir, { recursive: true });
});
