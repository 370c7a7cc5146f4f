/**
 * The states the browser view and `/metrics` read: the dashboard's three
 * reducers (the same ones the terminal dashboard uses) plus a bounded set of
 * per-workflow states for `/workflow/ID`, fed from the `global` channel.
 *
 * @module
 */

import { asString } from "../protocol/_read.ts";
import type { Envelope } from "../protocol/envelope.ts";
import {
  type AkoshaOverview,
  createAkoshaOverview,
  createWorkflowsOverview,
  reduceAkoshaOverview,
  reduceWorkflowsOverview,
  type WorkflowsOverview,
} from "../model/overview_state.ts";
import { createPoolState, type PoolState, reducePool } from "../model/pool_state.ts";
import { createWorkflowState, reduceWorkflow, type WorkflowState } from "../model/workflow_state.ts";
import { sanitizeText } from "../protocol/sanitize.ts";

/** Everything the page and the metrics are made from. */
export interface WebModel {
  workflows: WorkflowsOverview;
  pool: PoolState;
  akosha: AkoshaOverview;
  /** Workflow id (sanitized) -> its state, the most recently started last; bounded. */
  workflowDetails: Map<string, WorkflowState>;
  /** Workflow states kept at most. */
  maxWorkflowDetails: number;
}

/** Options for {@link createWebModel}. */
export interface WebModelOptions {
  /** Events kept per history. Default 500. */
  historySize?: number;
  /** Workflows followed in detail at most (oldest dropped). Default 200. */
  maxWorkflowDetails?: number;
}

/** A fresh model for the pool `poolId`. */
export function createWebModel(poolId: string, options: WebModelOptions = {}): WebModel {
  const historySize = options.historySize ?? 500;
  return {
    workflows: createWorkflowsOverview(historySize),
    pool: createPoolState(poolId, { historySize }),
    akosha: createAkoshaOverview(historySize),
    workflowDetails: new Map(),
    maxWorkflowDetails: options.maxWorkflowDetails ?? 200,
  };
}

/** Applies one message from `service` (`mahavishnu`, `pool` or `akosha`) to the model. Never throws. */
export function applyWebModel(model: WebModel, service: string, message: Envelope, now: number): void {
  if (service === "pool") {
    reducePool(model.pool, message, now);
  } else if (service === "akosha") {
    reduceAkoshaOverview(model.akosha, message, now);
  } else if (service === "mahavishnu") {
    reduceWorkflowsOverview(model.workflows, message, now);
    const id = message.type === "event" ? asString(message.data.workflow_id) : undefined;
    if (id === undefined) return;
    const key = sanitizeText(id, { maxLength: 60 });
    let state = model.workflowDetails.get(key);
    if (!state) {
      if (model.workflowDetails.size >= model.maxWorkflowDetails) {
        const oldest = model.workflowDetails.keys().next().value;
        if (oldest !== undefined) model.workflowDetails.delete(oldest);
      }
      state = createWorkflowState(id, { historySize: 100 });
      model.workflowDetails.set(key, state);
    }
    reduceWorkflow(state, message, now);
  }
}

/** The sum of the reducers' versions: changes whenever something visible changed. */
export function webModelVersion(model: WebModel): number {
  return model.workflows.version + model.pool.version + model.akosha.version;
}
