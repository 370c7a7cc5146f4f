/**
 * State for the dashboard's Mahavishnu panel (workflows seen on `global`)
 * and Akosha panel (insights, patterns, anomalies), with their reducers:
 * `(state, message, now) -> state`, no I/O, updated in place.
 *
 * @module
 */

import { asNumber, asObject, asString } from "../protocol/_read.ts";
import { errorText, type HistoryEntry, pushHistory, type WithHistory } from "./history.ts";
import { genericDetails } from "./pool_state.ts";
import type { Envelope } from "../protocol/envelope.ts";
import { Ring } from "./ring.ts";
import { sanitizeText } from "../protocol/sanitize.ts";
import { eventSeverity } from "./severity.ts";

/** Workflows seen on the `global` channel. */
export interface WorkflowsOverview {
  /** Workflow id -> last status, bounded (oldest dropped). */
  workflows: Map<string, { status: string; stages: number; updatedAt: number }>;
  started: number;
  completed: number;
  failed: number;
  stagesCompleted: number;
  history: Ring<HistoryEntry>;
  unusable: number;
  version: number;
}

/** Akosha insights and patterns. */
export interface AkoshaOverview {
  insights: number;
  patterns: number;
  anomalies: number;
  aggregations: number;
  /** Counts by insight or pattern type (bounded to 50 types). */
  byType: Map<string, number>;
  history: Ring<HistoryEntry>;
  unusable: number;
  version: number;
}

const MAX_TRACKED = 2000;

/** A fresh workflows overview. */
export function createWorkflowsOverview(historySize = 500): WorkflowsOverview {
  return {
    workflows: new Map(),
    started: 0,
    completed: 0,
    failed: 0,
    stagesCompleted: 0,
    history: new Ring(historySize),
    unusable: 0,
    version: 0,
  };
}

/** A fresh Akosha overview. */
export function createAkoshaOverview(historySize = 500): AkoshaOverview {
  return {
    insights: 0,
    patterns: 0,
    anomalies: 0,
    aggregations: 0,
    byType: new Map(),
    history: new Ring(historySize),
    unusable: 0,
    version: 0,
  };
}

/**
 * The common start of both reducers: an error goes to the history; an event
 * other than the welcome bumps the version and returns its name; anything
 * else returns null (nothing to show).
 */
function eventToShow(
  state: WithHistory,
  message: Envelope,
  now: number,
): string | null {
  if (message.type === "error") {
    pushHistory(state.history, now, "error", "error", errorText(message));
    state.version++;
    return null;
  }
  if (message.type !== "event" || !message.event || message.event === "session.created") return null;
  state.version++;
  return message.event;
}

/** Active workflows: those started and not yet finished. */
export function activeWorkflows(state: WorkflowsOverview): number {
  let n = 0;
  for (const w of state.workflows.values()) if (w.status === "running") n++;
  return n;
}

/** Applies a `global` channel message. Never throws. */
export function reduceWorkflowsOverview(state: WorkflowsOverview, message: Envelope, now: number): WorkflowsOverview {
  const event = eventToShow(state, message, now);
  if (event === null) return state;
  const data = message.data;
  if (!event.startsWith("workflow.")) {
    pushHistory(state.history, now, event, eventSeverity(event, data), genericDetails(data));
    return state;
  }
  const id = asString(data.workflow_id);
  if (!id) {
    state.unusable++;
    pushHistory(state.history, now, event, "warning", "unusable: no workflow_id");
    return state;
  }
  const safeId = sanitizeText(id, { maxLength: 60 });
  let wf = state.workflows.get(safeId);
  if (!wf) {
    if (state.workflows.size >= MAX_TRACKED) {
      const oldest = state.workflows.keys().next().value;
      if (oldest !== undefined) state.workflows.delete(oldest);
    }
    wf = { status: "running", stages: 0, updatedAt: now };
    state.workflows.set(safeId, wf);
  }
  wf.updatedAt = now;
  switch (event) {
    case "workflow.started":
      state.started++;
      wf.status = "running";
      wf.stages = 0;
      pushHistory(state.history, now, event, "info", `${safeId} started`);
      return state;
    case "workflow.stage_completed": {
      state.stagesCompleted++;
      wf.stages++;
      const stage = sanitizeText(asString(data.stage_name) ?? "?", { maxLength: 60 });
      pushHistory(state.history, now, event, "info", `${safeId} ${stage} done`);
      return state;
    }
    case "workflow.completed":
      state.completed++;
      wf.status = "completed";
      pushHistory(state.history, now, event, "info", `${safeId} completed`);
      return state;
    case "workflow.failed": {
      state.failed++;
      wf.status = "failed";
      const error = sanitizeText(asString(data.error) ?? "unknown error", { maxLength: 200 });
      pushHistory(state.history, now, event, "error", `${safeId} failed: ${error}`);
      return state;
    }
    default:
      pushHistory(state.history, now, event, eventSeverity(event, data), genericDetails(data));
      return state;
  }
}

function countType(state: AkoshaOverview, type: string | undefined): void {
  if (!type) return;
  const key = sanitizeText(type, { maxLength: 30 });
  if (!state.byType.has(key) && state.byType.size >= 50) return;
  state.byType.set(key, (state.byType.get(key) ?? 0) + 1);
}

/** Applies an Akosha message. Never throws. */
export function reduceAkoshaOverview(state: AkoshaOverview, message: Envelope, now: number): AkoshaOverview {
  const event = eventToShow(state, message, now);
  if (event === null) return state;
  const data = message.data;
  switch (event) {
    case "insight.generated": {
      state.insights++;
      const type = asString(data.insight_type) ?? asString(data.type);
      countType(state, type);
      const title = asString(data.title) ?? asString(data.description) ?? asString(data.insight_id) ?? "insight";
      pushHistory(
        state.history,
        now,
        event,
        "info",
        `${sanitizeText(type ?? "?", { maxLength: 20 })}: ${sanitizeText(title, { maxLength: 120 })}`,
      );
      return state;
    }
    case "pattern.detected": {
      state.patterns++;
      const type = asString(data.pattern_type) ?? asString(data.pattern);
      countType(state, type);
      const confidence = asNumber(data.confidence);
      const text = sanitizeText(asString(data.description) ?? asString(data.pattern_id) ?? "pattern", {
        maxLength: 120,
      });
      const conf = confidence !== undefined ? ` (${Math.round(confidence * 100)}%)` : "";
      pushHistory(state.history, now, event, "info", `${sanitizeText(type ?? "?", { maxLength: 20 })}: ${text}${conf}`);
      return state;
    }
    case "anomaly.detected":
      state.anomalies++;
      pushHistory(state.history, now, event, "warning", genericDetails(data));
      return state;
    case "aggregation.completed":
      state.aggregations++;
      pushHistory(state.history, now, event, "info", genericDetails(asObject(data) ?? {}));
      return state;
    default:
      pushHistory(state.history, now, event, eventSeverity(event, data), genericDetails(data));
      return state;
  }
}
