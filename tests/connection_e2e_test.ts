import assert from "node:assert/strict";
import { Connection } from "../lib/transport/connection.ts";
import { VirtualScheduler } from "../lib/transport/scheduler.ts";
import type { Envelope } from "../lib/protocol/envelope.ts";
import { freePort, startDemoProcess } from "./_process.ts";
import { waitFor } from "./_script_server.ts";
import { advanceWhileRetrying } from "./_virtual_time.ts";

Deno.test("Connection against demo_server.ts: subscribe, events, server restart, clean shutdown", async () => {
  const port = freePort();
  const args = ["--port", String(port), "--no-akosha", "--rate", "40", "--seed", "7"];
  let server = await startDemoProcess(args);
  const events: Envelope[] = [];
  const clock = new VirtualScheduler();
  let attempts = 0;
  const c = new Connection(`ws://127.0.0.1:${port}`, {
    channels: ["pool:pool_local"],
    backoff: { initialMs: 100, maxMs: 500, jitter: 0 },
    scheduler: clock,
    onMessage: (m) => {
      if (m.type === "event" && m.room === "pool:pool_local") events.push(m);
    },
    onStatus: (s) => {
      if (s.state === "connecting") attempts++;
    },
  });
  c.start();
  await waitFor(() => events.length >= 5, "pool events", 10_000);
  assert.ok(events.every((e) => e.data.pool_id === "pool_local" || e.data.pool_id === undefined));
  assert.equal(attempts, 1);

  server.kill("SIGKILL");
  await server.done;
  await waitFor(() => c.phase === "backing_off", "the client to notice", 10_000);
  assert.equal(c.counters.reconnects, 1);
  // Two virtual seconds with the server down: attempts at +100, +300, +700, +1200 and +1700 ms.
  await advanceWhileRetrying(clock, c, 2000);
  assert.equal(attempts, 6);
  assert.equal(c.counters.reconnects, 6);
  const before = events.length;
  server = await startDemoProcess(args);
  await clock.advance(c.status.retryAt! - clock.now());
  await waitFor(() => c.status.state === "connected" && c.subscribed.has("pool:pool_local"), "resubscription", 15_000);
  await waitFor(() => events.length >= before + 5, "events flowing again", 10_000);
  assert.equal(attempts, 7, "back on the first attempt after the restart");
  assert.equal(c.counters.reconnects, 6, "no reconnect scheduled once connected");

  await c.close();
  assert.equal(c.status.state, "closed");
  server.kill("SIGTERM");
  const status = await server.done;
  assert.equal(status.code, 0, "demo server exits 0 on SIGTERM");
});

Deno.test("Connection against demo_server.ts --require-token-env: good and bad tokens", async () => {
  const server = await startDemoProcess(["--port", "0", "--no-akosha", "--require-token-env", "MAHAVISHNU_TOKEN"], {
    MAHAVISHNU_TOKEN: "s3cret",
  });
  const url = `ws://127.0.0.1:${server.port}`;
  const good = new Connection(url, { channels: ["global"], token: "s3cret" });
  good.start();
  await waitFor(() => good.subscribed.has("global"), "subscription with a good token");
  await good.close();

  const clock = new VirtualScheduler();
  let attempts = 0;
  const bad = new Connection(url, {
    channels: ["global"],
    token: "wrong",
    backoff: { initialMs: 10, maxMs: 250 },
    scheduler: clock,
    onStatus: (s) => {
      if (s.state === "connecting") attempts++;
    },
  });
  bad.start();
  await waitFor(() => bad.status.state === "auth_failed", "auth_failed");
  assert.match(bad.status.reason ?? "", /AUTH_FAILED/);
  for (let i = 0; i < 60; i++) await clock.advance(10_000);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(bad.status.state, "auth_failed", "stays stopped");
  assert.equal(attempts, 1, "one attempt in ten virtual minutes");
  assert.equal(bad.counters.reconnects, 0);
  await bad.close();

  const none = new Connection(url, { channels: ["global"], welcomeTimeoutMs: 100, backoff: { initialMs: 10 } });
  none.start();
  await waitFor(() => none.status.state === "auth_failed", "auth required");
  assert.match(none.status.reason ?? "", /requires a token/);
  await none.close();
  server.kill();
  await server.done;
});

Deno.test("Connection to a host outside --allow-net: one config_error status, never retried", async () => {
  // The monitors check permissions before connecting (tests/usage_e2e_test.ts); the connection itself
  // classifies a denial as a configuration error too. The test runner may reach 127.0.0.1 and localhost only.
  const states: string[] = [];
  const c = new Connection("ws://[::1]:1", { backoff: { initialMs: 50 }, onStatus: (s) => states.push(s.state) });
  c.start();
  await waitFor(() => c.status.state === "config_error", "a config_error status", 10_000);
  await new Promise((r) => setTimeout(r, 500)); // ten first retry delays
  await c.close();
  assert.deepEqual(states.slice(0, 2), ["connecting", "config_error"]);
  assert.equal(states.filter((s) => s === "connecting").length, 1, "never retried");
  assert.match(c.status.reason ?? "", /^not allowed to connect to \[::1\]:1: .*--allow-net=\[::1\]\); not retried$/);
});
