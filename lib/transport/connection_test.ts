import assert from "node:assert/strict";
import { answerSubscribe, frame, startScriptServer, waitFor, welcome } from "../../tests/_script_server.ts";
import { Connection, type ConnectionState } from "./connection.ts";
import { type Envelope, getPoolStatusRequest } from "../protocol/envelope.ts";

Deno.test("Connection subscribes after the welcome and matches responses", async () => {
  const server = startScriptServer({
    open: (ws) => ws.send(welcome()),
    message: (ws, m) => {
      answerSubscribe(ws, m);
      if (m.event === "get_pool_status") {
        ws.send(
          frame("response", "get_pool_status", { pool_id: "p", worker_count: 2 }, { correlation_id: m.correlation_id }),
        );
        ws.send(frame("event", "pool.scaled", { pool_id: "p", worker_count: 3 }, { room: "pool:p" }));
        ws.send("not json");
      }
    },
  });
  const messages: Envelope[] = [];
  const states: ConnectionState[] = [];
  const c = new Connection(server.url, {
    channels: ["pool:p", "global"],
    initialRequests: () => [getPoolStatusRequest("p")],
    onMessage: (m) => messages.push(m),
    onStatus: (s) => states.push(s.state),
  });
  c.start();
  await waitFor(() => messages.some((m) => m.event === "pool.scaled") && c.counters.malformed === 1, "events");
  assert.deepEqual(server.received.map((m) => [m.event, m.data as Record<string, unknown>]), [
    ["subscribe", { channel: "pool:p" }],
    ["subscribe", { channel: "global" }],
    ["get_pool_status", { pool_id: "p" }],
  ]);
  for (const m of server.received) assert.equal(m.id, m.correlation_id);
  assert.deepEqual([...c.subscribed].sort(), ["global", "pool:p"]);
  assert.deepEqual(states, ["connecting", "connected"]);
  assert.equal(c.counters.messages, 6);
  await c.close();
  assert.equal(c.status.state, "closed");
  await server.close();
});

Deno.test("Connection subscribes even without a welcome", async () => {
  const server = startScriptServer({ message: answerSubscribe });
  const c = new Connection(server.url, { channels: ["x"], welcomeTimeoutMs: 50 });
  c.start();
  await waitFor(() => c.subscribed.has("x"), "subscription");
  await c.close();
  await server.close();
});

Deno.test("Connection reconnects and re-subscribes after the server drops it", async () => {
  const server = startScriptServer({
    open: (ws) => ws.send(welcome()),
    message: answerSubscribe,
  });
  const c = new Connection(server.url, { channels: ["pool:p"], backoff: { initialMs: 20, jitter: 0 } });
  c.start();
  await waitFor(() => c.subscribed.has("pool:p"), "first subscription");
  for (const ws of server.sockets) ws.close(1011, "boom");
  await waitFor(() => c.status.state === "reconnecting", "reconnecting");
  assert.match(c.status.reason ?? "", /internal error \(close 1011: boom\)/);
  await waitFor(() => server.connections === 2 && c.subscribed.has("pool:p"), "re-subscription");
  assert.equal(server.received.filter((m) => m.event === "subscribe").length, 2);
  assert.equal(c.counters.reconnects, 1);
  await c.close();
  await server.close();
});

Deno.test("Connection authenticates first and stops on a refused token", async (t) => {
  const server = startScriptServer({
    message: (ws, m) => {
      if (m.event === "auth") {
        const ok = (m.data as Record<string, unknown>).token === "good";
        if (ok) {
          ws.send(frame("response", "auth", { status: "authenticated" }, { correlation_id: m.correlation_id }));
          ws.send(welcome());
        } else {
          ws.send(frame("error", "auth", {}, { error_code: "AUTH_FAILED", error_message: "invalid token" }));
          ws.close(1008, "authentication failed");
        }
        return;
      }
      answerSubscribe(ws, m);
    },
  });
  await t.step("good token", async () => {
    const c = new Connection(server.url, { channels: ["c"], token: "good" });
    c.start();
    await waitFor(() => c.subscribed.has("c"), "subscription");
    assert.equal(server.received[0].event, "auth", "auth is the first message");
    await c.close();
  });
  await t.step("bad token: clear status, no retry", async () => {
    const before = server.connections;
    const c = new Connection(server.url, { channels: ["c"], token: "bad", backoff: { initialMs: 10 } });
    c.start();
    await waitFor(() => c.status.state === "auth_failed", "auth_failed");
    assert.match(c.status.reason ?? "", /refused the token \(AUTH_FAILED: invalid token\)/);
    assert.ok(!(c.status.reason ?? "").includes("bad"), "token never shown");
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(server.connections, before + 1, "no further attempts");
    await c.close();
  });
  await server.close();
});

Deno.test("Connection detects a silent dead connection with a probe", async () => {
  let answer = true;
  const server = startScriptServer({
    open: (ws) => ws.send(welcome()),
    message: (ws, m) => {
      if (answer) answerSubscribe(ws, m);
    },
  });
  const c = new Connection(server.url, {
    channels: ["c"],
    idleTimeoutMs: 150,
    probeTimeoutMs: 150,
    backoff: { initialMs: 10, jitter: 0 },
  });
  c.start();
  await waitFor(() => c.subscribed.has("c"), "subscription");
  await waitFor(() => server.received.some((m) => String(m.id).startsWith("probe-")), "a probe on a quiet link");
  assert.equal(c.status.state, "connected", "an answered probe keeps the connection");
  answer = false;
  await waitFor(() => c.counters.reconnects >= 1, "reconnect after an unanswered probe", 3000);
  assert.match(c.status.reason ?? c.status.state, /liveness probe|connecting|connected/);
  await c.close();
  await server.close();
});

Deno.test("Connection reports a refused port with host, port and a hint", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const c = new Connection(`ws://127.0.0.1:${port}`, { backoff: { initialMs: 5000 } });
  c.start();
  await waitFor(() => c.status.state === "reconnecting", "reconnecting");
  assert.match(
    c.status.reason ?? "",
    new RegExp(`cannot connect to 127\\.0\\.0\\.1:${port} .*check --host and --port`),
  );
  await c.close();
});

Deno.test("Connection() rejects bad URLs with TypeError", () => {
  assert.throws(() => new Connection("http://x"), /not ws:\/\/ or wss:\/\/: current value is http:\/\/x/);
  assert.throws(() => new Connection("::"), TypeError);
});
