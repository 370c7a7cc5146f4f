/**
 * The workflow monitor as a value: one source (`workflow:ID`, with a
 * `get_workflow_status` snapshot after every connect), the workflow
 * reducer and view, its alert fields, a bell on completion or failure and,
 * with `exitOnFinish`, exit code 0 on completion and 1 on failure, and a
 * short final summary for the main screen.
 *
 * @module
 */

import {
  createWorkflowState,
  reduceWorkflow,
  workflowAlertValues,
  workflowExitCode,
  workflowProgress,
  type WorkflowState,
} from "../model/workflow_state.ts";
import { getWorkflowStatusRequest } from "../protocol/envelope.ts";
import { sanitizeText } from "../protocol/sanitize.ts";
import { formatDuration } from "../protocol/timestamp.ts";
import { workflowView } from "../ui/workflow_view.ts";
import type { Monitor } from "./monitor.ts";
import { type Holder, singleSourceMonitor, type SingleSourceOptions } from "./_single_source_monitor.ts";

/** Options for {@link workflowMonitor}. */
export interface WorkflowMonitorOptions extends SingleSourceOptions {
  /** Events kept in the history. Default 500. */
  historySize?: number;
  /** End the run when the workflow completes (0) or fails (1). Default false. */
  exitOnFinish?: boolean;
  /** No bell on completion or failure. Default false. */
  quiet?: boolean;
  /** Also follow this pool's worker changes (`pool:ID`, where real servers send them). */
  poolId?: string;
}

/** The fields `--alert` rules may use on a workflow. */
export const WORKFLOW_ALERT_FIELDS: readonly string[] = Object.keys(workflowAlertValues(createWorkflowState(""), 0));

/** A monitor for the workflow `workflowId`. */
export function workflowMonitor(workflowId: string, options: WorkflowMonitorOptions): Monitor<Holder<WorkflowState>> {
  return singleSourceMonitor({
    name: "workflow",
    channel: `workflow:${workflowId}`,
    alsoFollow: options.poolId ? [`pool:${options.poolId}`] : [],
    snapshot: () => getWorkflowStatusRequest(workflowId),
    options,
    create: () => createWorkflowState(workflowId, { historySize: options.historySize }),
    reduce: (state, input, now) => reduceWorkflow(state, input.event, now),
    view: workflowView,
    alertValues: workflowAlertValues,
    finished: options.exitOnFinish ? workflowExitCode : undefined,
    farewell: workflowFarewell,
    bells: options.quiet ? undefined : (state) => state.finishes,
  });
}

/**
 * The final summary printed on the main screen once the run ended by itself:
 * `workflow wf_1 COMPLETED: 3/3 stages in 12.5s`, then the result or the
 * error text. Plain text, every server string cleaned.
 */
export function workflowFarewell(state: WorkflowState, now: number): string[] {
  const { done, total, elapsedMs } = workflowProgress(state, now);
  const stages = `${done}${total !== null ? `/${total}` : ""} stage${(total ?? done) === 1 ? "" : "s"}`;
  const duration = elapsedMs !== null ? ` in ${formatDuration(elapsedMs)}` : "";
  const lines = [`workflow ${clean(state.workflowId)} ${clean(state.status).toUpperCase()}: ${stages}${duration}`];
  if (state.error) lines.push(`  error: ${clean(state.error)}`);
  else if (state.result) lines.push(`  result: ${clean(state.result)}`);
  return lines;
}

function clean(text: string): string {
  return sanitizeText(text).slice(0, 300);
}
