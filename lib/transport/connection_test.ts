// deno-lint-ignore-file no-control-regex
import assert from "node:assert/strict";
import { answerSubscribe, frame, startScriptServer, waitFor, welcome } from "../../tests/_script_server.ts";
import { startRawServer } from "../../tests/_raw_ws_server.ts";
import { Connection, type ConnectionPhase, type ConnectionState, type ConnectionStatus } from "./connection.ts";
import { VirtualScheduler } from "./scheduler.ts";
import { type Envelope, getPoolStatusRequest, type Problem } from "../protocol/envelope.ts";

const CONTROL = /[\x00-\x1f\x7f-\x9f]/;
const HOSTILE = "\x1b]0;owned\x07\x1b[2J";

/** Answers subscribes and remembers the close code of every client socket. */
function politeServer(codes: number[] = []) {
  return startScriptServer({
    open: (ws) => {
      ws.addEventListener("close", (e) => codes.push(e.code));
      ws.send(welcome());
    },
    message: answerSubscribe,
  });
}

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
  assert.equal(c.phase, "idle");
  c.start();
  await waitFor(() => messages.some((m) => m.event === "pool.scaled") && c.counters.malformed === 1, "events");
  assert.deepEqual(server.received.map((m) => [m.event, m.data as Record<string, unknown>]), [
    ["subscribe", { channel: "pool:p" }],
    ["subscribe", { channel: "global" }],
    ["get_pool_status", { pool_id: "p" }],
  ]);
  for (const m of server.received) assert.equal(m.id, m.correlation_id);
  assert.deepEqual([...c.subscribed].sort(), ["global", "pool:p"]);
  // Reported twice as connected: on opening (subscribing) and once every subscription was answered.
  assert.deepEqual(states, ["connecting", "connected", "connected"]);
  assert.equal(c.phase, "connected", "every subscribe answered");
  assert.deepEqual(c.status.refused, []);
  assert.equal(c.counters.messages, 6);
  await c.close();
  assert.equal(c.status.state, "closed");
  assert.equal(c.phase, "closed");
  await server.close();
});

Deno.test("Connection subscribes when the welcome timeout expires (virtual time)", async () => {
  const server = startScriptServer({ message: answerSubscribe });
  const clock = new VirtualScheduler();
  const c = new Connection(server.url, { channels: ["x"], welcomeTimeoutMs: 2000, scheduler: clock });
  c.start();
  await waitFor(() => c.phase === "awaiting_welcome", "the socket to open");
  await clock.advance(1999);
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(server.received.length, 0, "nothing sent before the welcome timeout");
  await clock.advance(1);
  await waitFor(() => c.subscribed.has("x") && c.phase === "connected", "subscription");
  await c.close();
  await server.close();
});

Deno.test("Connection reconnects once and re-subscribes after the server drops it (virtual time)", async () => {
  const server = politeServer();
  const clock = new VirtualScheduler();
  const phases: ConnectionPhase[] = [];
  const c = new Connection(server.url, {
    channels: ["pool:p"],
    backoff: { initialMs: 500, jitter: 0 },
    scheduler: clock,
    onStatus: (s) => phases.push(s.phase!),
  });
  c.start();
  await waitFor(() => c.subscribed.has("pool:p"), "first subscription");
  for (const ws of server.sockets) ws.close(1011, "boom");
  await waitFor(() => c.phase === "backing_off", "backing off");
  assert.equal(c.status.state, "reconnecting");
  assert.equal(c.status.retryAt, clock.now() + 500);
  assert.equal(c.status.reason, "the server had an internal error (close 1011: boom)");
  await clock.advance(499);
  assert.equal(server.connections, 1, "no attempt before the delay");
  await clock.advance(1);
  await waitFor(() => server.connections === 2 && c.subscribed.has("pool:p"), "re-subscription");
  assert.equal(server.received.filter((m) => m.event === "subscribe").length, 2);
  assert.equal(c.counters.reconnects, 1);
  assert.equal(c.status.state, "connected");
  assert.equal(c.status.reason, null);
  assert.deepEqual(phases, [
    "connecting",
    "subscribing",
    "connected",
    "backing_off",
    "connecting",
    "subscribing",
    "connected",
  ]);
  await c.close();
  await server.close();
});

Deno.test("Connection authenticates first and stops for good on a refused token", async (t) => {
  const token = "tok-S3CRET-9000";
  const server = startScriptServer({
    message: (ws, m) => {
      if (m.event === "auth") {
        if ((m.data as Record<string, unknown>).token === "good") {
          ws.send(frame("response", "auth", { status: "authenticated" }, { correlation_id: m.correlation_id }));
          ws.send(welcome());
        } else {
          // A careless server echoes the token, with escape sequences, in its error and close reason.
          const said = `${HOSTILE}invalid token ${(m.data as Record<string, unknown>).token}`;
          ws.send(frame("error", "auth", {}, { error_code: "AUTH_FAILED", error_message: said }));
          ws.close(1008, `bad ${token}`);
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
  await t.step("refused token: a clean reason without the token, no retry in 10 virtual minutes", async () => {
    const before = server.connections;
    const clock = new VirtualScheduler();
    const statuses: ConnectionStatus[] = [];
    const frames: string[] = [];
    const c = new Connection(server.url, {
      channels: ["c"],
      token,
      backoff: { initialMs: 10, maxMs: 250 },
      scheduler: clock,
      onStatus: (s) => statuses.push(s),
      onMessage: (m, info) => frames.push(JSON.stringify(m), info.raw),
    });
    c.start();
    await waitFor(() => c.status.state === "auth_failed", "auth_failed");
    assert.equal(
      c.status.reason,
      "the server refused the token (AUTH_FAILED: invalid token [token]); check the token, it is not retried",
    );
    for (let i = 0; i < 60; i++) await clock.advance(10_000);
    await new Promise((r) => setTimeout(r, 300)); // and real time, for a retry on the real clock
    assert.equal(server.connections, before + 1, "one attempt only");
    assert.equal(statuses.filter((s) => s.state === "connecting").length, 1, "one attempt only");
    assert.equal(c.counters.reconnects, 0);
    assert.equal(c.phase, "auth_failed");
    assert.equal(clock.pending, 0, "no timer left");
    assert.equal(frames.length, 2, "the error frame reached onMessage");
    const shown = JSON.stringify(statuses) + frames.join("");
    assert.ok(!shown.includes(token) && !shown.includes("S3CRET"), `token leaked: ${shown}`);
    assert.ok(!CONTROL.test(statuses.map((s) => s.reason ?? "").join("")), "control characters in a reason");
    await c.close();
    assert.equal(c.phase, "auth_failed", "close() keeps the reason it stopped for");
  });
  await server.close();
});

Deno.test("Connection: phases of an authenticated start, welcome before or after the auth answer", async (t) => {
  for (const welcomeFirst of [true, false]) {
    await t.step(welcomeFirst ? "welcome first (a server that needs no token)" : "auth answer first", async () => {
      let answerAuth: (() => void) | null = null;
      const server = startScriptServer({
        open: (ws) => {
          if (welcomeFirst) ws.send(welcome());
        },
        message: (ws, m) => {
          if (m.event === "auth") {
            answerAuth = () => {
              ws.send(frame("response", "auth", { status: "authenticated" }, { correlation_id: m.correlation_id }));
              if (!welcomeFirst) ws.send(welcome());
            };
          } else answerSubscribe(ws, m);
        },
      });
      const clock = new VirtualScheduler();
      const c = new Connection(server.url, { channels: ["c"], token: "tok-12345678", scheduler: clock });
      c.start();
      assert.equal(c.phase, "connecting");
      await waitFor(() => answerAuth !== null, "the auth request");
      assert.equal(c.phase, "authenticating");
      assert.equal(c.status.state, "connecting");
      answerAuth!();
      await waitFor(() => c.phase === "connected", "connected");
      assert.deepEqual(server.received.map((m) => m.event), ["auth", "subscribe"]);
      await c.close();
      await server.close();
    });
  }
});

Deno.test("Connection: an auth request without an answer is a stall, retried (virtual time)", async () => {
  const server = startScriptServer({ open: (ws) => ws.send(welcome()) });
  const clock = new VirtualScheduler();
  const c = new Connection(server.url, {
    token: "tok-12345678",
    authTimeoutMs: 10_000,
    backoff: { initialMs: 1000, jitter: 0 },
    scheduler: clock,
  });
  c.start();
  await waitFor(() => c.phase === "authenticating" && server.received.length === 1, "the auth request");
  await clock.advance(9_999);
  assert.equal(c.phase, "authenticating");
  await clock.advance(1);
  assert.equal(c.phase, "backing_off");
  assert.equal(c.status.reason, "the server did not answer the auth request within 10000 ms");
  await clock.advance(1000);
  await waitFor(() => server.connections === 2, "a second attempt");
  await c.close();
  await server.close();
});

Deno.test("Connection: the backoff starts over only after a stable connection (virtual time)", async () => {
  const server = politeServer();
  const clock = new VirtualScheduler();
  const c = new Connection(server.url, {
    channels: ["c"],
    idleTimeoutMs: 60_000,
    backoff: { initialMs: 100, multiplier: 2, jitter: 0, stableAfterMs: 10_000 },
    scheduler: clock,
  });
  const dropAfter = async (ms: number) => {
    await waitFor(() => c.phase === "connected", "connected");
    await clock.advance(ms);
    for (const ws of server.sockets) ws.close(1011, "boom");
    await waitFor(() => c.phase === "backing_off", "backing off");
    const delay = c.status.retryAt! - clock.now();
    await clock.advance(delay);
    return delay;
  };
  c.start();
  assert.equal(await dropAfter(1000), 100);
  assert.equal(await dropAfter(1000), 200, "short-lived connections keep growing the delay");
  assert.equal(await dropAfter(1000), 400);
  assert.equal(await dropAfter(10_000), 100, "a stable connection starts over");
  await c.close();
  await server.close();
});

Deno.test("Connection goes on without auth when a server without authentication refuses the auth request", async () => {
  const server = startScriptServer({
    open: (ws) => ws.send(welcome()),
    message: (ws, m) => {
      if (m.event === "auth") {
        ws.send(frame("error", "auth", {}, { error_code: "UNKNOWN_REQUEST", correlation_id: m.correlation_id }));
      } else answerSubscribe(ws, m);
    },
  });
  const c = new Connection(server.url, { channels: ["c"], token: "t" });
  c.start();
  await waitFor(() => c.phase === "connected" && c.subscribed.has("c"), "subscription");
  await c.close();
  await server.close();
});

Deno.test("Connection: an answered probe keeps a quiet connection through many probe timeouts (virtual time)", async () => {
  const codes: number[] = [];
  const server = politeServer(codes);
  const clock = new VirtualScheduler();
  const c = new Connection(server.url, {
    channels: ["c"],
    idleTimeoutMs: 1000,
    probeTimeoutMs: 150,
    backoff: { initialMs: 10, jitter: 0 },
    scheduler: clock,
  });
  c.start();
  await waitFor(() => c.phase === "connected", "subscription");
  const probes = () => server.received.filter((m) => String(m.id).startsWith("probe-")).length;
  await clock.advance(1000); // quiet since the subscribe answer at 0: the first probe goes out
  for (let i = 1; i <= 5; i++) {
    // Virtual time stands still while the probe and its answer travel for real.
    await waitFor(() => probes() === i && c.counters.messages === 2 + i, `probe ${i} and its answer`);
    await clock.advance(200); // past the probe's timeout (150 ms)
    assert.equal(c.phase, "connected", `after probe ${i}`);
    assert.equal(probes(), i, "no probe while the link is not quiet");
    await clock.advance(800); // quiet for 1000 ms since the answer: the next probe
  }
  assert.equal(c.status.state, "connected");
  assert.equal(c.counters.reconnects, 0);
  assert.equal(server.connections, 1);
  await c.close();
  await server.close();
  assert.deepEqual(codes, [1000], "close() says 1000 to the server");
});

Deno.test("Connection: an unanswered probe drops the connection with 4000 and backs off (virtual time)", async () => {
  let answer = true;
  const codes: number[] = [];
  const server = startScriptServer({
    open: (ws) => {
      ws.addEventListener("close", (e) => codes.push(e.code));
      ws.send(welcome());
    },
    message: (ws, m) => {
      if (answer) answerSubscribe(ws, m);
    },
  });
  const clock = new VirtualScheduler();
  const c = new Connection(server.url, {
    channels: ["c"],
    idleTimeoutMs: 1000,
    probeTimeoutMs: 500,
    backoff: { initialMs: 5000, jitter: 0 },
    scheduler: clock,
  });
  c.start();
  await waitFor(() => c.phase === "connected", "subscription");
  answer = false;
  await clock.advance(1000);
  await waitFor(() => server.received.some((m) => m.id === "probe-1"), "the probe");
  await clock.advance(499);
  assert.equal(c.phase, "connected", "the probe still has time");
  await clock.advance(1);
  assert.equal(c.phase, "backing_off");
  assert.equal(c.status.state, "reconnecting");
  assert.equal(c.status.reason, "no answer to a liveness probe within 500 ms (half-open connection?)");
  assert.equal(c.status.retryAt, clock.now() + 5000);
  assert.equal(c.counters.reconnects, 1);
  await waitFor(() => codes.length === 1, "the server to see the close");
  assert.deepEqual(codes, [4000]);
  await c.close();
  await server.close();
});

Deno.test("Connection refuses frames above 4 MiB and keeps those at the limit", async () => {
  const limit = 4 * 1024 * 1024;
  const sized = (length: number) => {
    const head = JSON.stringify({ type: "event", event: "x", data: { blob: "" } });
    return head.replace('"blob":""', `"blob":"${"a".repeat(length - head.length)}"`);
  };
  const server = startScriptServer({
    open: (ws) => {
      ws.send(sized(limit));
      ws.send(sized(limit + 1));
    },
  });
  const problems: Problem[] = [];
  const messages: Envelope[] = [];
  const c = new Connection(server.url, { onProblem: (p) => problems.push(p), onMessage: (m) => messages.push(m) });
  c.start();
  await waitFor(() => c.counters.messages === 2, "both frames");
  assert.equal(messages.length, 1, "the frame at the limit is kept");
  assert.deepEqual(problems.map((p) => p.kind), ["too_large"]);
  await c.close();
  await server.close();
});

Deno.test("Connection records subscriptions the server refuses, per channel, in the status", async () => {
  const server = startScriptServer({
    open: (ws) => ws.send(welcome()),
    message: (ws, m) => {
      const channel = (m.data as Record<string, unknown>).channel;
      const refuse = (code: string) =>
        ws.send(frame("error", "subscribe", {}, { error_code: code, correlation_id: m.correlation_id }));
      if (channel === "insights") refuse("FORBIDDEN");
      else if (channel === "anomalies") refuse("RATE_LIMIT_EXCEEDED");
      else if (channel === "weird") refuse(`${HOSTILE}ODD`);
      else answerSubscribe(ws, m);
    },
  });
  const statuses: ConnectionStatus[] = [];
  const c = new Connection(server.url, {
    channels: ["global", "insights", "anomalies", "weird"],
    onStatus: (s) => statuses.push(s),
  });
  c.start();
  await waitFor(() => c.phase === "connected", "every subscribe answered");
  assert.deepEqual(c.status.refused, [
    { channel: "insights", code: "FORBIDDEN" },
    { channel: "anomalies", code: "RATE_LIMIT_EXCEEDED" },
    { channel: "weird", code: "ODD" },
  ]);
  assert.deepEqual([...c.subscribed], ["global"]);
  assert.equal(c.status.state, "connected");
  assert.deepEqual(statuses.at(-1)?.refused, c.status.refused, "onStatus saw the refusals");
  await c.close();
  await server.close();
});

Deno.test("Connection cleans a hostile close reason before it reaches the status", async () => {
  const server = startScriptServer({ open: (ws) => ws.close(1011, `${HOSTILE}boom`) });
  const c = new Connection(server.url, { backoff: { initialMs: 60_000 }, scheduler: new VirtualScheduler() });
  c.start();
  await waitFor(() => c.phase === "backing_off", "backing off");
  assert.equal(c.status.reason, "the server had an internal error (close 1011: boom)");
  await c.close();
  await server.close();
});

Deno.test("Connection gives an accurate reason for invalid UTF-8 and protocol errors", async (t) => {
  const cases: [string, Uint8Array, string][] = [
    ["invalid UTF-8", new Uint8Array([0x81, 2, 0xc3, 0x28]), "the server sent a text frame that is not valid UTF-8"],
    ["reserved opcode", new Uint8Array([0x83, 1, 0x41]), "the server broke the WebSocket protocol"],
  ];
  for (const [name, bytes, reason] of cases) {
    await t.step(name, async () => {
      const server = startRawServer(bytes);
      const c = new Connection(server.url, { backoff: { initialMs: 60_000 }, scheduler: new VirtualScheduler() });
      c.start();
      await waitFor(() => c.phase === "backing_off", "backing off");
      assert.ok(c.status.reason?.startsWith(reason), c.status.reason ?? "");
      assert.ok(!/code 0/.test(c.status.reason ?? ""));
      await c.close();
      await server.close();
    });
  }
});

Deno.test("Connection: a host outside the network permission is a config error, reported once", async () => {
  const host = "127.0.0.2:9";
  assert.notEqual(
    Deno.permissions.querySync({ name: "net", host }).state,
    "granted",
    "run the tests with --allow-net=127.0.0.1,localhost (deno task test)",
  );
  const clock = new VirtualScheduler();
  const statuses: ConnectionStatus[] = [];
  const c = new Connection(`ws://${host}`, { scheduler: clock, onStatus: (s) => statuses.push(s) });
  c.start();
  assert.equal(c.phase, "config_error");
  assert.equal(c.status.state, "config_error");
  assert.match(c.status.reason ?? "", /^not allowed to connect to 127\.0\.0\.2:9: .*--allow-net=127\.0\.0\.2\)/);
  await clock.advance(600_000);
  assert.deepEqual(statuses.map((s) => s.state), ["connecting", "config_error"]);
  assert.equal(c.counters.reconnects, 0);
  await c.close();
});

Deno.test("Connection refuses to send a token over plain ws:// to a remote host", async (t) => {
  assert.notEqual(Deno.permissions.querySync({ name: "net", host: "example.com" }).state, "granted");
  await t.step("refused by default, before any socket", () => {
    const c = new Connection("ws://example.com:8690", { token: "tok-S3CRET" });
    c.start();
    assert.equal(c.phase, "config_error");
    assert.match(c.status.reason ?? "", /refusing to send the token unencrypted over ws:\/\/ to example\.com:8690/);
    assert.ok(!(c.status.reason ?? "").includes("tok-S3CRET"));
  });
  await t.step("allowInsecureToken lets it try (here the network permission stops it)", () => {
    const c = new Connection("ws://example.com:8690", { token: "tok-S3CRET", allowInsecureToken: true });
    c.start();
    assert.equal(c.phase, "config_error");
    assert.match(c.status.reason ?? "", /^not allowed to connect to example\.com:8690/);
  });
  await t.step("no token, no objection", () => {
    const c = new Connection("ws://example.com:8690");
    c.start();
    assert.match(c.status.reason ?? "", /^not allowed to connect/);
  });
});

Deno.test("Connection reports a refused port with host, port and a hint", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const c = new Connection(`ws://127.0.0.1:${port}`, {
    backoff: { initialMs: 5000 },
    scheduler: new VirtualScheduler(),
  });
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

Deno.test("Connection fails a socket whose frame cannot fit maxFrameLength at 3 bytes a character", async () => {
  const server = startScriptServer({
    open: (ws) => {
      ws.send(JSON.stringify({ type: "event", event: "x", data: { s: "a".repeat(200) } })); // over 100, under 300
      ws.send("b".repeat(301));
    },
  });
  const problems: Problem[] = [];
  const c = new Connection(server.url, {
    maxFrameLength: 100,
    backoff: { initialMs: 60_000 },
    scheduler: new VirtualScheduler(),
    onProblem: (p) => problems.push(p),
  });
  c.start();
  await waitFor(() => c.phase === "backing_off", "backing off");
  assert.deepEqual(problems.map((p) => p.kind), ["too_large"], "the first is refused by the parser, the socket kept");
  assert.equal(c.counters.messages, 1);
  assert.match(c.status.reason ?? "", /^the server sent a message over the size limit \(Message too big: 301 bytes/);
  await c.close();
  await server.close();
});
