/**
 * State for the dashboard's Mahavishnu panel (workflows seen on `global`)
 * and Akosha panel (insights, patterns, anomalies), with their reducers:
 * `(state, event, now) -> state`, decoded events only, no I/O, updated in place.
 *
 * @module
 */

import type { DomainEvent } from "../protocol/events.ts";
import { describeEvent } from "./describe.ts";
import { errorText, type HistoryEntry, pushHistory, type WithHistory } from "./history.ts";
import { Ring } from "./ring.ts";

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
 * other than the welcome bumps the version and is returned; anything else
 * returns null (nothing to show).
 */
function eventToShow(state: WithHistory, event: DomainEvent, now: number): DomainEvent | null {
  if (event.kind === "error") {
    pushHistory(state.history, now, "error", "error", errorText(event));
    state.version++;
    return null;
  }
  if (event.kind === "response" || event.kind === "other" || event.kind === "session.created") return null;
  state.version++;
  return event;
}

/** Active workflows: those started and not yet finished. */
export function activeWorkflows(state: WorkflowsOverview): number {
  let n = 0;
  for (const w of state.workflows.values()) if (w.status === "running") n++;
  return n;
}

/** Applies a decoded `global` channel event. Never throws. */
export function reduceWorkflowsOverview(
  state: WorkflowsOverview,
  decoded: DomainEvent,
  now: number,
): WorkflowsOverview {
  const event = eventToShow(state, decoded, now);
  if (event === null) return state;
  const name = event.name;
  if (!name.startsWith("workflow.") || !("workflowId" in event)) {
    pushHistory(state.history, now, name, event.severity, describeEvent(event));
    return state;
  }
  const id = event.workflowId;
  if (id === null || event.kind === "unusable") {
    state.unusable++;
    pushHistory(state.history, now, name, "warning", describeEvent(event));
    return state;
  }
  let wf = state.workflows.get(id);
  if (!wf) {
    if (state.workflows.size >= MAX_TRACKED) {
      const oldest = state.workflows.keys().next().value;
      if (oldest !== undefined) state.workflows.delete(oldest);
    }
    wf = { status: "running", stages: 0, updatedAt: now };
    state.workflows.set(id, wf);
  }
  wf.updatedAt = now;
  switch (event.kind) {
    case "workflow.started":
      state.started++;
      wf.status = "running";
      wf.stages = 0;
      pushHistory(state.history, now, name, "info", `${id} started`);
      return state;
    case "workflow.stage_completed":
      state.stagesCompleted++;
      wf.stages++;
      pushHistory(state.history, now, name, "info", `${id} ${event.stageName} done`);
      return state;
    case "workflow.completed":
      state.completed++;
      wf.status = "completed";
      pushHistory(state.history, now, name, "info", `${id} completed`);
      return state;
    case "workflow.failed":
      state.failed++;
      wf.status = "failed";
      pushHistory(state.history, now, name, "error", `${id} failed: ${event.error || "unknown error"}`);
      return state;
    default:
      pushHistory(state.history, now, name, event.severity, describeEvent(event));
      return state;
  }
}

function countType(state: AkoshaOverview, type: string | null): void {
  if (type === null) return;
  if (!state.byType.has(type) && state.byType.size >= 50) return;
  state.byType.set(type, (state.byType.get(type) ?? 0) + 1);
}

/** Applies a decoded Akosha event. Never throws. */
export function reduceAkoshaOverview(state: AkoshaOverview, decoded: DomainEvent, now: number): AkoshaOverview {
  const event = eventToShow(state, decoded, now);
  if (event === null) return state;
  const name = event.name;
  switch (event.kind) {
    case "insight": {
      state.insights++;
      countType(state, event.insightType);
      const title = event.title ?? event.description ?? event.insightId ?? "insight";
      pushHistory(state.history, now, name, "info", `${event.insightType ?? "?"}: ${title}`);
      return state;
    }
    case "pattern": {
      state.patterns++;
      countType(state, event.patternType);
      const text = event.description ?? event.patternId ?? "pattern";
      const conf = event.confidence !== null ? ` (${Math.round(event.confidence * 100)}%)` : "";
      pushHistory(state.history, now, name, "info", `${event.patternType ?? "?"}: ${text}${conf}`);
      return state;
    }
    case "anomaly":
      state.anomalies++;
      pushHistory(state.history, now, name, "warning", event.details);
      return state;
    case "aggregation":
      state.aggregations++;
      pushHistory(state.history, now, name, "info", event.details);
      return state;
    case "unusable":
      state.unusable++;
      pushHistory(state.history, now, name, "warning", describeEvent(event));
      return state;
    default:
      pushHistory(state.history, now, name, event.severity, describeEvent(event));
      return state;
  }
}
