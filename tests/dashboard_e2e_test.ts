import assert from "node:assert/strict";
import { freePort, jsonLines, runScript, servicePortArgs, startDemoProcess } from "./_process.ts";
import { waitFor } from "./_script_server.ts";

Deno.test("multi_service_dashboard.ts: Akosha down then up, in one process", async () => {
  const mahavishnu = await startDemoProcess(["--port", "0", "--no-akosha", "--rate", "30"]);
  const akoshaPort = freePort();
  const dir = await Deno.makeTempDir();
  const dash = runScript("multi_service_dashboard.ts", [
    ...servicePortArgs(mahavishnu.port, akoshaPort),
    // The Akosha panel's own counters, seen through alert rules: they hold only once its data arrived.
    "--alert",
    "insights>0",
    "--alert",
    "patterns>0",
    "--export",
    `${dir}/history.jsonl`,
  ], ["--allow-net=127.0.0.1", "--allow-env=MAHAVISHNU_TOKEN", `--allow-read=${dir}`, `--allow-write=${dir}`]);
  const lines = () => jsonLines(dash.stdout());
  const messagesFrom = (service: string) =>
    lines().filter((l) =>
      l.service === service && l.kind === "message" && (l.message as { type: string }).type === "event"
    );
  const triggered = (rule: string) => lines().some((l) => l.kind === "alert" && l.rule === rule);
  await waitFor(() => messagesFrom("pool").length >= 5, "pool events", 15_000);
  await waitFor(() => messagesFrom("mahavishnu").length >= 1, "mahavishnu events", 15_000);
  await waitFor(() => lines().some((l) => l.service === "akosha" && l.state === "reconnecting"), "akosha unavailable");
  const reason = String(lines().find((l) => l.service === "akosha" && l.state === "reconnecting")?.reason);
  assert.match(reason, new RegExp(`127\\.0\\.0\\.1:${akoshaPort}`));
  assert.ok(!triggered("insights>0") && !triggered("patterns>0"), "no Akosha data before Akosha exists");

  const akosha = await startDemoProcess(["--no-mahavishnu", "--akosha-port", String(akoshaPort)]);
  // Counted by the Akosha panel's state (a pattern only reaches it through a patterns:TYPE room).
  await waitFor(() => triggered("insights>0") && triggered("patterns>0"), "akosha panel counting", 30_000);
  const before = messagesFrom("pool").length;
  await waitFor(() => messagesFrom("pool").length > before, "pool still updating");

  dash.kill("SIGINT");
  assert.equal((await dash.done).code, 0, dash.stderr());
  mahavishnu.kill();
  akosha.kill();
  await Promise.all([mahavishnu.done, akosha.done]);
  // The Akosha panel's history holds readable details, not key=value dumps.
  const history = jsonLines(await Deno.readTextFile(`${dir}/history.akosha.jsonl`));
  const insight = history.find((e) => e.event === "insight.generated");
  assert.ok(insight, JSON.stringify(history));
  assert.match(String(insight.text), /insight #\d+ · p95 task latency on pool_local (rose|fell) by \d+%/);
  assert.ok(!history.some((e) => /\b(insight_id|pattern_id|anomaly_id)=/.test(String(e.text))), "no key=value dump");
  await Deno.remove(dir, { recursive: true });
});
