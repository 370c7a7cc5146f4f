import assert from "node:assert/strict";
import { workflowTimeline } from "./timeline.ts";
import { toRow } from "./record.ts";
import { received } from "./_test_rows.ts";

const T = 1_700_000_000_000;
function ev(event: string, data: Record<string, unknown>, at: number) {
  const r = received(event, { workflow_id: "wf_1", ...data }, { receivedAt: at });
  return toRow(r);
}

Deno.test("workflowTimeline() gives each stage its start, end and duration", () => {
  const runs = workflowTimeline("wf_1", [
    ev("workflow.stage_completed", { stage_name: "plan" }, T + 2000),
    ev("workflow.started", { stages: ["plan", "build", "test"] }, T),
    ev("workflow.stage_completed", { stage_name: "build" }, T + 5000),
    ev("workflow.stage_completed", { stage_name: "build" }, T + 5000), // the same event via a second room
  ]);
  assert.equal(runs.length, 1);
  assert.equal(runs[0].status, "running");
  assert.deepEqual(runs[0].stages, [
    { name: "plan", start: T, end: T + 2000, durationMs: 2000, status: "completed" },
    { name: "build", start: T + 2000, end: T + 5000, durationMs: 3000, status: "completed" },
    { name: "test", start: T + 5000, end: null, durationMs: null, status: "running" },
  ]);
});

Deno.test("workflowTimeline() marks the failing stage and splits runs of the same id", () => {
  const runs = workflowTimeline("wf_1", [
    ev("workflow.started", { stages: ["plan", "build"] }, T),
    ev("workflow.stage_completed", { stage_name: "plan" }, T + 1000),
    ev("workflow.failed", { error: "adapter timeout" }, T + 4000),
    ev("workflow.started", { stages: ["plan"] }, T + 10_000),
    ev("workflow.stage_completed", { stage_name: "plan" }, T + 10_500),
    ev("workflow.completed", {}, T + 10_600),
  ]);
  assert.equal(runs.length, 2);
  assert.equal(runs[0].status, "failed");
  assert.equal(runs[0].error, "adapter timeout");
  assert.deepEqual(runs[0].stages[1], {
    name: "build",
    start: T + 1000,
    end: T + 4000,
    durationMs: 3000,
    status: "failed",
  });
  assert.equal(runs[1].status, "completed");
  assert.equal(runs[1].endedAt, T + 10_600);
  assert.equal(runs[1].stages.length, 1);
});
