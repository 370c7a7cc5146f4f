/**
 * Workflow monitor state and its reducer: `(state, message, now) -> state`.
 * No I/O, no clock reads; updates in place and bumps `version` (see
 * `pool_state.ts` for why).
 *
 * @module
 */

import { asArray, asNumber, asObject, asString } from "../protocol/_read.ts";
import { errorText, type HistoryEntry, pushHistory } from "./history.ts";
import { genericDetails } from "./pool_state.ts";
import type { Envelope } from "../protocol/envelope.ts";
import { Ring } from "./ring.ts";
import { sanitizeText } from "../protocol/sanitize.ts";
import { eventSeverity } from "./severity.ts";
import { parseTimestamp } from "../protocol/timestamp.ts";

/** A completed stage. */
export interface StageRecord {
  name: string;
  /** Completion time (ms): the event's zoned timestamp, else the receive time. */
  completedAt: number;
  /** How long it took (ms), when known. */
  durationMs: number | null;
  /** One-line result summary (sanitized). */
  summary: string;
}

/** Everything the workflow view shows. */
export interface WorkflowState {
  workflowId: string;
  /** `pending` until the server says otherwise; then `running`, `completed`, `failed` (or what it sent). */
  status: string;
  startedAt: number | null;
  finishedAt: number | null;
  /** Stage names in order, when the start metadata or snapshot gave them. */
  stageNames: string[] | null;
  /** Total stages, when known. */
  totalStages: number | null;
  /** Completed stages in completion order, one per name. */
  stages: StageRecord[];
  /** The running stage, when known. */
  currentStage: string | null;
  /** Final result summary (completed). */
  result: string | null;
  /** Error text (failed). */
  error: string | null;
  workerChanges: Ring<HistoryEntry>;
  history: Ring<HistoryEntry>;
  /** Messages about this workflow that could not be used. */
  unusable: number;
  /** Completions and failures seen (each rings the bell once). */
  finishes: number;
  version: number;
}

/** Options for {@link createWorkflowState}. */
export interface WorkflowStateOptions {
  /** Events kept in history. Default 500. */
  historySize?: number;
}

/** A fresh state for `workflowId`. */
export function createWorkflowState(workflowId: string, options: WorkflowStateOptions = {}): WorkflowState {
  return {
    workflowId,
    status: "pending",
    startedAt: null,
    finishedAt: null,
    stageNames: null,
    totalStages: null,
    stages: [],
    currentStage: null,
    result: null,
    error: null,
    workerChanges: new Ring(50),
    history: new Ring(options.historySize ?? 500),
    unusable: 0,
    finishes: 0,
    version: 0,
  };
}

const MAX_STAGES = 1000;

function timeOf(data: Record<string, unknown>, key: string, now: number): number {
  const t = parseTimestamp(data[key]);
  return t && t.zoned ? t.ms : now;
}

function stageNamesOf(data: Record<string, unknown>): string[] | null {
  const list = asArray(data.stages) ?? asArray(asObject(data.metadata)?.stages);
  if (!list) return null;
  const names = list.map((s) => asString(s) ?? asString(asObject(s)?.name) ?? asString(asObject(s)?.stage_name))
    .filter((s): s is string => s !== undefined)
    .slice(0, MAX_STAGES)
    .map((s) => sanitizeText(s, { maxLength: 80 }));
  return names.length > 0 ? names : null;
}

/** `key=value` summary of a free-form result. */
export function summarize(value: unknown, max = 120): string {
  const obj = asObject(value);
  if (obj) return genericDetails(obj, max);
  if (value === undefined || value === null) return "";
  return sanitizeText(typeof value === "string" ? value : JSON.stringify(value), { maxLength: max });
}

function nextStage(state: WorkflowState): string | null {
  if (state.status !== "running") return null;
  if (!state.stageNames) return null;
  const done = new Set(state.stages.map((s) => s.name));
  return state.stageNames.find((n) => !done.has(n)) ?? null;
}

function record(state: WorkflowState, now: number, event: string, text: string, severity = eventSeverity(event, {})) {
  pushHistory(state.history, now, event, severity, text);
}

function completeStage(state: WorkflowState, name: string, at: number, durationMs: number | null, summary: string) {
  const existing = state.stages.find((s) => s.name === name);
  if (existing) {
    existing.completedAt = at;
    existing.durationMs = durationMs ?? existing.durationMs;
    existing.summary = summary || existing.summary;
    return;
  }
  if (state.stages.length >= MAX_STAGES) return;
  state.stages.push({ name, completedAt: at, durationMs, summary });
}

function reset(state: WorkflowState): void {
  state.status = "pending";
  state.startedAt = null;
  state.finishedAt = null;
  state.stages = [];
  state.currentStage = null;
  state.result = null;
  state.error = null;
}

function applySnapshot(state: WorkflowState, data: Record<string, unknown>, now: number): void {
  const status = asString(data.status) ?? asString(asObject(data.status)?.state);
  if (status) state.status = sanitizeText(status, { maxLength: 30 }).toLowerCase();
  const names = stageNamesOf(data);
  if (names) state.stageNames = names;
  state.totalStages = asNumber(data.total_stages) ?? names?.length ?? state.totalStages;
  const started = parseTimestamp(data.started_at);
  if (started) state.startedAt = started.ms;
  for (const item of asArray(data.completed_stages) ?? []) {
    const s = asObject(item);
    const name = asString(s?.stage_name) ?? asString(s?.name) ?? asString(item);
    if (!name) continue;
    const at = s ? timeOf(s, "completed_at", now) : now;
    const duration = s ? asNumber(s.duration_ms) ?? null : null;
    completeStage(state, sanitizeText(name, { maxLength: 80 }), at, duration, s ? summarize(s.result) : "");
  }
  const current = asString(data.current_stage);
  state.currentStage = current ? sanitizeText(current, { maxLength: 80 }) : nextStage(state);
  const error = asString(data.error) ?? asString(asObject(data.error)?.message);
  if (state.status === "failed" && error) state.error = sanitizeText(error, { maxLength: 2000 });
  if (state.status === "completed" && data.result !== undefined) state.result = summarize(data.result, 400);
  if (state.status === "completed" || state.status === "failed") state.finishedAt ??= now;
  record(
    state,
    now,
    "snapshot",
    `status ${state.status} · ${state.stages.length}${state.totalStages ? `/${state.totalStages}` : ""} stages done`,
    "info",
  );
}

/** Applies one message to the workflow state. Never throws. */
export function reduceWorkflow(state: WorkflowState, message: Envelope, now: number): WorkflowState {
  const data = message.data;
  if (message.type === "error") {
    record(state, now, "error", errorText(message), "error");
    state.version++;
    return state;
  }
  if (message.type === "response") {
    if (
      message.event === "get_workflow_status" && (asString(data.workflow_id) ?? state.workflowId) === state.workflowId
    ) {
      applySnapshot(state, data, now);
      state.version++;
    }
    return state;
  }
  if (message.type !== "event" || !message.event) return state;
  const event = message.event;
  if (event === "worker.status_changed") {
    const wf = asString(data.workflow_id);
    if (wf !== undefined && wf !== state.workflowId) return state;
    const id = asString(data.worker_id);
    const status = asString(data.status);
    if (!id || !status) return state;
    const entry: HistoryEntry = {
      at: now,
      event,
      severity: eventSeverity(event, data),
      text: `${sanitizeText(id, { maxLength: 60 })} → ${sanitizeText(status, { maxLength: 20 })}`,
    };
    state.workerChanges.push(entry);
    state.history.push(entry);
    state.version++;
    return state;
  }
  if (!event.startsWith("workflow.")) return state;
  const id = asString(data.workflow_id);
  if (id !== state.workflowId) {
    if (id === undefined) {
      state.unusable++;
      record(state, now, event, "unusable: no workflow_id", "warning");
      state.version++;
    }
    return state;
  }
  state.version++;
  switch (event) {
    case "workflow.started": {
      if (state.status !== "pending") reset(state);
      state.status = "running";
      state.startedAt = timeOf(data, "timestamp", now);
      const names = stageNamesOf(data);
      if (names) state.stageNames = names;
      state.totalStages = asNumber(data.total_stages) ?? asNumber(asObject(data.metadata)?.total_stages) ??
        names?.length ?? state.totalStages;
      state.currentStage = nextStage(state);
      const about = [data.adapter, data.prompt].filter((v) => typeof v === "string").map((v) =>
        sanitizeText(v, { maxLength: 60 })
      );
      record(state, now, event, [`started`, ...about].join(" · "), "info");
      return state;
    }
    case "workflow.stage_completed": {
      const name = asString(data.stage_name) ?? asString(data.stage);
      if (!name) {
        state.unusable++;
        record(state, now, event, "unusable: no stage_name", "warning");
        return state;
      }
      if (state.status === "pending") state.status = "running";
      const at = timeOf(data, "timestamp", now);
      const result = asObject(data.result);
      const previous = state.stages.length > 0 ? state.stages[state.stages.length - 1].completedAt : state.startedAt;
      const duration = asNumber(result?.duration_ms) ?? asNumber(data.duration_ms) ??
        (asNumber(data.duration) !== undefined ? asNumber(data.duration)! * 1000 : undefined) ??
        (previous !== null && at >= previous ? at - previous : null);
      const safeName = sanitizeText(name, { maxLength: 80 });
      completeStage(state, safeName, at, duration, summarize(data.result));
      state.currentStage = nextStage(state);
      record(state, now, event, `${safeName} done${duration !== null ? ` in ${Math.round(duration)}ms` : ""}`, "info");
      return state;
    }
    case "workflow.completed": {
      state.status = "completed";
      state.finishedAt = timeOf(data, "timestamp", now);
      state.currentStage = null;
      state.result = summarize(data.result, 400);
      state.finishes++;
      record(state, now, event, state.result || "completed", "info");
      return state;
    }
    case "workflow.failed": {
      state.status = "failed";
      state.finishedAt = timeOf(data, "timestamp", now);
      const error = asString(data.error) ?? asString(asObject(data.error)?.message) ?? summarize(data.error);
      state.error = sanitizeText(error || "unknown error", { maxLength: 2000 });
      state.finishes++;
      record(state, now, event, state.error, "error");
      return state;
    }
    default:
      record(state, now, event, genericDetails(data), eventSeverity(event, data));
      return state;
  }
}

/** Exit code once the workflow finished: 0 completed, 1 failed; null while it runs. */
export function workflowExitCode(state: WorkflowState): number | null {
  return state.status === "completed" ? 0 : state.status === "failed" ? 1 : null;
}

/** Progress facts for the bar: done, total (null when unknown), mean stage ms, estimate left. */
export function workflowProgress(
  state: WorkflowState,
  now: number,
): { done: number; total: number | null; elapsedMs: number | null; leftMs: number | null } {
  const done = state.stages.length;
  const total = state.totalStages !== null ? Math.max(state.totalStages, done) : null;
  const end = state.finishedAt ?? now;
  const elapsedMs = state.startedAt !== null ? Math.max(0, end - state.startedAt) : null;
  const durations = state.stages.map((s) => s.durationMs).filter((d): d is number => d !== null);
  const mean = durations.length > 0 ? durations.reduce((a, b) => a + b, 0) / durations.length : null;
  const leftMs = state.status === "running" && total !== null && mean !== null
    ? Math.max(0, (total - done) * mean)
    : null;
  return { done, total, elapsedMs, leftMs };
}

/**
 * Fields for `--alert` rules: `stage_duration` (ms the current stage has run),
 * `elapsed` (ms), `stages_done`, `stages_total`, `failed` (1 when failed).
 */
export function workflowAlertValues(state: WorkflowState, now: number): Record<string, number | undefined> {
  const lastDone = state.stages.length > 0 ? state.stages[state.stages.length - 1].completedAt : state.startedAt;
  return {
    stage_duration: state.status === "running" && lastDone !== null ? Math.max(0, now - lastDone) : undefined,
    elapsed: workflowProgress(state, now).elapsedMs ?? undefined,
    stages_done: state.stages.length,
    stages_total: state.totalStages ?? undefined,
    failed: state.status === "failed" ? 1 : 0,
  };
}
