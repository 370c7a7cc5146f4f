/**
 * Workflow monitor state and its reducer: `(state, event, now) -> state`.
 * Consumes decoded events only; no I/O, no clock reads; updates in place
 * and bumps `version` (see `pool_state.ts` for why).
 *
 * @module
 */

import type { DomainEvent, WorkflowSnapshot } from "../protocol/events.ts";
import type { Severity } from "../protocol/severity.ts";
import { describeEvent } from "./describe.ts";
import { errorText, type HistoryEntry, pushHistory } from "./history.ts";
import { Ring } from "./ring.ts";

/** A completed stage. */
export interface StageRecord {
  name: string;
  /** Completion time (ms): the event's zoned timestamp, else the receive time. */
  completedAt: number;
  /** How long it took (ms), when known. */
  durationMs: number | null;
  /** One-line result summary. */
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
  /** The prompt from `workflow.started`, when given. */
  prompt: string | null;
  /** The adapter from `workflow.started`, when given. */
  adapter: string | null;
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
    prompt: null,
    adapter: null,
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

/** Stages (and stage names) kept at most: a hostile server cannot grow memory. */
const MAX_STAGES = 1000;

function bounded(names: string[] | null): string[] | null {
  return names && names.length > MAX_STAGES ? names.slice(0, MAX_STAGES) : names;
}

function nextStage(state: WorkflowState): string | null {
  if (state.status !== "running") return null;
  if (!state.stageNames) return null;
  const done = new Set(state.stages.map((s) => s.name));
  return state.stageNames.find((n) => !done.has(n)) ?? null;
}

function record(state: WorkflowState, now: number, event: string, text: string, severity: Severity) {
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

function applySnapshot(state: WorkflowState, snapshot: WorkflowSnapshot, now: number): void {
  if (snapshot.status !== null) state.status = snapshot.status.toLowerCase();
  const names = bounded(snapshot.stageNames);
  if (names) state.stageNames = names;
  state.totalStages = snapshot.totalStages ?? names?.length ?? state.totalStages;
  if (snapshot.startedAt !== null) state.startedAt = snapshot.startedAt;
  for (const s of snapshot.completedStages) completeStage(state, s.name, s.completedAt ?? now, s.durationMs, s.result);
  state.currentStage = snapshot.currentStage ?? nextStage(state);
  if (state.status === "failed" && snapshot.error !== null) state.error = snapshot.error;
  if (state.status === "completed" && snapshot.result !== null) state.result = snapshot.result;
  if (state.status === "completed" || state.status === "failed") state.finishedAt ??= now;
  record(
    state,
    now,
    "snapshot",
    `status ${state.status} · ${state.stages.length}${state.totalStages ? `/${state.totalStages}` : ""} stages done`,
    "info",
  );
}

/** Applies one decoded event to the workflow state. Never throws. */
export function reduceWorkflow(state: WorkflowState, event: DomainEvent, now: number): WorkflowState {
  switch (event.kind) {
    case "error":
      record(state, now, "error", errorText(event), "error");
      state.version++;
      return state;
    case "response": {
      const answer = event.answer;
      if (
        answer.request === "get_workflow_status" &&
        (answer.workflow.workflowId ?? state.workflowId) === state.workflowId
      ) {
        applySnapshot(state, answer.workflow, now);
        state.version++;
      }
      return state;
    }
    case "worker.status": {
      if (event.workflowId !== null && event.workflowId !== state.workflowId) return state;
      const entry: HistoryEntry = {
        at: now,
        event: event.name,
        severity: event.severity,
        text: `${event.workerId} → ${event.status}`,
      };
      state.workerChanges.push(entry);
      state.history.push(entry);
      state.version++;
      return state;
    }
  }
  if (!event.name.startsWith("workflow.") || !("workflowId" in event)) return state;
  if (event.workflowId !== state.workflowId) {
    if (event.workflowId === null) {
      state.unusable++;
      record(
        state,
        now,
        event.name,
        `unusable: ${event.kind === "unusable" ? event.reason : "no workflow_id"}`,
        "warning",
      );
      state.version++;
    }
    return state;
  }
  state.version++;
  const at = event.time ?? now;
  switch (event.kind) {
    case "unusable":
      state.unusable++;
      record(state, now, event.name, `unusable: ${event.reason}`, "warning");
      return state;
    case "workflow.started": {
      if (state.status !== "pending") reset(state);
      state.status = "running";
      state.startedAt = at;
      const names = bounded(event.stageNames);
      if (names) state.stageNames = names;
      state.totalStages = event.totalStages ?? names?.length ?? state.totalStages;
      state.currentStage = nextStage(state);
      state.prompt = event.prompt;
      state.adapter = event.adapter;
      const about = [event.adapter, event.prompt].filter((v) => v !== null);
      record(state, now, event.name, [`started`, ...about].join(" · "), "info");
      return state;
    }
    case "workflow.stage_completed": {
      if (state.status === "pending") state.status = "running";
      const previous = state.stages.length > 0 ? state.stages[state.stages.length - 1].completedAt : state.startedAt;
      const duration = event.durationMs ?? (previous !== null && at >= previous ? at - previous : null);
      completeStage(state, event.stageName, at, duration, event.result);
      state.currentStage = nextStage(state);
      record(
        state,
        now,
        event.name,
        `${event.stageName} done${duration !== null ? ` in ${Math.round(duration)}ms` : ""}`,
        "info",
      );
      return state;
    }
    case "workflow.completed":
      state.status = "completed";
      state.finishedAt = at;
      state.currentStage = null;
      state.result = event.result;
      state.finishes++;
      record(state, now, event.name, state.result || "completed", "info");
      return state;
    case "workflow.failed":
      state.status = "failed";
      state.finishedAt = at;
      state.error = event.error || "unknown error";
      state.finishes++;
      record(state, now, event.name, state.error, "error");
      return state;
    default:
      record(state, now, event.name, describeEvent(event), event.severity);
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
