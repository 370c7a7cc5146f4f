import assert from "node:assert/strict";
import { jsonLines, runScript, startDemoProcess } from "./_process.ts";
import { waitFor } from "./_script_server.ts";

Deno.test("pool_monitor.ts piped: JSON lines, then a clean exit on SIGINT", async () => {
  const server = await startDemoProcess(["--port", "0", "--no-akosha", "--rate", "30", "--seed", "3"]);
  const monitor = runScript("pool_monitor.ts", ["pool_local", "--port", String(server.port)], [
    "--allow-net=127.0.0.1",
    "--allow-env=MAHAVISHNU_TOKEN",
  ]);
  await waitFor(
    () => jsonLines(monitor.stdout()).filter((l) => l.kind === "message").length >= 10,
    "10 JSON message lines",
    15_000,
  );
  const lines = jsonLines(monitor.stdout());
  assert.deepEqual(lines[0], { ...lines[0], service: "pool", kind: "status", state: "connecting" });
  assert.ok(lines.some((l) => l.kind === "status" && l.state === "connected"));
  const messages = lines.filter((l) => l.kind === "message").map((l) => l.message as Record<string, unknown>);
  assert.ok(messages.some((m) => m.type === "response" && m.event === "get_pool_status"), "snapshot after connect");
  assert.ok(messages.some((m) => m.type === "event" && m.room === "pool:pool_local"));
  assert.ok(!monitor.stdout().includes("\x1b["), "no screen control when piped");
  monitor.kill("SIGINT");
  const status = await monitor.done;
  assert.equal(status.code, 0, monitor.stderr());
  server.kill();
  await server.done;
});

Deno.test("pool_monitor.ts: a refused connection is explained, --help and bad options", async (t) => {
  await t.step("refused", async () => {
    const monitor = runScript("pool_monitor.ts", ["pool_local", "--port", "1"], ["--allow-net=127.0.0.1"]);
    await waitFor(() => monitor.stdout().includes("reconnecting"), "a reconnecting status", 10_000);
    const status = jsonLines(monitor.stdout()).find((l) => l.state === "reconnecting");
    assert.match(String(status?.reason), /cannot connect to 127\.0\.0\.1:1 .*check --host and --port/);
    monitor.kill("SIGTERM");
    assert.equal((await monitor.done).code, 0);
  });
  await t.step("--help", async () => {
    const run = runScript("pool_monitor.ts", ["--help"]);
    assert.equal((await run.done).code, 0);
    assert.match(run.stdout(), /Usage: pool_monitor\.ts \[options\] <pool_id>/);
    assert.match(run.stdout(), /--port <port>/);
  });
  await t.step("bad port", async () => {
    const run = runScript("pool_monitor.ts", ["p", "--port", "70000"]);
    assert.equal((await run.done).code, 2);
    assert.match(run.stderr(), /a port is a whole number from 1 to 65535: current value is 70000/);
  });
});
