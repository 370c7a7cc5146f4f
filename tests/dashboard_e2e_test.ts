import assert from "node:assert/strict";
import { freePort, jsonLines, runScript, startDemoProcess } from "./_process.ts";
import { waitFor } from "./_script_server.ts";

Deno.test("multi_service_dashboard.ts: Akosha down then up, in one process", async () => {
  const mahavishnu = await startDemoProcess(["--port", "0", "--no-akosha", "--rate", "30"]);
  const akoshaPort = freePort();
  const dash = runScript("multi_service_dashboard.ts", [
    "--mahavishnu-port",
    String(mahavishnu.port),
    "--pool-port",
    String(mahavishnu.port),
    "--akosha-port",
    String(akoshaPort),
  ], ["--allow-net=127.0.0.1", "--allow-env=MAHAVISHNU_TOKEN"]);
  const lines = () => jsonLines(dash.stdout());
  const messagesFrom = (service: string) =>
    lines().filter((l) =>
      l.service === service && l.kind === "message" && (l.message as { type: string }).type === "event"
    );
  await waitFor(() => messagesFrom("pool").length >= 5, "pool events", 15_000);
  await waitFor(() => messagesFrom("mahavishnu").length >= 1, "mahavishnu events", 15_000);
  await waitFor(() => lines().some((l) => l.service === "akosha" && l.state === "reconnecting"), "akosha unavailable");
  const reason = String(lines().find((l) => l.service === "akosha" && l.state === "reconnecting")?.reason);
  assert.match(reason, new RegExp(`127\\.0\\.0\\.1:${akoshaPort}`));
  assert.equal(messagesFrom("akosha").length, 0);

  const akosha = await startDemoProcess(["--no-mahavishnu", "--akosha-port", String(akoshaPort)]);
  await waitFor(() => messagesFrom("akosha").length >= 2, "akosha panel recovering", 30_000);
  const before = messagesFrom("pool").length;
  await waitFor(() => messagesFrom("pool").length > before, "pool still updating");

  dash.kill("SIGINT");
  assert.equal((await dash.done).code, 0, dash.stderr());
  mahavishnu.kill();
  akosha.kill();
  await Promise.all([mahavishnu.done, akosha.done]);
});
