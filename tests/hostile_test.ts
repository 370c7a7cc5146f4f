// deno-lint-ignore-file no-control-regex
import assert from "node:assert/strict";
import { Connection } from "../lib/transport/connection.ts";
import { createPoolState, reducePool } from "../lib/model/pool_state.ts";
import { poolView } from "../lib/ui/pool_view.ts";
import { parseMessage } from "../lib/protocol/envelope.ts";
import { decodeMessage } from "../lib/protocol/decode.ts";
import { HOSTILE_TEXTS } from "../lib/protocol/_test_envelope.ts";
import { createStyle } from "../lib/ui/style.ts";
import { createWorkflowState, reduceWorkflow } from "../lib/model/workflow_state.ts";
import { workflowView } from "../lib/ui/workflow_view.ts";
import { jsonLines, runScript, startDemoProcess } from "./_process.ts";
import { answerSubscribe, frame, startScriptServer, waitFor, welcome } from "./_script_server.ts";
import { VirtualScheduler } from "../lib/transport/scheduler.ts";
import { advanceWhileRetrying } from "./_virtual_time.ts";

const PERMS = ["--allow-net=127.0.0.1", "--allow-env=MAHAVISHNU_TOKEN"];

Deno.test("hostile server: bad frames are counted, the monitor keeps running", async () => {
  const server = startScriptServer({
    open: (ws) => ws.send(welcome()),
    message: (ws, m) => {
      answerSubscribe(ws, m);
      if (m.event !== "subscribe") return;
      ws.send("{not json");
      ws.send("[1,2,3]");
      ws.send("42");
      ws.send(new Uint8Array([1, 2, 3]));
      ws.send(JSON.stringify({ type: 5, event: [], data: "x" }));
      ws.send(
        JSON.stringify({
          type: "event",
          event: "pool.status_changed",
          data: { pool_id: "pool_local", status: [1], worker_count: "many" },
        }),
      );
      ws.send(JSON.stringify({ type: "event", event: "worker.status_changed", data: "nope", room: 7 }));
      ws.send("[".repeat(100_000) + "]".repeat(100_000));
      ws.send(JSON.stringify({ type: "event", event: "x", data: { blob: "a".repeat(10 * 1024 * 1024) } }));
      ws.send(JSON.stringify({ type: "weird", event: "never.heard.of" }));
      for (let i = 0; i < 100_000; i++) {
        ws.send(
          frame("event", "worker.status_changed", { worker_id: `w${i % 50}`, status: "busy", pool_id: "pool_local" }),
        );
      }
      ws.send(frame("event", "pool.scaled", { pool_id: "pool_local", worker_count: 77 }));
    },
  });
  const monitor = runScript("pool_monitor.ts", ["pool_local", "--port", String(server.port)], PERMS);
  await waitFor(() => monitor.stdout().includes('"worker_count":77'), "the last event after the flood", 60_000);
  const lines = jsonLines(monitor.stdout());
  const malformed = lines.filter((l) => l.kind === "malformed").map((l) => (l.problem as { kind: string }).kind);
  assert.deepEqual(malformed, [
    "not_json",
    "not_object",
    "not_object",
    "binary",
    "bad_field",
    "not_object",
    "too_large",
  ]);
  assert.ok(lines.filter((l) => l.kind === "message").length >= 100_000, "the flood arrived");
  monitor.kill("SIGTERM");
  assert.equal((await monitor.done).code, 0, monitor.stderr());
  await server.close();
});

Deno.test("hostile text: no control sequence reaches the screen", () => {
  const nasty = HOSTILE_TEXTS;
  let pool = createPoolState("p");
  let wf = createWorkflowState("wf");
  nasty.forEach((text, i) => {
    const events = [
      frame("event", "worker.status_changed", { worker_id: `w${i}${text}`, status: text, pool_id: "p" }),
      frame("event", "task.assigned", { worker_id: `w${i}${text}`, task: { id: text } }),
      frame("event", `custom${text}`, { [text]: text }),
      frame("error", null, {}, { error_code: text, error_message: text }),
      frame("event", "workflow.started", { workflow_id: "wf", stages: [text] }),
      frame("event", "workflow.stage_completed", { workflow_id: "wf", stage_name: text, result: { [text]: text } }),
      frame("event", "workflow.failed", { workflow_id: "wf", error: text }),
    ];
    for (const e of events) {
      const r = parseMessage(e);
      assert.ok(r.ok);
      const event = decodeMessage(r.message);
      pool = reducePool(pool, event, i);
      wf = reduceWorkflow(wf, event, i);
    }
  });
  const status = { state: "connected" as const, url: "ws://x", attempt: 0, retryAt: null, reason: null, since: 0 };
  const ctx = {
    now: 100,
    columns: 200,
    rows: 100,
    style: createStyle(false),
    sources: [{ name: "x", status, messages: 0, malformed: 0, reconnects: 0 }],
    filter: "",
    scroll: 0,
    tableScroll: 0,
    startedAt: 0,
  };
  const screen = [...poolView(pool, ctx), ...workflowView(wf, ctx)].join("\n");
  const leak = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200b]/.exec(screen);
  assert.equal(
    leak,
    null,
    `control character leaked: ${
      JSON.stringify(screen.slice(Math.max(0, (leak?.index ?? 0) - 40), (leak?.index ?? 0) + 10))
    }`,
  );
  const kept = [...pool.history.newestFirst(), ...wf.history.newestFirst()].map((e) => e.text).join("\n");
  assert.ok(kept.includes("click") && kept.includes("bidieerht"), "the visible text is kept");
});

Deno.test("hostile server: accepts TCP but never answers the handshake (virtual time)", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) held.push(conn);
  })();
  const clock = new VirtualScheduler();
  const c = new Connection(`ws://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`, {
    handshakeTimeoutMs: 10_000,
    backoff: { initialMs: 500, jitter: 0 },
    scheduler: clock,
  });
  c.start();
  await waitFor(() => held.length === 1, "the TCP connection");
  await clock.advance(9_999);
  assert.equal(c.phase, "connecting", "the handshake still has time");
  await clock.advance(1);
  assert.equal(c.phase, "backing_off");
  assert.equal(c.status.reason, "the server accepted no WebSocket handshake in time (10000 ms)");
  await clock.advance(500);
  await waitFor(() => held.length === 2, "a second attempt after the backoff");
  await c.close();
  for (const conn of held) conn.close();
  listener.close();
  await accepting.catch(() => {});
});

Deno.test("hostile server: close codes 1013 and 1011 retry with backoff, 1008 stops (virtual time)", async (t) => {
  for (const code of [1013, 1011]) {
    await t.step(`close ${code}: an attempt at 0, 100, 300 and 700 ms of a virtual second`, async () => {
      const server = startScriptServer({ open: (ws) => ws.close(code, "go away") });
      const clock = new VirtualScheduler();
      const c = new Connection(server.url, {
        backoff: { initialMs: 100, multiplier: 2, jitter: 0 },
        scheduler: clock,
      });
      c.start();
      await advanceWhileRetrying(clock, c, 1000);
      await c.close();
      await server.close();
      assert.equal(server.connections, 4);
      assert.equal(c.counters.reconnects, 4);
    });
  }
  await t.step("close 1008: one attempt in a virtual hour", async () => {
    const server = startScriptServer({ open: (ws) => ws.close(1008, "go away") });
    const clock = new VirtualScheduler();
    const c = new Connection(server.url, { backoff: { initialMs: 100, jitter: 0 }, scheduler: clock });
    c.start();
    await waitFor(() => c.phase === "auth_failed", "auth_failed");
    await clock.advance(3_600_000);
    await new Promise((r) => setTimeout(r, 100));
    await c.close();
    await server.close();
    assert.equal(server.connections, 1, "no retry after 1008");
    assert.equal(c.counters.reconnects, 0);
  });
});

Deno.test("no reconnect storm against a refused port (virtual time)", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  let attempts = 0;
  const clock = new VirtualScheduler();
  const c = new Connection(`ws://127.0.0.1:${port}`, {
    backoff: { initialMs: 50, multiplier: 2, maxMs: 400, jitter: 0.2 },
    scheduler: clock,
    onStatus: (s) => {
      if (s.state === "connecting") attempts++;
    },
  });
  c.start();
  await advanceWhileRetrying(clock, c, 2000);
  await c.close();
  // Delays 50, 100, 200, 400, 400 ... ±20% in 2 s: 7 to 9 attempts, the first included.
  assert.ok(attempts >= 7 && attempts <= 9, `attempts: ${attempts}`);
});

Deno.test("the token is never printed", async () => {
  const tokenFile = await Deno.makeTempFile();
  await Deno.writeTextFile(tokenFile, "tok-s3cret-123\n");
  const server = await startDemoProcess(["--port", "0", "--no-akosha", "--require-token-file", tokenFile]);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMS, "pool_monitor.ts", "pool_local", "--port", String(server.port)],
    cwd: new URL("../", import.meta.url).pathname,
    env: { MAHAVISHNU_TOKEN: "tok-s3cret-123" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let out = "";
  const reading = (async () => {
    for await (const chunk of child.stdout) out += new TextDecoder().decode(chunk);
  })();
  await waitFor(() => out.includes('"event":"subscribe"'), "an authenticated subscription", 15_000);
  child.kill("SIGTERM");
  const [status, err] = await Promise.all([child.status, new Response(child.stderr).text(), reading]);
  assert.equal(status.code, 0);
  assert.ok(!out.includes("tok-s3cret-123") && !err.includes("tok-s3cret-123"), "token leaked");
  server.kill();
  await server.done;
  await Deno.remove(tokenFile);
});

Deno.test("the token is never printed, not even when the server echoes it in an auth failure", async () => {
  const token = "tok-ECHO-s3cret-777";
  const server = startScriptServer({
    message: (ws, m) => {
      if (m.event !== "auth") return;
      const echoed = String((m.data as Record<string, unknown>).token);
      ws.send(frame("error", "auth", {}, { error_code: "AUTH_FAILED", error_message: `bad token ${echoed}` }));
      ws.close(1008, `bad token ${echoed}`);
    },
  });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMS, "pool_monitor.ts", "pool_local", "--port", String(server.port)],
    cwd: new URL("../", import.meta.url).pathname,
    env: { MAHAVISHNU_TOKEN: token },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const kill = setTimeout(() => child.kill("SIGTERM"), 10_000);
  const [status, out, err] = await Promise.all([
    child.status,
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ]);
  clearTimeout(kill);
  await server.close();
  assert.match(out, /"state":"auth_failed"/);
  assert.match(out + err, /refused the token \(AUTH_FAILED: bad token \[token\]\)/);
  assert.ok(!out.includes(token) && !err.includes(token), `token leaked:\n${out}\n${err}`);
  assert.notEqual(status.code, 0, "an auth failure is not a success");
});

Deno.test("hostile server: a close reason cannot carry control sequences into a status", async () => {
  const server = startScriptServer({ open: (ws) => ws.close(1011, "\x1b]0;owned\x07\x1b[2Jboom\x9b31m") });
  const monitor = runScript("pool_monitor.ts", ["pool_local", "--port", String(server.port)], PERMS);
  await waitFor(() => monitor.stdout().includes('"state":"reconnecting"'), "a reconnecting status");
  monitor.kill("SIGTERM");
  assert.equal((await monitor.done).code, 0, monitor.stderr());
  await server.close();
  const reasons = jsonLines(monitor.stdout()).filter((l) => l.kind === "status" && l.reason).map((l) => l.reason);
  assert.ok(reasons.length > 0);
  for (const reason of reasons) {
    assert.equal(reason, "the server had an internal error (close 1011: boom)");
  }
});

Deno.test("hostile server: resets the connection during the handshake (virtual time)", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let accepted = 0;
  const accepting = (async () => {
    for await (const conn of listener) {
      accepted++;
      conn.close();
    }
  })();
  const clock = new VirtualScheduler();
  const c = new Connection(`ws://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`, {
    backoff: { initialMs: 100, jitter: 0 },
    scheduler: clock,
  });
  c.start();
  await waitFor(() => c.phase === "backing_off", "a reset to be reported");
  assert.match(
    c.status.reason ?? "",
    /^cannot connect to 127\.0\.0\.1:\d+: the server dropped the connection during the WebSocket handshake \(.+\)/,
  );
  assert.equal(accepted, 1);
  await clock.advance(100);
  await waitFor(() => accepted === 2, "a retry after the backoff");
  await c.close();
  listener.close();
  await accepting.catch(() => {});
});

Deno.test("hostile server: gone for 60 s, then back: bounded attempts, subscriptions restored (virtual time)", async () => {
  const handlers = { open: (ws: WebSocket) => ws.send(welcome()), message: answerSubscribe };
  let server = startScriptServer(handlers);
  const port = server.port;
  let attempts = 0;
  const clock = new VirtualScheduler();
  const c = new Connection(server.url, {
    channels: ["pool:p"],
    backoff: { initialMs: 500, multiplier: 2, maxMs: 10_000, jitter: 0.2 },
    scheduler: clock,
    onStatus: (s) => {
      if (s.state === "connecting") attempts++;
    },
  });
  c.start();
  await waitFor(() => c.subscribed.has("pool:p"), "the first subscription");
  await server.close();
  await waitFor(() => c.phase === "backing_off", "the client to notice");
  attempts = 0;
  await advanceWhileRetrying(clock, c, 60_000);
  // 0.5 + 1 + 2 + 4 + 8 s (±20%), then every ~10 s: 8 to 11 attempts in a minute, never a storm.
  assert.ok(attempts >= 8 && attempts <= 11, `attempts during the outage: ${attempts}`);
  assert.equal(c.counters.reconnects, attempts + 1);
  server = startScriptServer(handlers, port);
  await clock.advance(c.status.retryAt! - clock.now());
  await waitFor(() => c.status.state === "connected" && c.subscribed.has("pool:p"), "recovery");
  assert.equal(attempts, c.counters.reconnects, "recovered on the first attempt after the server came back");
  await c.close();
  await server.close();
});
