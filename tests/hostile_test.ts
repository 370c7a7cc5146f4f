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

Deno.test("hostile server: accepts TCP but never answers the handshake", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) held.push(conn);
  })();
  const c = new Connection(`ws://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`, {
    handshakeTimeoutMs: 200,
    backoff: { initialMs: 50, jitter: 0 },
  });
  c.start();
  await waitFor(() => c.status.state === "reconnecting", "the handshake timeout", 5000);
  assert.match(c.status.reason ?? "", /accepted no WebSocket handshake in time/);
  await c.close();
  for (const conn of held) conn.close();
  listener.close();
  await accepting.catch(() => {});
});

Deno.test("hostile server: close codes 1013 and 1011 retry with backoff, 1008 stops", async (t) => {
  for (const [code, retries] of [[1013, true], [1011, true], [1008, false]] as const) {
    await t.step(`close ${code}`, async () => {
      const server = startScriptServer({ open: (ws) => ws.close(code, "go away") });
      const c = new Connection(server.url, { backoff: { initialMs: 100, multiplier: 2, jitter: 0 } });
      c.start();
      await new Promise((r) => setTimeout(r, 1000));
      await c.close();
      await server.close();
      if (retries) {
        // 100 + 200 + 400 ms of backoff fit in one second: about 4 attempts, never a storm.
        assert.ok(server.connections >= 3 && server.connections <= 5, `attempts: ${server.connections}`);
      } else {
        assert.equal(server.connections, 1, "no retry after 1008");
      }
    });
  }
});

Deno.test("no reconnect storm against a refused port", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  let attempts = 0;
  const c = new Connection(`ws://127.0.0.1:${port}`, {
    backoff: { initialMs: 50, multiplier: 2, maxMs: 400, jitter: 0.2 },
    onStatus: (s) => {
      if (s.state === "connecting") attempts++;
    },
  });
  c.start();
  await new Promise((r) => setTimeout(r, 2000));
  await c.close();
  // Delays ~50, 100, 200, 400, 400, 400 ... in 2 s: at most about 8 attempts.
  assert.ok(attempts >= 4 && attempts <= 9, `attempts: ${attempts}`);
});

Deno.test("the token is never printed", async () => {
  const server = await startDemoProcess(["--port", "0", "--no-akosha", "--require-token", "tok-s3cret-123"]);
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
});

Deno.test("hostile server: resets the connection during the handshake", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let accepted = 0;
  const accepting = (async () => {
    for await (const conn of listener) {
      accepted++;
      conn.close();
    }
  })();
  const c = new Connection(`ws://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`, {
    backoff: { initialMs: 100, jitter: 0 },
  });
  c.start();
  await waitFor(() => c.status.state === "reconnecting", "a reset to be reported");
  assert.match(c.status.reason ?? "", /cannot connect to 127\.0\.0\.1:\d+ \(.+\)/);
  await waitFor(() => accepted >= 2, "a retry after the backoff");
  await c.close();
  listener.close();
  await accepting.catch(() => {});
});

Deno.test("hostile server: gone for 60 s, then back: bounded attempts, subscriptions restored", async () => {
  const handlers = { open: (ws: WebSocket) => ws.send(welcome()), message: answerSubscribe };
  let server = startScriptServer(handlers);
  const port = server.port;
  let attempts = 0;
  const c = new Connection(server.url, {
    channels: ["pool:p"],
    backoff: { initialMs: 500, multiplier: 2, maxMs: 10_000, jitter: 0.2 },
    onStatus: (s) => {
      if (s.state === "connecting") attempts++;
    },
  });
  c.start();
  await waitFor(() => c.subscribed.has("pool:p"), "the first subscription");
  await server.close();
  attempts = 0;
  await new Promise((r) => setTimeout(r, 60_000));
  // 0.5 + 1 + 2 + 4 + 8 s, then every ~10 s: about 10 attempts in a minute, never a storm.
  assert.ok(attempts >= 6 && attempts <= 13, `attempts during the outage: ${attempts}`);
  server = startScriptServer(handlers, port);
  await waitFor(() => c.status.state === "connected" && c.subscribed.has("pool:p"), "recovery", 15_000);
  await c.close();
  await server.close();
});
