/**
 * State for the dashboard's Mahavishnu panel (workflows seen on `global`)
 * and Akosha panel (insights, patterns, anomalies), with their reducers:
 * `(state, event, now) -> state`, decoded events only, no I/O, updated in place.
 *
 * @module
 */

import type { AnomalySeverity, DomainEvent } from "../protocol/events.ts";
import type { Severity } from "../protocol/severity.ts";
import { formatDuration } from "../protocol/timestamp.ts";
import { sanitizeText } from "../protocol/sanitize.ts";
import { describeEvent } from "./describe.ts";
import { errorText, pushHistory, type WithHistory } from "./history.ts";
import { HistoryRing } from "./history_ring.ts";

/** One workflow as the dashboard lists it. */
export interface WorkflowRow {
  id: string;
  status: "running" | "completed" | "failed";
  /** Distinct stages seen completed (a repeated stage counts once). */
  done: number;
  /** Total stages, null when unknown. */
  total: number | null;
  /** Stage names in order, when `workflow.started` gave them. */
  stageNames: string[] | null;
  /** The running stage (first of `stageNames` not done), else the last one completed; null when unknown. */
  stage: string | null;
  /** Receive time of `workflow.started`; null when the start was not seen. */
  startedAt: number | null;
  /** Receive time of the completion or failure. */
  finishedAt: number | null;
  /** The failure text. */
  error: string | null;
  /** Names of the completed stages (bounded). */
  doneNames: Set<string>;
}

/** Workflows seen on the `global` channel. */
export interface WorkflowsOverview {
  /** Running workflows shown, in start order (bounded with `finished` by `maxRows`). */
  running: Map<string, WorkflowRow>;
  /** Finished workflows shown, oldest finish first: evicted before any running one. */
  finished: Map<string, WorkflowRow>;
  /** Ids of every workflow known to be running (exact up to `maxActiveIds`). */
  activeIds: Set<string>;
  /**
   * Starts beyond `maxActiveIds`, whose ids are not kept: their finish cannot be told from that of a
   * workflow started before the monitor, so the active count is then approximate (shown with `~`).
   */
  activeUntracked: number;
  /** Rows dropped so far (finished first, then the oldest running). */
  evicted: number;
  maxRows: number;
  maxActiveIds: number;
  started: number;
  completed: number;
  failed: number;
  stagesCompleted: number;
  history: HistoryRing;
  unusable: number;
  version: number;
}

/** Akosha insights, patterns, anomalies and aggregations. */
export interface AkoshaOverview {
  insights: number;
  patterns: number;
  anomalies: number;
  /** Anomalies by their own level; `unknown` when the payload gave none of the four. */
  anomalyLevels: Record<AnomalySeverity | "unknown", number>;
  aggregations: number;
  /** The newest `aggregation.completed`. */
  lastAggregation: { type: string | null; records: number | null; at: number } | null;
  /** Counts by insight or pattern type (bounded to 50 types). */
  byType: Map<string, number>;
  /** The Akosha channels subscribed to (`insights`, `anomalies`, `metrics`, …). */
  channels: string[];
  /** The pattern types watched: one `patterns:TYPE` subscription each. */
  watchedPatternTypes: string[];
  history: HistoryRing;
  unusable: number;
  version: number;
}

/** Workflow rows kept for display by default. */
export const MAX_WORKFLOW_ROWS = 2000;
/** Running workflow ids counted exactly (about 100 bytes each): beyond, the active count is "at least". */
export const MAX_ACTIVE_IDS = 250_000;
/** Stage names remembered per row. */
const MAX_ROW_STAGES = 200;

/** Options for {@link createWorkflowsOverview}. */
export interface WorkflowsOverviewOptions {
  /** Workflow rows kept for display. Default {@link MAX_WORKFLOW_ROWS}. */
  maxRows?: number;
  /** Running workflow ids counted exactly. Default {@link MAX_ACTIVE_IDS}. */
  maxActiveIds?: number;
}

/** A fresh workflows overview. */
export function createWorkflowsOverview(historySize = 500, options: WorkflowsOverviewOptions = {}): WorkflowsOverview {
  return {
    running: new Map(),
    finished: new Map(),
    activeIds: new Set(),
    activeUntracked: 0,
    evicted: 0,
    maxRows: options.maxRows ?? MAX_WORKFLOW_ROWS,
    maxActiveIds: options.maxActiveIds ?? MAX_ACTIVE_IDS,
    started: 0,
    completed: 0,
    failed: 0,
    stagesCompleted: 0,
    history: new HistoryRing(historySize),
    unusable: 0,
    version: 0,
  };
}

/** Options for {@link createAkoshaOverview}. */
export interface AkoshaOverviewOptions {
  /** The Akosha channels subscribed to. Default none listed. */
  channels?: string[];
  /** The pattern types watched. Default none listed. */
  patternTypes?: string[];
}

/** A name from the command line, as the screen may show it. */
function shown(name: string): string {
  return sanitizeText(name, { maxLength: 200 });
}

/** A fresh Akosha overview (channel and type names cleaned for the screen). */
export function createAkoshaOverview(historySize = 500, options: AkoshaOverviewOptions = {}): AkoshaOverview {
  return {
    insights: 0,
    patterns: 0,
    anomalies: 0,
    anomalyLevels: { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 },
    aggregations: 0,
    lastAggregation: null,
    byType: new Map(),
    channels: (options.channels ?? []).slice(0, 100).map(shown),
    watchedPatternTypes: (options.patternTypes ?? []).slice(0, 100).map(shown),
    history: new HistoryRing(historySize),
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

/** Active workflows: those known to be running (exact up to {@link MAX_ACTIVE_IDS}). */
export function activeWorkflows(state: WorkflowsOverview): number {
  return state.activeIds.size + state.activeUntracked;
}

/** Rows to show: running ones in start order, then finished ones newest first. */
export function workflowRows(state: WorkflowsOverview): WorkflowRow[] {
  return [...state.running.values(), ...[...state.finished.values()].reverse()];
}

function markActive(state: WorkflowsOverview, id: string): void {
  if (state.activeIds.has(id)) return;
  if (state.activeIds.size < state.maxActiveIds) state.activeIds.add(id);
  else state.activeUntracked++;
}

function markInactive(state: WorkflowsOverview, id: string): void {
  state.activeIds.delete(id);
}

/** The row for `id`, made (evicting a finished row first, else the oldest running) when missing. */
function rowFor(state: WorkflowsOverview, id: string): WorkflowRow {
  const row = state.running.get(id) ?? state.finished.get(id);
  if (row) return row;
  if (state.running.size + state.finished.size >= state.maxRows) {
    const from = state.finished.size > 0 ? state.finished : state.running;
    const oldest = from.keys().next().value;
    if (oldest !== undefined) {
      from.delete(oldest);
      state.evicted++;
    }
  }
  const fresh: WorkflowRow = {
    id,
    status: "running",
    done: 0,
    total: null,
    stageNames: null,
    stage: null,
    startedAt: null,
    finishedAt: null,
    error: null,
    doneNames: new Set(),
  };
  state.running.set(id, fresh);
  return fresh;
}

function nextStage(row: WorkflowRow): string | null {
  return row.stageNames?.find((n) => !row.doneNames.has(n)) ?? null;
}

function finish(state: WorkflowsOverview, row: WorkflowRow, status: "completed" | "failed", now: number): void {
  row.status = status;
  row.finishedAt = now;
  state.running.delete(row.id);
  state.finished.delete(row.id);
  state.finished.set(row.id, row);
  markInactive(state, row.id);
}

// History texts of frequent events, formatted when a row is read (HistoryRing.addLazy).
const stageText = (id: string, stage: string, ms: number | null) =>
  `${id} ${stage}${ms !== null ? ` (${formatDuration(ms)})` : ""}`;
const completedText = (id: string, ms: number | null) =>
  `${id} completed${ms !== null ? ` in ${formatDuration(ms)}` : ""}`;
const insightText = (title: string, type: string, description: string | null) => {
  const head = mentions(title, type) ? title : `${type}: ${title}`;
  return description !== null ? `${head} · ${description}` : head;
};
const patternText = (text: string, type: string, confidence: number | null) =>
  `${mentions(text, type) ? "" : `${type}: `}${text}${
    confidence !== null ? ` (${Math.round(confidence * 100)}%)` : ""
  }`;

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
  switch (event.kind) {
    case "workflow.started": {
      state.started++;
      state.finished.delete(id);
      const row = rowFor(state, id);
      Object.assign(row, { status: "running", done: 0, error: null, finishedAt: null, startedAt: now });
      row.doneNames = new Set();
      row.stageNames = event.stageNames ? event.stageNames.slice(0, MAX_ROW_STAGES) : null;
      row.total = event.totalStages ?? row.stageNames?.length ?? null;
      row.stage = nextStage(row);
      markActive(state, id);
      const about = [event.adapter, row.total !== null ? `${row.total} stages` : null, event.prompt];
      pushHistory(state.history, now, name, "info", [id, ...about.filter((v) => v !== null)].join(" · "));
      return state;
    }
    case "workflow.stage_completed": {
      state.stagesCompleted++;
      const row = rowFor(state, id);
      if (row.status === "running") markActive(state, id);
      if (!row.doneNames.has(event.stageName) && row.doneNames.size < MAX_ROW_STAGES) {
        row.doneNames.add(event.stageName);
        row.done++;
      }
      row.stage = nextStage(row) ?? event.stageName;
      state.history.addLazy(now, name, "info", stageText, id, event.stageName, event.durationMs);
      return state;
    }
    case "workflow.completed": {
      state.completed++;
      const row = rowFor(state, id);
      finish(state, row, "completed", now);
      const took = row.startedAt !== null ? Math.max(0, now - row.startedAt) : null;
      state.history.addLazy(now, name, "info", completedText, id, took, null);
      return state;
    }
    case "workflow.failed": {
      state.failed++;
      const row = rowFor(state, id);
      row.error = event.error || "unknown error";
      finish(state, row, "failed", now);
      pushHistory(state.history, now, name, "error", `${id}: ${row.error}`);
      return state;
    }
    default:
      pushHistory(state.history, now, name, event.severity, describeEvent(event));
      return state;
  }
}

/** How an anomaly of each level ranks in the history (and for `--severity`). */
const ANOMALY_HISTORY_SEVERITY: Record<AnomalySeverity | "unknown", Severity> = {
  critical: "error",
  high: "error",
  medium: "warning",
  low: "info",
  unknown: "warning",
};

/** True when `text` names `type` already (`load_spike` or `load spike`): then the type is not repeated. */
function mentions(text: string, type: string): boolean {
  const t = text.toLowerCase();
  const name = type.toLowerCase();
  return t.includes(name) || t.includes(name.replaceAll("_", " "));
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
      const title = event.title ?? event.insightId ?? "insight";
      state.history.addLazy(now, name, "info", insightText, title, event.insightType ?? "?", event.description);
      return state;
    }
    case "pattern": {
      state.patterns++;
      countType(state, event.patternType);
      const text = event.description ?? event.patternId ?? "pattern";
      state.history.addLazy(now, name, "info", patternText, text, event.patternType ?? "?", event.confidence);
      return state;
    }
    case "anomaly": {
      state.anomalies++;
      const level = event.anomalySeverity;
      state.anomalyLevels[level ?? "unknown"]++;
      const what = `${event.anomalyType ?? "anomaly"}: ${event.description ?? event.details}`;
      pushHistory(
        state.history,
        now,
        name,
        ANOMALY_HISTORY_SEVERITY[level ?? "unknown"],
        level ? `${level} ${what}` : what,
      );
      return state;
    }
    case "aggregation": {
      state.aggregations++;
      state.lastAggregation = { type: event.aggregationType, records: event.recordCount, at: now };
      const records = event.recordCount !== null ? `${event.recordCount} records` : "records ?";
      pushHistory(state.history, now, name, "info", `${event.aggregationType ?? "?"}: ${records}`);
      return state;
    }
    case "unusable":
      state.unusable++;
      pushHistory(state.history, now, name, "warning", describeEvent(event));
      return state;
    default:
      pushHistory(state.history, now, name, event.severity, describeEvent(event));
      return state;
  }
}
