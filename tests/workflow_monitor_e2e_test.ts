import assert from "node:assert/strict";
import { jsonLines, runScript, startDemoProcess } from "./_process.ts";

const PERMS = ["--allow-net=127.0.0.1", "--allow-env=MAHAVISHNU_TOKEN"];

Deno.test("workflow_monitor.ts --exit-on-finish: 0 on completion, 1 on failure", async (t) => {
  for (
    const [scenario, code, last] of [["steady", 0, "workflow.completed"], ["failing", 1, "workflow.failed"]] as const
  ) {
    await t.step(scenario, async () => {
      const server = await startDemoProcess(["--port", "0", "--no-akosha", "--scenario", scenario, "--seed", "1"]);
      const monitor = runScript(
        "workflow_monitor.ts",
        ["wf_123", "--port", String(server.port), "--exit-on-finish"],
        PERMS,
      );
      const timer = setTimeout(() => monitor.kill("SIGKILL"), 40_000);
      const status = await monitor.done;
      clearTimeout(timer);
      assert.equal(status.code, code, monitor.stderr());
      const events = jsonLines(monitor.stdout())
        .filter((l) => l.kind === "message")
        .map((l) => (l.message as Record<string, unknown>).event);
      assert.ok(events.includes("workflow.stage_completed"), "stages seen");
      assert.equal(events.at(-1), last);
      server.kill();
      await server.done;
    });
  }
});
