import assert from "node:assert/strict";
import { TestClient } from "../lib/demo/_test_client.ts";
import { SIM_PATTERN_TYPES } from "../lib/demo/simulation.ts";
import { jsonLines, runScript, startDemoProcess } from "./_process.ts";
import { waitFor } from "./_script_server.ts";

const PERMS = ["--allow-net=127.0.0.1", "--allow-env=MAHAVISHNU_TOKEN"];
type Line = Record<string, unknown>;
type Message = { type: string; event: string | null; room: string | null; data: Record<string, unknown> };

/** The Akosha messages a dashboard printed so far. */
function akoshaMessages(stdout: string): Message[] {
  return jsonLines(stdout).filter((l: Line) => l.service === "akosha" && l.kind === "message").map((l) =>
    l.message as Message
  );
}

Deno.test("multi_service_dashboard.ts: patterns arrive through patterns:TYPE rooms only", async () => {
  const server = await startDemoProcess(["--port", "0", "--akosha-port", "0", "--rate", "5"]);
  const ports = ["--mahavishnu-port", String(server.port), "--pool-port", String(server.port)];
  const akosha = ["--akosha-port", String(server.akoshaPort)];
  // Default options, with an alert on the panel's pattern count to see what the dashboard counts.
  const current = runScript("multi_service_dashboard.ts", [...ports, ...akosha, "--alert", "patterns>=2"], PERMS);
  // What the dashboard used to do: a plain `patterns` subscription.
  const old = runScript(
    "multi_service_dashboard.ts",
    [...ports, ...akosha, "--akosha-channels", "insights,patterns", "--akosha-pattern-types", ""],
    PERMS,
  );
  const plain = await TestClient.open(`ws://127.0.0.1:${server.akoshaPort}`);
  const typed = await TestClient.open(`ws://127.0.0.1:${server.akoshaPort}`);
  try {
    const subscribed = (stdout: string) =>
      akoshaMessages(stdout).filter((m) => m.type === "response" && m.event === "subscribe").map((m) =>
        String(m.data.channel)
      );
    await waitFor(() => subscribed(old.stdout()).includes("patterns"), "the old subscription", 15_000);
    await waitFor(
      () => SIM_PATTERN_TYPES.every((t) => subscribed(current.stdout()).includes(`patterns:${t}`)),
      "a subscription per pattern type",
      15_000,
    );
    assert.ok(subscribed(current.stdout()).includes("patterns:code_pattern"));
    assert.ok(!subscribed(current.stdout()).includes("patterns"), "no plain `patterns` subscription by default");
    await plain.subscribe("patterns");
    for (const type of SIM_PATTERN_TYPES) await typed.subscribe(`patterns:${type}`);

    await typed.waitFor(() => typed.events("pattern.detected").length >= 2, "two patterns broadcast", 60_000);
    // Everything sent to the old dashboard before now has arrived once a later message has.
    const seen = akoshaMessages(old.stdout()).length;
    await waitFor(() => akoshaMessages(old.stdout()).length > seen, "a later message to the old dashboard", 20_000);
    assert.equal(plain.events("pattern.detected").length, 0, "a plain `patterns` subscriber receives no pattern");
    assert.equal(akoshaMessages(old.stdout()).filter((m) => m.event === "pattern.detected").length, 0);

    await waitFor(
      () => jsonLines(current.stdout()).some((l) => l.kind === "alert" && l.state === "triggered"),
      "the default dashboard counting two patterns",
      60_000,
    );
    const alert = jsonLines(current.stdout()).find((l) => l.kind === "alert");
    assert.deepEqual([alert?.rule, alert?.value], ["patterns>=2", 2]);
    const patterns = akoshaMessages(current.stdout()).filter((m) => m.event === "pattern.detected");
    assert.ok(patterns.length >= 2);
    for (const p of patterns) assert.equal(p.room, `patterns:${p.data.pattern_type ?? p.data.pattern}`);
  } finally {
    await Promise.all([plain.close(), typed.close()]);
    current.kill("SIGINT");
    old.kill("SIGINT");
    const [a, b] = await Promise.all([current.done, old.done]);
    server.kill();
    await server.done;
    assert.equal(a.code, 0, current.stderr());
    assert.equal(b.code, 0, old.stderr());
  }
});
