import assert from "node:assert/strict";
import { jsonLines, runScript, startDemoProcess } from "./_process.ts";
import { answerSubscribe, frame, startScriptServer, waitFor, welcome } from "./_script_server.ts";

/** The channels each connection subscribed to, in order of connections. */
function subscriptionsPerConnection(received: { event?: unknown; data?: unknown; conn: number }[]): string[][] {
  const out: string[][] = [];
  for (const m of received) {
    if (m.event !== "subscribe") continue;
    (out[m.conn] ??= []).push(String((m.data as { channel?: unknown }).channel));
  }
  return out.filter(Boolean);
}

Deno.test("--subscribe: extra channels are followed, restored after a reconnect, and their events kept", async () => {
  const dir = Deno.makeTempDirSync();
  let conn = -1;
  const received: { event?: unknown; data?: unknown; conn: number }[] = [];
  const server = startScriptServer({
    open: (ws) => {
      conn++;
      ws.send(welcome());
    },
    message: (ws, m) => {
      received.push({ ...m, conn });
      answerSubscribe(ws, m);
      const channel = (m.data as { channel?: string } | undefined)?.channel;
      if (m.event === "subscribe" && channel === "worker:w1" && conn === 0) {
        // A worker of another pool: the pool reducer has no use for it, the history still shows it.
        ws.send(frame("event", "worker.status_changed", { worker_id: "w1", pool_id: "pool_gpu", status: "busy" }, {
          room: "worker:w1",
        }));
      }
      if (m.event === "subscribe" && channel === "adapters") {
        ws.send(frame("event", "adapter.registered", { adapter: "claude", version: 3 }, { room: "adapters" }));
      }
    },
  });
  const monitor = runScript("pool_monitor.ts", [
    "pool_local",
    "--port",
    String(server.port),
    "--subscribe",
    "worker:w1",
    "--subscribe",
    "adapters",
    "--export",
    `${dir}/history.jsonl`,
  ], ["--allow-net=127.0.0.1", `--allow-write=${dir}`]);
  const adapterEvents = () =>
    jsonLines(monitor.stdout()).filter((l) => (l.message as { event?: string })?.event === "adapter.registered");
  await waitFor(() => adapterEvents().length === 1, "the adapters event");
  for (const ws of server.sockets) ws.close(1011, "restart"); // the monitor reconnects and subscribes again
  await waitFor(() => adapterEvents().length === 2, "the adapters event after the reconnect", 15_000);
  monitor.kill("SIGINT");
  assert.equal((await monitor.done).code, 0, monitor.stderr());
  await server.close();
  const subs = subscriptionsPerConnection(received).map((c) => c.filter((ch) => !ch.startsWith("probe")));
  assert.deepEqual(subs.slice(0, 2), [["pool:pool_local", "worker:w1", "adapters"], [
    "pool:pool_local",
    "worker:w1",
    "adapters",
  ]]);
  const history = Deno.readTextFileSync(`${dir}/history.jsonl`).trim().split("\n").map((l) => JSON.parse(l));
  const noted = history.filter((e) => e.event === "adapter.registered");
  assert.equal(noted.length, 2);
  assert.match(noted[0].text, /adapter=claude.*version=3/);
  const other = history.filter((e) => e.event === "worker.status_changed");
  assert.equal(other.length, 1);
  assert.match(other[0].text, /^\[worker:w1\] .*workerId=w1.*status=busy/);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("--subscribe refuses a channel with spaces (usage error)", async () => {
  const run = runScript("pool_monitor.ts", ["pool_local", "--subscribe", "bad channel"], ["--allow-net=127.0.0.1"]);
  assert.equal((await run.done).code, 2);
  assert.match(run.stderr(), /--subscribe: a channel is 1 to 200 characters without spaces/);
});

Deno.test("workflow_monitor.ts --pool follows the pool's worker changes", async () => {
  const dir = Deno.makeTempDirSync();
  const server = await startDemoProcess(["--port", "0", "--no-akosha", "--rate", "40", "--seed", "3"]);
  const monitor = runScript("workflow_monitor.ts", [
    "wf_123",
    "--port",
    String(server.port),
    "--pool",
    "pool_local",
    "--export",
    `${dir}/history.jsonl`,
  ], ["--allow-net=127.0.0.1", `--allow-write=${dir}`]);
  const fromPool = () =>
    jsonLines(monitor.stdout()).filter((l) => {
      const m = l.message as { event?: string; room?: string } | undefined;
      return m?.event === "worker.status_changed" && m.room === "pool:pool_local";
    });
  await waitFor(() => fromPool().length >= 3, "worker changes from pool:pool_local", 20_000);
  monitor.kill("SIGINT");
  assert.equal((await monitor.done).code, 0, monitor.stderr());
  server.kill();
  await server.done;
  const history = Deno.readTextFileSync(`${dir}/history.jsonl`).trim().split("\n").map((l) => JSON.parse(l));
  assert.ok(history.filter((e) => e.event === "worker.status_changed").length >= 3, "worker changes in the history");
  assert.ok(!history.some((e) => String(e.text).startsWith("[pool:")), "--pool events are used, not noted as extra");
  Deno.removeSync(dir, { recursive: true });
});
