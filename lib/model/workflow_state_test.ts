import assert from "node:assert/strict";
import { decoded } from "../protocol/_test_envelope.ts";
import type { DomainEvent } from "../protocol/events.ts";
import {
  createWorkflowState,
  reduceWorkflow,
  workflowExitCode,
  workflowProgress,
  type WorkflowState,
} from "./workflow_state.ts";

const T = Date.UTC(2026, 1, 10, 12, 0, 0);
const at = (s: number) => new Date(T + s * 1000).toISOString();

function apply(...messages: DomainEvent[]): WorkflowState {
  let s = createWorkflowState("wf");
  messages.forEach((m, i) => s = reduceWorkflow(s, m, T + 100_000 + i));
  return s;
}
const started = decoded("workflow.started", { workflow_id: "wf", timestamp: at(0), stages: ["a", "b", "c"] });
const stage = (name: string, s: number, extra: Record<string, unknown> = {}) =>
  decoded("workflow.stage_completed", {
    workflow_id: "wf",
    stage_name: name,
    timestamp: at(s),
    result: { ok: true },
    ...extra,
  });

Deno.test("reduceWorkflow() follows a workflow stage by stage", () => {
  const s = apply(started, stage("a", 2), stage("b", 5));
  assert.equal(s.status, "running");
  assert.deepEqual(s.stages.map((x) => [x.name, x.durationMs]), [["a", 2000], ["b", 3000]]);
  assert.equal(s.currentStage, "c");
  assert.deepEqual(workflowProgress(s, T + 6000), { done: 2, total: 3, elapsedMs: 6000, leftMs: 2500 });
  assert.equal(workflowExitCode(s), null);
  const done = reduceWorkflow(
    s,
    decoded("workflow.completed", { workflow_id: "wf", result: { files: 3 }, timestamp: at(9) }),
    0,
  );
  assert.deepEqual([done.status, done.result, done.finishes, workflowExitCode(done)], ["completed", "files=3", 1, 0]);
});

Deno.test("reduceWorkflow() edge cases", async (t) => {
  await t.step("stages out of order or repeated", () => {
    const s = apply(started, stage("c", 3), stage("a", 4), stage("a", 5));
    assert.deepEqual(s.stages.map((x) => x.name), ["c", "a"]);
    assert.equal(s.currentStage, "b");
  });
  await t.step("completion without any stage events", () => {
    const s = apply(started, decoded("workflow.completed", { workflow_id: "wf" }));
    assert.equal(s.status, "completed");
    assert.deepEqual(workflowProgress(s, T).done, 0);
    assert.equal(workflowExitCode(s), 0);
  });
  await t.step("failure mid-way", () => {
    const s = apply(started, stage("a", 1), decoded("workflow.failed", { workflow_id: "wf", error: "boom\x1b[2J" }));
    assert.deepEqual([s.status, s.error, workflowExitCode(s)], ["failed", "boom", 1]);
    assert.equal(s.history.fromNewest(0)?.severity, "error");
  });
  await t.step("unknown total", () => {
    const s = apply(decoded("workflow.started", { workflow_id: "wf", timestamp: at(0) }), stage("x", 1));
    assert.deepEqual(workflowProgress(s, T + 2000), { done: 1, total: null, elapsedMs: 2000, leftMs: null });
  });
  await t.step("missing and garbled timestamps fall back to receive time", () => {
    const s = apply(
      decoded("workflow.started", { workflow_id: "wf", timestamp: "soon" }),
      decoded("workflow.stage_completed", { workflow_id: "wf", stage_name: "a", timestamp: 12 }),
    );
    assert.equal(s.startedAt, T + 100_000);
    assert.deepEqual(s.stages.map((x) => [x.completedAt, x.durationMs]), [[T + 100_001, 1]]);
  });
  await t.step("other workflows are ignored; missing ids counted", () => {
    const s = apply(stage("a", 1, { workflow_id: "other" }), decoded("workflow.stage_completed", { stage_name: "a" }));
    assert.deepEqual([s.stages.length, s.unusable], [0, 1]);
  });
  await t.step("late join from a snapshot", () => {
    const s = apply(decoded("get_workflow_status", {
      workflow_id: "wf",
      status: "running",
      stages: ["a", "b", "c"],
      completed_stages: [{ stage_name: "a", completed_at: at(1), duration_ms: 1000 }],
      current_stage: "b",
      started_at: at(0),
    }, "response"));
    assert.deepEqual([s.status, s.stages.length, s.totalStages, s.currentStage, s.startedAt], [
      "running",
      1,
      3,
      "b",
      T,
    ]);
  });
  await t.step("a restart begins a new run", () => {
    const s = apply(started, stage("a", 1), decoded("workflow.failed", { workflow_id: "wf", error: "x" }), started);
    assert.deepEqual([s.status, s.stages.length, s.error], ["running", 0, null]);
  });
});

Deno.test("reduceWorkflow() counts a stage with a bad duration as unusable and shows no value", async (t) => {
  for (
    const extra of [{ duration_ms: -5000 }, { duration: -5 }, { result: { duration_ms: "0x10" } }, { duration: 1e308 }]
  ) {
    await t.step(JSON.stringify(extra), () => {
      const s = apply(started, stage("a", 2, extra));
      assert.deepEqual([s.unusable, s.stages.length], [1, 0]);
      const entry = s.history.fromNewest(0)!;
      assert.deepEqual([entry.event, entry.severity], ["workflow.stage_completed", "warning"]);
      assert.match(entry.text, /^unusable: (duration_ms|duration) is not a duration from 0 to \d+m?s$/);
    });
  }
  await t.step("an invalid stage total means total unknown", () => {
    for (const total of [-3, "0x10", 1e308]) {
      const s = apply(decoded("workflow.started", { workflow_id: "wf", total_stages: total }), stage("a", 1));
      assert.deepEqual([s.status, s.totalStages, s.unusable], ["running", null, 0]);
    }
  });
  await t.step("other workflows' bad payloads are not ours", () => {
    const s = apply(started, stage("a", 2, { workflow_id: "other", duration: -5 }));
    assert.equal(s.unusable, 0);
  });
});
