import assert from "node:assert/strict";
import { decoded } from "../protocol/_test_envelope.ts";
import {
  activeWorkflows,
  createAkoshaOverview,
  createWorkflowsOverview,
  MAX_ACTIVE_IDS,
  MAX_WORKFLOW_ROWS,
  reduceAkoshaOverview,
  reduceWorkflowsOverview,
  workflowRows,
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
  assert.equal(s.history.fromNewest(2)?.text, "b: boom");
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
  assert.equal(s.history.fromNewest(5)?.text, "cost: t1");
  assert.equal(s.history.fromNewest(0)?.text, "x=1");
  const titled = decoded("insight.generated", { insight_type: "cost", title: "Cost insight #3", description: "up 5%" });
  assert.equal(reduceAkoshaOverview(s, titled, 9).history.fromNewest(0)?.text, "Cost insight #3 · up 5%");
  const named = decoded("pattern.detected", { pattern_type: "load_spike", description: "load spike on 3 workers" });
  assert.equal(reduceAkoshaOverview(s, named, 10).history.fromNewest(0)?.text, "load spike on 3 workers");
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

Deno.test("reduceAkoshaOverview() counts anomalies by their own level and keeps type and description", () => {
  let s = createAkoshaOverview();
  const levels = ["low", "critical", "high", "critical", "medium", "HIGH", "severe", undefined];
  levels.forEach((severity, i) => {
    const payload = { anomaly_id: `a${i}`, anomaly_type: "latency_spike", severity, description: `p95 ${i}00ms` };
    s = reduceAkoshaOverview(s, decoded("anomaly.detected", payload), i);
  });
  assert.equal(s.anomalies, 8);
  assert.deepEqual(s.anomalyLevels, { critical: 2, high: 2, medium: 1, low: 1, unknown: 2 });
  const newest = s.history.newestFirst().map((e) => [e.severity, e.text]);
  assert.deepEqual(newest.slice(0, 4), [
    ["warning", "latency_spike: p95 700ms"],
    ["warning", "latency_spike: p95 600ms"],
    ["error", "high latency_spike: p95 500ms"],
    ["warning", "medium latency_spike: p95 400ms"],
  ]);
  assert.deepEqual(newest.at(-1), ["info", "low latency_spike: p95 000ms"]);
  assert.ok(!newest.some(([, t]) => t.includes("anomaly_id")), "no key=value dump");
});

Deno.test("reduceAkoshaOverview() keeps the newest aggregation and the watched pattern types", () => {
  let s = createAkoshaOverview(10, { channels: ["insights", "metrics"], patternTypes: ["code_pattern", "x\x1b[31my"] });
  assert.deepEqual(s.watchedPatternTypes, ["code_pattern", "xy"]);
  s = reduceAkoshaOverview(s, decoded("aggregation.completed", { aggregation_type: "hourly", record_count: 12 }), 5);
  s = reduceAkoshaOverview(s, decoded("aggregation.completed", { aggregation_type: "daily", record_count: 7 }), 9);
  assert.equal(s.aggregations, 2);
  assert.deepEqual(s.lastAggregation, { type: "daily", records: 7, at: 9 });
  assert.equal(s.history.fromNewest(0)?.text, "daily: 7 records");
});

Deno.test("reduceWorkflowsOverview() keeps exact counters with 100,000 running workflows, memory bounded", () => {
  const s = createWorkflowsOverview(100);
  for (let i = 0; i < 100_000; i++) {
    reduceWorkflowsOverview(s, decoded("workflow.started", { workflow_id: `wf_${i}`, stages: ["a", "b"] }), i);
  }
  assert.equal(activeWorkflows(s), 100_000);
  assert.equal(s.running.size + s.finished.size, MAX_WORKFLOW_ROWS);
  // Finish workflows whose rows were evicted long ago and some still shown: the counts stay exact.
  for (let i = 0; i < 1000; i++) {
    reduceWorkflowsOverview(s, decoded("workflow.completed", { workflow_id: `wf_${i}` }), 1);
  }
  for (let i = 99_000; i < 99_500; i++) {
    reduceWorkflowsOverview(s, decoded("workflow.failed", { workflow_id: `wf_${i}`, error: "x" }), 2);
  }
  assert.equal(activeWorkflows(s), 98_500);
  assert.deepEqual([s.started, s.completed, s.failed], [100_000, 1000, 500]);
  assert.equal(s.running.size + s.finished.size, MAX_WORKFLOW_ROWS);
  // What grows with the number of workflows is only the set of running ids (about 100 bytes each), itself bounded.
  assert.equal(s.activeIds.size, 98_500);
  assert.ok(s.activeIds.size <= MAX_ACTIVE_IDS);
  assert.equal(s.history.size, 100);
});

Deno.test("reduceWorkflowsOverview() drops finished rows before any running one", () => {
  const s = createWorkflowsOverview(10, { maxRows: 3 });
  const start = (id: string, t: number) =>
    reduceWorkflowsOverview(s, decoded("workflow.started", { workflow_id: id }), t);
  start("a", 1);
  start("b", 2);
  reduceWorkflowsOverview(s, decoded("workflow.completed", { workflow_id: "a" }), 3);
  start("c", 4);
  start("d", 5); // full: the finished "a" goes, not the older running "b"
  assert.deepEqual(workflowRows(s).map((r) => r.id), ["b", "c", "d"]);
  start("e", 6); // only running rows: the oldest running goes
  assert.deepEqual(workflowRows(s).map((r) => r.id), ["c", "d", "e"]);
  assert.equal(activeWorkflows(s), 4, "b is still counted as running");
  assert.equal(s.evicted, 2);
  reduceWorkflowsOverview(s, decoded("workflow.failed", { workflow_id: "b", error: "late" }), 7);
  assert.equal(activeWorkflows(s), 3);
  // Running rows first in start order, then finished ones newest first.
  assert.deepEqual(workflowRows(s).map((r) => [r.id, r.status]), [["d", "running"], ["e", "running"], [
    "b",
    "failed",
  ]]);
});

Deno.test("reduceWorkflowsOverview() counts a repeated stage once and follows the stage list", () => {
  const s = createWorkflowsOverview();
  reduceWorkflowsOverview(s, decoded("workflow.started", { workflow_id: "w", stages: ["plan", "build", "test"] }), 0);
  for (const stage of ["plan", "plan", "build"]) {
    reduceWorkflowsOverview(s, decoded("workflow.stage_completed", { workflow_id: "w", stage_name: stage }), 1);
  }
  const [row] = workflowRows(s);
  assert.deepEqual([row.done, row.total, row.stage, row.startedAt], [2, 3, "test", 0]);
  assert.equal(s.stagesCompleted, 3);
});

Deno.test("reduceWorkflowsOverview() beyond the id bound counts on and says the count is approximate", () => {
  const s = createWorkflowsOverview(10, { maxRows: 5, maxActiveIds: 100 });
  for (let i = 0; i < 150; i++) reduceWorkflowsOverview(s, decoded("workflow.started", { workflow_id: `w${i}` }), i);
  assert.deepEqual([s.activeIds.size, s.activeUntracked, activeWorkflows(s)], [100, 50, 150]);
});

Deno.test("reduceWorkflowsOverview() a finished workflow started again runs again", () => {
  const s = createWorkflowsOverview();
  reduceWorkflowsOverview(s, decoded("workflow.started", { workflow_id: "wf_123", stages: ["a"] }), 0);
  reduceWorkflowsOverview(s, decoded("workflow.stage_completed", { workflow_id: "wf_123", stage_name: "a" }), 1);
  reduceWorkflowsOverview(s, decoded("workflow.completed", { workflow_id: "wf_123" }), 2);
  assert.equal(activeWorkflows(s), 0);
  reduceWorkflowsOverview(s, decoded("workflow.started", { workflow_id: "wf_123", stages: ["a", "b"] }), 3);
  assert.equal(activeWorkflows(s), 1);
  assert.deepEqual(workflowRows(s).map((r) => [r.id, r.status, r.done, r.total, r.startedAt]), [
    ["wf_123", "running", 0, 2, 3],
  ]);
});

Deno.test("reduceAkoshaOverview() counts at most 50 insight and pattern types, the total stays exact", () => {
  const s = createAkoshaOverview();
  for (let i = 0; i < 10_000; i++) {
    reduceAkoshaOverview(s, decoded("insight.generated", { insight_type: `type_${i}`, title: "t" }), i);
  }
  assert.equal(s.byType.size, 50, "the type map is bounded");
  assert.equal(s.insights, 10_000);
});
