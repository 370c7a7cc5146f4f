/**
 * A workflow's stages from its stored events: start, end and duration of
 * each stage, one run per `workflow.started` (a workflow id may run again).
 *
 * @module
 */

import { asArray, asString } from "../protocol/_read.ts";
import type { EventRow } from "./record.ts";

/** One stage of a run. */
export interface TimelineStage {
  name: string;
  /** Start (ms): the previous stage's end, or the run's start. */
  start: number | null;
  end: number | null;
  durationMs: number | null;
  status: "completed" | "failed" | "running";
}

/** One run of a workflow. */
export interface WorkflowRun {
  workflowId: string;
  startedAt: number | null;
  endedAt: number | null;
  status: "running" | "completed" | "failed";
  error: string | null;
  stages: TimelineStage[];
}

function stageAt(plan: string[], index: number): string {
  return plan[index] ?? "?";
}

/** Builds the runs of one workflow from its rows (any order; sorted by time here). */
export function workflowTimeline(workflowId: string, rows: readonly EventRow[]): WorkflowRun[] {
  const at = (r: EventRow) => r.eventAt ?? r.receivedAt;
  const sorted = [...rows].filter((r) => r.workflowId === workflowId && r.type === "event")
    .sort((a, b) => at(a) - at(b));
  const runs: WorkflowRun[] = [];
  let run: WorkflowRun | null = null;
  let plan: string[] = [];
  let last: number | null = null;
  const current = (): WorkflowRun => {
    if (!run) {
      run = { workflowId, startedAt: null, endedAt: null, status: "running", error: null, stages: [] };
      runs.push(run);
    }
    return run;
  };
  // The same event broadcast to several rooms (`global` and `workflow:ID`) arrives once per room.
  const seen = new Set<string>();
  for (const row of sorted) {
    const data = JSON.parse(row.payload) as Record<string, unknown>;
    const t = at(row);
    const key = `${row.event}|${asString(data.stage_name) ?? ""}|${row.eventAt ?? row.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    switch (row.event) {
      case "workflow.started": {
        run = { workflowId, startedAt: t, endedAt: null, status: "running", error: null, stages: [] };
        runs.push(run);
        plan = (asArray(data.stages) ?? []).map((s) => asString(s) ?? "?");
        last = t;
        break;
      }
      case "workflow.stage_completed": {
        const r = current();
        const name = asString(data.stage_name) ?? stageAt(plan, r.stages.length);
        r.stages.push({ name, start: last, end: t, durationMs: last === null ? null : t - last, status: "completed" });
        last = t;
        break;
      }
      case "workflow.completed":
      case "workflow.failed": {
        const r = current();
        r.endedAt = t;
        if (row.event === "workflow.failed") {
          r.status = "failed";
          r.error = asString(data.error) ?? row.errorMessage ?? "failed";
          r.stages.push({
            name: stageAt(plan, r.stages.length),
            start: last,
            end: t,
            durationMs: last === null ? null : t - last,
            status: "failed",
          });
        } else {
          r.status = "completed";
        }
        run = null;
        break;
      }
    }
  }
  const open = runs[runs.length - 1];
  if (open && open.status === "running" && plan.length > open.stages.length) {
    open.stages.push({
      name: stageAt(plan, open.stages.length),
      start: last,
      end: null,
      durationMs: null,
      status: "running",
    });
  }
  return runs;
}
