import assert from "node:assert/strict";
import { ev } from "../protocol/_test_envelope.ts";
import { decodeMessage } from "../protocol/decode.ts";
import { webDashboard } from "./web_monitor.ts";

const urls = { mahavishnuUrl: "ws://127.0.0.1:1", poolUrl: "ws://127.0.0.1:1", akoshaUrl: "ws://127.0.0.1:2" };

Deno.test("webDashboard() has the dashboard's sources, with --subscribe channels on Mahavishnu", () => {
  const web = webDashboard({ ...urls, poolId: "p", extraChannels: ["adapters", "global", "worker:w1"] });
  assert.deepEqual(web.monitor.sources.map((s) => [s.name, s.channels]), [
    ["mahavishnu", ["global", "adapters", "worker:w1"]],
    ["pool", ["pool:p"]],
    ["akosha", ["insights"]],
  ]);
});

Deno.test("webDashboard() model() is the runtime's state, with per-workflow states", () => {
  const web = webDashboard({ ...urls, poolId: "p" });
  assert.throws(() => web.model(), /before the run started/);
  const state = web.monitor.init(0);
  assert.equal(web.model(), state);
  const input = (event: string, data: Record<string, unknown>) => ({
    service: "mahavishnu",
    event: decodeMessage(ev(event, data)),
  });
  assert.equal(
    web.monitor.update(state, input("workflow.started", { workflow_id: "wf1", stages: ["a", "b"] }), 1),
    true,
  );
  assert.equal(
    web.monitor.update(state, input("workflow.stage_completed", { workflow_id: "wf1", stage_name: "a" }), 2),
    true,
  );
  assert.equal(state.workflows.started, 1);
  assert.deepEqual(state.workflowDetails.get("wf1")?.stages.map((s) => s.name), ["a"]);
  assert.equal(state.workflowDetails.get("wf1")?.currentStage, "b");
  // The same events on the pool's connection do not create workflow states.
  web.monitor.update(
    state,
    { service: "pool", event: decodeMessage(ev("workflow.started", { workflow_id: "wf2" })) },
    3,
  );
  assert.equal(state.workflowDetails.has("wf2"), false);
});
