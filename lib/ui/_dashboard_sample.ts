/**
 * A dashboard state that shows every panel feature, for the view tests:
 * running, completed and failed workflows, a pool with events, Akosha
 * insights, patterns, anomalies of every level and an aggregation.
 *
 * @module
 */

import { decoded } from "../protocol/_test_envelope.ts";
import {
  createAkoshaOverview,
  createWorkflowsOverview,
  reduceAkoshaOverview,
  reduceWorkflowsOverview,
} from "../model/overview_state.ts";
import { createPoolState, reducePool } from "../model/pool_state.ts";
import type { DashboardState } from "./dashboard_view.ts";

/** 12:00:00 local time on 2026-11-28. */
export const T0 = new Date(2026, 10, 28, 12, 0, 0).getTime();

const STAGES = ["plan", "retrieve_context", "analyze", "generate", "review"];

/** The sample state; the clock of its newest event is `T0 + 30s`. */
export function sampleDashboard(): DashboardState {
  const workflows = createWorkflowsOverview();
  const wf = (t: number, event: string, data: Record<string, unknown>) =>
    reduceWorkflowsOverview(workflows, decoded(event, data), T0 + t * 1000);
  wf(0, "workflow.started", { workflow_id: "wf_123", stages: STAGES, adapter: "llamaindex", prompt: "Summarise" });
  wf(1, "workflow.started", { workflow_id: "wf_124", stages: STAGES, adapter: "llamaindex" });
  wf(2, "workflow.started", { workflow_id: "wf_125", stages: STAGES });
  wf(5, "workflow.stage_completed", { workflow_id: "wf_123", stage_name: "plan", result: { duration_ms: 5000 } });
  wf(7, "workflow.stage_completed", { workflow_id: "wf_124", stage_name: "plan" });
  wf(9, "workflow.stage_completed", { workflow_id: "wf_123", stage_name: "retrieve_context" });
  wf(12, "workflow.failed", {
    workflow_id: "wf_124",
    error: "stage 'retrieve_context' failed: adapter timeout after 30s",
  });
  wf(20, "workflow.stage_completed", { workflow_id: "wf_099", stage_name: "review" });
  wf(21, "workflow.completed", { workflow_id: "wf_099" });

  let pool = createPoolState("pool_local");
  const p = (t: number, event: string, data: Record<string, unknown>) =>
    pool = reducePool(pool, decoded(event, data), T0 + t * 1000);
  p(0, "pool.status_changed", { pool_id: "pool_local", status: "running", worker_count: 2, queue_size: 4 });
  p(1, "worker.added", { pool_id: "pool_local", worker_id: "pool_local_w1" });
  p(2, "worker.added", { pool_id: "pool_local", worker_id: "pool_local_w2" });
  p(3, "task.assigned", { pool_id: "pool_local", worker_id: "pool_local_w1", task_id: "task_1001" });
  p(4, "worker.status_changed", { pool_id: "pool_local", worker_id: "pool_local_w1", status: "busy" });
  p(8, "task.completed", { pool_id: "pool_local", worker_id: "pool_local_w1", task_id: "task_1001", duration: 3.25 });
  p(9, "pool.health_check", { pool_id: "pool_local", healthy: true, checked_workers: 2 });

  const akosha = createAkoshaOverview(500, {
    channels: ["insights", "anomalies", "metrics"],
    patternTypes: ["code_pattern", "temporal", "load_spike"],
  });
  const a = (t: number, event: string, data: Record<string, unknown>) =>
    reduceAkoshaOverview(akosha, decoded(event, data), T0 + t * 1000);
  a(1, "insight.generated", {
    insight_type: "performance",
    title: "Latency up",
    description: "p95 task latency on pool_local rose by 12%",
  });
  a(3, "pattern.detected", { pattern_type: "temporal", description: "retries every 15 minutes", confidence: 0.82 });
  const anomaly = (t: number, severity: string, type: string, description: string) =>
    a(t, "anomaly.detected", { anomaly_id: `anom_${t}`, anomaly_type: type, severity, description });
  anomaly(4, "low", "queue_growth", "queue 12 against a baseline of 5");
  anomaly(6, "medium", "latency_spike", "p95 840ms against 300ms");
  anomaly(8, "high", "error_rate", "9% errors against 1%");
  anomaly(10, "critical", "worker_flapping", "4 workers offline in 60s");
  a(12, "aggregation.completed", { aggregation_type: "hourly_rollup", record_count: 4057 });
  return { workflows, pool, akosha };
}
