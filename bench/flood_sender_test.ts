import assert from "node:assert/strict";
import { Sender } from "./_harness.ts";

/** A real Deno WebSocket client that collects parsed messages. */
function client(port: number) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`);
  const messages: Record<string, unknown>[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  ws.onmessage = (e) => {
    messages.push(JSON.parse(e.data));
    for (const w of waiters.filter((w) => messages.length >= w.n)) w.resolve();
  };
  const opened = new Promise((r) => ws.onopen = r);
  const closed = new Promise((r) => ws.onclose = r);
  const count = (n: number) =>
    messages.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve }));
  const request = (event: string, data: Record<string, unknown>, id: string) =>
    ws.send(JSON.stringify({ type: "request", event, data, id, correlation_id: id }));
  return { ws, messages, opened, closed, count, request };
}

Deno.test("flood sender: handshake, welcome, answers, then exactly the planned events", async () => {
  const sender = await Sender.start();
  try {
    await sender.cmd({ cmd: "plan", mode: "quota", n: 5000 });
    const c = client(sender.port);
    await c.opened;
    c.request("subscribe", { channel: "pool:pool_local" }, "sub1");
    c.request("get_pool_status", { pool_id: "pool_local" }, "st1");
    const [conn] = await sender.waitFlooding(0, 1);
    await c.count(3 + 5000);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(c.messages.length, 3 + 5000, "the quota, no more");
    assert.equal(c.messages[0].event, "session.created");
    const answers = c.messages.filter((m) => m.type === "response");
    assert.deepEqual(answers.map((m) => m.correlation_id), ["sub1", "st1"]);
    assert.deepEqual((answers[0].data as Record<string, unknown>).status, "subscribed");
    const events = c.messages.filter((m) => m.type === "event").slice(1);
    assert.ok(events.every((m) => m.room === "pool:pool_local"));
    const names = new Set(events.map((m) => m.event));
    for (const name of ["worker.status_changed", "task.assigned", "task.completed", "pool.status_changed"]) {
      assert.ok(names.has(name), `the mix has ${name}`);
    }
    const stats = (await sender.stats()).conns.find((x) => x.id === conn.id)!;
    assert.equal(stats.events, 5000);
    assert.equal(stats.frames, 3 + 5000);
    await sender.cmd({ cmd: "more", n: 10 });
    await c.count(3 + 5010);
    c.ws.close();
    await c.closed;
  } finally {
    await sender.stop();
  }
});

Deno.test("flood sender: paced events carry their send time and are logged by position", async () => {
  const sender = await Sender.start();
  try {
    await sender.cmd({ cmd: "plan", mode: "rate", rate: 200 });
    const c = client(sender.port);
    await c.opened;
    c.request("subscribe", { channel: "workflow:wf_9" }, "s");
    const [conn] = await sender.waitFlooding(0, 1);
    await c.count(2 + 20);
    c.ws.close();
    await c.closed;
    const log = (await sender.cmd({ cmd: "log", id: conn.id })).sent as [number, number, number][];
    assert.ok(log.length >= 20);
    for (const [seq, at, written] of log.slice(0, 20)) {
      const m = c.messages[seq - 1];
      assert.equal((m.data as Record<string, unknown>).sent_at, at, `frame ${seq} is the logged one`);
      assert.ok(written >= at);
      assert.equal(m.room, "workflow:wf_9");
    }
  } finally {
    await sender.stop();
  }
});
