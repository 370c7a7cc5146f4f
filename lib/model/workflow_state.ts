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
import { HistoryRing } from "./history_ring.ts";
import { eventTime } from "./event_time.ts";
import { formatDuration, payloadTime } from "../protocol/timestamp.ts";

/** A completed stage. A repeated completion is a retry: counted once, every attempt's duration kept. */
export interface StageRecord {
  name: string;
  /** Completion time (ms) of the latest attempt: the event's plausible timestamp, else the receive time. */
  completedAt: number;
  /** How long the latest attempt took (ms), when known. */
  durationMs: number | null;
  /** Completions seen for this stage (1, or more after retries). */
  attempts: number;
  /** Durations of the attempts, oldest first (the last {@link MAX_ATTEMPTS_KEPT}). */
  durationsMs: (number | null)[];
  /** One-line result summary. */
  summary: string;
}

/** What the last `get_workflow_status` answer claimed. Never applied: the real server answers a placeholder. */
export interface WorkflowSnapshotClaim {
  status: string | null;
  stagesDone: number;
  totalStages: number | null;
  /** Receive time (ms). */
  at: number;
}

/** Everything the workflow view shows. */
export interface WorkflowState {
  workflowId: string;
  /** `pending` until a live event says otherwise; then `running`, `completed` or `failed`. */
  status: string;
  startedAt: number | null;
  finishedAt: number | null;
  /** Stage names in order (each once), when the start metadata gave them. */
  stageNames: string[] | null;
  /** Total stages as the server said (a valid count); see {@link workflowProgress} for when it is believed. */
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
  workerChanges: HistoryRing;
  history: HistoryRing;
  /** Messages about this workflow that could not be used. */
  unusable: number;
  /** Completions and failures seen (each rings the bell once; a repeat of the same outcome does not count). */
  finishes: number;
  /** True once a live `workflow.*` event for this workflow arrived. */
  liveSeen: boolean;
  /** The last status snapshot's claim (shown as such, never applied), or null. */
  snapshot: WorkflowSnapshotClaim | null;
  /** `CODE: message` when the server answered the status request with an error (it may not know the workflow). */
  snapshotRefused: string | null;
  /** Terminal-state contradictions seen (e.g. `completed` after `failed`); the first outcome is kept. */
  contradictions: number;
  /** The last contradiction, in words. */
  contradiction: string | null;
  /** Event times rejected as implausible (replaced by the receive time). */
  clockSkew: number;
  /** The monitor's start (ms): the `startedAt` option, else the first receive time seen. */
  origin: number | null;
  version: number;
}

/** Options for {@link createWorkflowState}. */
export interface WorkflowStateOptions {
  /** Events kept in history. Default 500. */
  historySize?: number;
  /**
   * When the monitor started (ms; during a replay: the recording's first receive time). Event times
   * more than a day before it count as clock skew. Default: the first `now` the reducer is given.
   */
  startedAt?: number;
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
    workerChanges: new HistoryRing(50),
    history: new HistoryRing(options.historySize ?? 500),
    unusable: 0,
    finishes: 0,
    liveSeen: false,
    snapshot: null,
    snapshotRefused: null,
    contradictions: 0,
    contradiction: null,
    clockSkew: 0,
    origin: options.startedAt ?? null,
    version: 0,
  };
}

/** Stages (and stage names) kept at most; a larger total is not believed ("total unknown"). */
export const MAX_STAGES = 1000;
/** Attempt durations kept per stage. */
export const MAX_ATTEMPTS_KEPT = 5;
/** Longest time-left estimate shown (ms): beyond it the estimate is "unknown". */
export const MAX_ESTIMATE_MS = 7 * 24 * 3600 * 1000;

function isTerminal(status: string): boolean {
  return status === "completed" || status === "failed";
}

/** Unique names in order, at most {@link MAX_STAGES}. */
function uniqueNames(names: string[] | null): string[] | null {
  if (!names) return null;
  return [...new Set(names)].slice(0, MAX_STAGES);
}

function nextStage(state: WorkflowState): string | null {
  if (state.status !== "running") return null;
  if (!state.stageNames) return null;
  const done = new Set(state.stages.map((s) => s.name));
  return state.stageNames.find((n) => !done.has(n)) ?? null;
}

/** The history text of a completed stage: `name done in 2.1s` and what `more` adds. */
const stageDoneText = (name: string, durationMs: number | null, more: string) =>
  `${name} done${durationMs !== null ? ` in ${formatDuration(durationMs)}` : ""}${more}`;

function record(state: WorkflowState, now: number, event: string, text: string, severity: Severity) {
  pushHistory(state.history, now, event, severity, text);
}

/** Records a completion; returns the stage's record (null when the stage table is full). */
function completeStage(
  state: WorkflowState,
  name: string,
  at: number,
  durationMs: number | null,
  summary: string,
): StageRecord | null {
  const existing = state.stages.find((s) => s.name === name);
  if (existing) {
    existing.attempts++;
    existing.completedAt = at;
    existing.durationMs = durationMs;
    existing.durationsMs.push(durationMs);
    if (existing.durationsMs.length > MAX_ATTEMPTS_KEPT) existing.durationsMs.shift();
    existing.summary = summary || existing.summary;
    return existing;
  }
  if (state.stages.length >= MAX_STAGES) return null;
  const stage = { name, completedAt: at, durationMs, attempts: 1, durationsMs: [durationMs], summary };
  state.stages.push(stage);
  return stage;
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

/** Notes what a status snapshot claims without applying it (see docs/PROTOCOL.md, "How the monitors read it"). */
function noteSnapshot(state: WorkflowState, snapshot: WorkflowSnapshot, now: number): void {
  state.snapshot = {
    status: snapshot.status?.toLowerCase() ?? null,
    stagesDone: snapshot.completedStages.length,
    totalStages: snapshot.totalStages,
    at: now,
  };
  const claim = `server snapshot: ${state.snapshot.status ?? "?"}` +
    (snapshot.totalStages !== null ? ` · ${snapshot.completedStages.length}/${snapshot.totalStages} stages` : "");
  record(state, now, "snapshot", `${claim} (not used: live events only)`, "info");
}

/** Applies one decoded event to the workflow state. Never throws. */
export function reduceWorkflow(state: WorkflowState, event: DomainEvent, now: number): WorkflowState {
  state.origin ??= now;
  switch (event.kind) {
    case "error":
      record(state, now, "error", errorText(event), "error");
      if (event.correlationId?.startsWith(WORKFLOW_SNAPSHOT_PREFIX)) state.snapshotRefused = errorText(event);
      state.version++;
      return state;
    case "response": {
      const answer = event.answer;
      if (
        answer.request === "get_workflow_status" &&
        (answer.workflow.workflowId ?? state.workflowId) === state.workflowId
      ) {
        noteSnapshot(state, answer.workflow, now);
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
  if (event.kind === "unusable") {
    state.unusable++;
    record(state, now, event.name, `unusable: ${event.reason}`, "warning");
    return state;
  }
  state.liveSeen = true;
  const time = eventTime(payloadTime(event), now, state.origin);
  if (time.skewed) state.clockSkew++;
  const at = time.at;
  switch (event.kind) {
    case "workflow.started": {
      const about = [event.adapter, event.prompt].filter((v) => v !== null);
      if (state.status === "running") {
        record(
          state,
          now,
          event.name,
          ["started again (already running; stages kept)", ...about].join(" · "),
          "warning",
        );
      } else {
        const again = isTerminal(state.status) ? `started again after ${state.status}: a new run` : "started";
        const severity = isTerminal(state.status) ? "warning" : "info";
        reset(state);
        state.status = "running";
        state.startedAt = at;
        record(state, now, event.name, [again, ...about].join(" · "), severity);
      }
      const names = uniqueNames(event.stageNames);
      if (names) state.stageNames = names;
      state.totalStages = event.totalStages ?? names?.length ?? state.totalStages;
      state.currentStage = nextStage(state);
      state.prompt = event.prompt;
      state.adapter = event.adapter;
      return state;
    }
    case "workflow.stage_completed": {
      if (state.status === "pending") state.status = "running";
      const previous = state.stages.length > 0 ? state.stages[state.stages.length - 1].completedAt : state.startedAt;
      const duration = event.durationMs ?? (previous !== null && at >= previous ? at - previous : null);
      const stage = completeStage(state, event.stageName, at, duration, event.result);
      state.currentStage = nextStage(state);
      const retry = stage && stage.attempts > 1 ? ` (attempt ${stage.attempts}, counted once)` : "";
      const late = isTerminal(state.status) ? ` (reported after the workflow ${state.status})` : "";
      // Formatted when read (a flood of stage events is mostly never shown).
      state.history.addLazy(
        now,
        event.name,
        late ? "warning" : "info",
        stageDoneText,
        event.stageName,
        duration,
        retry + late,
      );
      return state;
    }
    case "workflow.completed":
    case "workflow.failed": {
      const outcome = event.kind === "workflow.completed" ? "completed" : "failed";
      const said = event.kind === "workflow.completed" ? event.result || "completed" : event.error || "unknown error";
      if (state.status === outcome) {
        record(state, now, event.name, `${outcome} again (already ${outcome}): ${said}`, "info");
        return state;
      }
      if (isTerminal(state.status)) {
        state.contradictions++;
        state.contradiction = `the server later said ${outcome} (${said}); kept ${state.status}`;
        record(state, now, event.name, `contradiction: ${state.contradiction}`, "warning");
        return state;
      }
      state.status = outcome;
      state.finishedAt = at;
      state.finishes++;
      if (event.kind === "workflow.completed") {
        state.currentStage = null;
        state.result = event.result;
      } else state.error = said;
      record(state, now, event.name, said, outcome === "failed" ? "error" : "info");
      return state;
    }
    default:
      record(state, now, event.name, describeEvent(event), event.severity);
      return state;
  }
}

/** The id prefix of the monitor's `get_workflow_status` requests, so that an error answering one is recognised. */
export const WORKFLOW_SNAPSHOT_PREFIX = "workflow-snapshot-";

/**
 * Exit code once the workflow finished: 0 completed, 1 failed; 3 when the
 * server answered the status request with an error before any live event
 * (it does not know the workflow); null while it runs.
 */
export function workflowExitCode(state: WorkflowState): number | null {
  if (state.status === "completed") return 0;
  if (state.status === "failed") return 1;
  return state.snapshotRefused !== null && !state.liveSeen ? 3 : null;
}

/** Progress as the view shows it. */
export interface WorkflowProgress {
  /** Distinct stages completed. */
  done: number;
  /** The believed total, or null ("total unknown"). */
  total: number | null;
  /** Why a total the server sent is not believed, e.g. `server said 2, 3 seen`; null otherwise. */
  totalNote: string | null;
  /** Stages of the believed total never seen completed, once the workflow completed (else 0). */
  missing: number;
  elapsedMs: number | null;
  /** Estimated time left: only while running, with a believed total and a plausible estimate. */
  leftMs: number | null;
}

/**
 * Progress facts (rules in docs/PROTOCOL.md, "How the monitors read it"): a total of 0, above
 * {@link MAX_STAGES} or below the stages already seen is not believed; a stage counts once; the time left
 * is the mean stage time times the stages left, shown only when at most {@link MAX_ESTIMATE_MS}.
 */
export function workflowProgress(state: WorkflowState, now: number): WorkflowProgress {
  const done = state.stages.length;
  const claimed = state.totalStages;
  let total: number | null = null;
  let totalNote: string | null = null;
  if (claimed !== null) {
    if (claimed === 0) totalNote = "server said 0";
    else if (claimed > MAX_STAGES) totalNote = `server said ${claimed}`;
    else if (claimed < done) totalNote = `server said ${claimed}, ${done} seen`;
    else total = claimed;
  }
  const end = state.finishedAt ?? now;
  const elapsedMs = state.startedAt !== null ? Math.max(0, end - state.startedAt) : null;
  const durations = state.stages.map((s) => s.durationMs).filter((d): d is number => d !== null);
  const mean = durations.length > 0 ? durations.reduce((a, b) => a + b, 0) / durations.length : null;
  const estimate = state.status === "running" && total !== null && mean !== null ? (total - done) * mean : null;
  const leftMs = estimate !== null && estimate <= MAX_ESTIMATE_MS ? estimate : null;
  const missing = state.status === "completed" && total !== null ? total - done : 0;
  return { done, total, totalNote, missing, elapsedMs, leftMs };
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
    stages_total: workflowProgress(state, now).total ?? undefined,
    failed: state.status === "failed" ? 1 : 0,
  };
}
