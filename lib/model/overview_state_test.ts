import assert from "node:assert/strict";
import { decoded } from "../protocol/_test_envelope.ts";
import {
  activeWorkflows,
  createAkoshaOverview,
  createWorkflowsOverview,
  reduceAkoshaOverview,
  reduceWorkflowsOverview,
} from "./overview_state.ts";

Deno.test("reduceWorkflowsOverview() counts workflow lifecycles", () => {
  let s = createWorkflowsOverview();
  const msgs = [
    decoded("workflow.started", { workflow_id: "a" }),
    decoded("workflow.started", { workflow_id: "b" }),
    decoded("workflow.stage_completed", { workflow_id: "a", stage_name: "plan" }),
    decoded("workflow.completed", { workflow_id: "a" }),
    decoded("workflow.failed", { workflow_id: "b", error: "boom" }),
    decoded("workflow.started", { workflow_id: "c" }),
    decoded("workflow.started", {}),
  ];
  msgs.forEach((m, i) => s = reduceWorkflowsOverview(s, m, i));
  assert.deepEqual([s.started, s.completed, s.failed, s.stagesCompleted, activeWorkflows(s), s.unusable], [
    3,
    1,
    1,
    1,
    1,
    1,
  ]);
  assert.equal(s.history.fromNewest(2)?.text, "b failed: boom");
});

Deno.test("reduceAkoshaOverview() accepts old and new field names", () => {
  let s = createAkoshaOverview();
  const msgs = [
    decoded("insight.generated", { insight_type: "cost", title: "t1" }),
    decoded("insight.generated", { type: "cost", title: "t2" }),
    decoded("pattern.detected", { pattern_type: "temporal", description: "d", confidence: 0.9 }),
    decoded("pattern.detected", { pattern: "temporal" }),
    decoded("anomaly.detected", { metric: "q" }),
    decoded("something.else", { x: 1 }),
  ];
  msgs.forEach((m, i) => s = reduceAkoshaOverview(s, m, i));
  assert.deepEqual([s.insights, s.patterns, s.anomalies], [2, 2, 1]);
  assert.deepEqual([...s.byType], [["cost", 2], ["temporal", 2]]);
  assert.equal(s.history.fromNewest(3)?.text, "temporal: d (90%)");
  assert.equal(s.history.fromNewest(0)?.text, "x=1");
});

Deno.test("reduceAkoshaOverview() counts payloads with bad numbers as unusable", () => {
  let s = createAkoshaOverview();
  const msgs = [
    decoded("pattern.detected", { pattern_type: "temporal", confidence: 90 }),
    decoded("aggregation.completed", { record_count: -1 }),
    decoded("anomaly.detected", { anomaly_type: "spike", severity: "high" }),
  ];
  msgs.forEach((m, i) => s = reduceAkoshaOverview(s, m, i));
  assert.deepEqual([s.patterns, s.aggregations, s.anomalies, s.unusable], [0, 0, 1, 2]);
  assert.equal(s.history.fromNewest(2)?.text, "unusable: confidence is not a number from 0 to 1");
  assert.ok(!s.history.newestFirst().some((e) => e.text.includes("9000%")));
});
