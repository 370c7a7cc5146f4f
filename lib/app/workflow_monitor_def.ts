/**
 * The workflow monitor as a value: one source (`workflow:ID`, with a
 * `get_workflow_status` snapshot after every connect), the workflow
 * reducer and view, its alert fields, a bell on completion or failure and,
 * with `exitOnFinish`, exit code 0 on completion and 1 on failure.
 *
 * @module
 */

import {
  createWorkflowState,
  reduceWorkflow,
  workflowAlertValues,
  workflowExitCode,
  type WorkflowState,
} from "../model/workflow_state.ts";
import { getWorkflowStatusRequest } from "../protocol/envelope.ts";
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
    bells: options.quiet ? undefined : (state) => state.finishes,
  });
}
