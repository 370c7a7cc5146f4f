/**
 * The browser dashboard as a monitor: the terminal dashboard's monitor
 * (same sources, same reducers, same numbers) plus a bounded set of
 * per-workflow states, fed from the `global` channel, for `/workflow/ID`.
 * The runtime owns the state; {@link WebDashboard.model} lets the web
 * output read it.
 *
 * @module
 */

import { dashboardMonitor, type DashboardMonitorOptions } from "../app/dashboard_monitor_def.ts";
import type { Monitor } from "../app/monitor.ts";
import { createWorkflowState, reduceWorkflow, type WorkflowState } from "../model/workflow_state.ts";
import type { DomainEvent } from "../protocol/events.ts";
import type { DashboardState } from "../ui/dashboard_view.ts";

/** Everything the page and the metrics are made from. */
export interface WebModel extends DashboardState {
  /** Workflow id -> its state, the most recently started last; bounded. */
  workflowDetails: Map<string, WorkflowState>;
}

/** Options for {@link webDashboard}. */
export interface WebDashboardOptions extends DashboardMonitorOptions {
  /** Workflows followed in detail at most (oldest dropped). Default 200. */
  maxWorkflowDetails?: number;
}

/** The monitor and a reader of its state. */
export interface WebDashboard {
  monitor: Monitor<WebModel>;
  /** The state the runtime holds; throws before the run started. */
  model(): WebModel;
}

function workflowIdOf(event: DomainEvent): string | null {
  return "workflowId" in event ? event.workflowId : null;
}

/** Applies a Mahavishnu event to the per-workflow states; true when one changed. */
export function applyWorkflowDetails(model: WebModel, event: DomainEvent, now: number, max = 200): boolean {
  const id = workflowIdOf(event);
  if (id === null) return false;
  let state = model.workflowDetails.get(id);
  if (!state) {
    if (!event.kind.startsWith("workflow.")) return false;
    if (model.workflowDetails.size >= max) {
      const oldest = model.workflowDetails.keys().next().value;
      if (oldest !== undefined) model.workflowDetails.delete(oldest);
    }
    state = createWorkflowState(id, { historySize: 100 });
    model.workflowDetails.set(id, state);
  }
  const before = state.version;
  reduceWorkflow(state, event, now);
  return state.version !== before;
}

/** The web dashboard monitor for `options`. */
export function webDashboard(options: WebDashboardOptions): WebDashboard {
  const base = dashboardMonitor(options);
  const max = options.maxWorkflowDetails ?? 200;
  let current: WebModel | null = null;
  const monitor: Monitor<WebModel> = {
    ...base,
    init: (now) => current = { ...base.init(now), workflowDetails: new Map() },
    update: (state, input, now) => {
      const changed = base.update(state, input, now);
      const detail = input.service === "mahavishnu" && applyWorkflowDetails(state, input.event, now, max);
      return changed || detail;
    },
  };
  return {
    monitor,
    model: () => {
      if (!current) throw new Error("Cannot read the web model before the run started");
      return current;
    },
  };
}
