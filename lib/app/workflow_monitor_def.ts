/**
 * The workflow monitor as a value: one source (`workflow:ID`, with a
 * `get_workflow_status` snapshot after every connect), the workflow
 * reducer and view, its alert fields, a bell on completion or failure and,
 * with `exitOnFinish`, exit code 0 on completion and 1 on failure.
 *
 * @module
 */

import { clearHistory, noteHistory } from "../model/history.ts";
import {
  createWorkflowState,
  reduceWorkflow,
  workflowAlertValues,
  workflowExitCode,
  type WorkflowState,
} from "../model/workflow_state.ts";
import { getWorkflowStatusRequest } from "../protocol/envelope.ts";
import { workflowView } from "../ui/workflow_view.ts";
import type { Monitor, SourceSettings } from "./monitor.ts";

/** Options for {@link workflowMonitor}. */
export interface WorkflowMonitorOptions extends SourceSettings {
  /** The server, `ws://HOST:PORT`. */
  url: string;
  /** Events kept in the history. Default 500. */
  historySize?: number;
  /** End the run when the workflow completes (0) or fails (1). Default false. */
  exitOnFinish?: boolean;
  /** No bell on completion or failure. Default false. */
  quiet?: boolean;
}

/** The workflow monitor's state: the workflow reducer's state in a holder the runtime keeps. */
export interface WorkflowMonitorState {
  workflow: WorkflowState;
}

/** The fields `--alert` rules may use on a workflow. */
export const WORKFLOW_ALERT_FIELDS: readonly string[] = Object.keys(workflowAlertValues(createWorkflowState(""), 0));

/** A monitor for the workflow `workflowId`. */
export function workflowMonitor(workflowId: string, options: WorkflowMonitorOptions): Monitor<WorkflowMonitorState> {
  return {
    sources: [{
      name: "workflow",
      url: options.url,
      channels: [`workflow:${workflowId}`],
      initialRequests: () => [getWorkflowStatusRequest(workflowId)],
      token: options.token,
      caCerts: options.caCerts,
      connection: options.connection,
    }],
    init: () => ({ workflow: createWorkflowState(workflowId, { historySize: options.historySize }) }),
    update: (s, input, now) => {
      const before = s.workflow.version;
      s.workflow = reduceWorkflow(s.workflow, input.message, now); // DECODE ADAPTER: the envelope, until decode.ts is in.
      return s.workflow.version !== before;
    },
    view: (s, ctx) => workflowView(s.workflow, ctx),
    alertValues: (s, now) => workflowAlertValues(s.workflow, now),
    history: (s) => [{ service: "workflow", entries: s.workflow.history.newestFirst() }],
    note: (s, entry) => void noteHistory(s.workflow, entry),
    clear: (s) => void clearHistory(s.workflow),
    finished: options.exitOnFinish ? (s) => workflowExitCode(s.workflow) : undefined,
    bells: options.quiet ? undefined : (s) => s.workflow.finishes,
  };
}
