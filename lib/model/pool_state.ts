/**
 * Pool monitor state and its reducer: `(state, message, now) -> state`.
 *
 * The reducer does no I/O and reads no clock (time comes in as `now`). For
 * O(1) ingest at high event rates it updates the state it is given in place
 * and returns it; `version` changes whenever anything visible changed.
 *
 * @module
 */

import { asArray, asNumber, asObject, asString } from "../protocol/_read.ts";
import type { Envelope } from "../protocol/envelope.ts";
import { errorText, type HistoryEntry, pushHistory } from "./history.ts";
import { Ring } from "./ring.ts";
import { sanitizeText } from "../protocol/sanitize.ts";
import { eventSeverity, type Severity } from "./severity.ts";
import type { Health } from "../ui/style.ts";

/** One worker as last seen. */
export interface WorkerInfo {
  id: string;
  status: string;
  task: string | null;
  /** When it entered its status (ms). */
  since: number;
  /** Tasks it completed while watched. */
  completed: number;
}

export type { HistoryEntry } from "./history.ts";

/** Everything the pool view shows. */
export interface PoolState {
  poolId: string;
  /** `unknown` until the server says. */
  status: string;
  workerCount: number | null;
  queueSize: number | null;
  /** The last few queue sizes, oldest first. */
  queueHistory: number[];
  closed: boolean;
  /** Receive time of the last event for this pool (ms). */
  lastEventAt: number | null;
  workers: Map<string, WorkerInfo>;
  history: Ring<HistoryEntry>;
  tasksAssigned: number;
  tasksCompleted: number;
  /** Messages for this pool that could not be used (missing ids, wrong types). */
  unusable: number;
  /** Workers not tracked because `maxWorkers` was reached. */
  workersDropped: number;
  /** Bumped on every visible change. */
  version: number;
}

/** Options for {@link createPoolState}. */
export interface PoolStateOptions {
  /** Events kept in history. Default 500. */
  historySize?: number;
  /** Workers tracked at most (a hostile server cannot grow memory). Default 10 000. */
  maxWorkers?: number;
}

const maxWorkersOf = new WeakMap<PoolState, number>();

/** A fresh state for `poolId`. */
export function createPoolState(poolId: string, options: PoolStateOptions = {}): PoolState {
  const state: PoolState = {
    poolId,
    status: "unknown",
    workerCount: null,
    queueSize: null,
    queueHistory: [],
    closed: false,
    lastEventAt: null,
    workers: new Map(),
    history: new Ring(options.historySize ?? 500),
    tasksAssigned: 0,
    tasksCompleted: 0,
    unusable: 0,
    workersDropped: 0,
    version: 0,
  };
  maxWorkersOf.set(state, options.maxWorkers ?? 10_000);
  return state;
}

/** The numbers of a `pool.status_changed` payload or a snapshot, in any of its shapes. */
export interface PoolStatusFields {
  status?: string;
  workerCount?: number;
  queueSize?: number;
}

/** Reads flat (`{worker_count, queue_size, status: "x"}`), nested (`{status: {...}}`) and `{status: {state}}` shapes. */
export function readPoolStatus(data: Record<string, unknown>): PoolStatusFields {
  const nested = asObject(data.status);
  return {
    status: asString(data.status) ?? asString(nested?.state) ?? asString(nested?.status) ?? asString(data.state),
    workerCount: asNumber(nested?.worker_count) ?? asNumber(data.worker_count) ?? asNumber(nested?.workers),
    queueSize: asNumber(nested?.queue_size) ?? asNumber(data.queue_size),
  };
}

/** Short text of a value for one-line details. */
function short(value: unknown, max = 60): string {
  if (value === undefined || value === null) return "?";
  if (typeof value === "object") {
    let text: string;
    try {
      text = JSON.stringify(value);
    } catch {
      text = "[object]";
    }
    return sanitizeText(text, { maxLength: max });
  }
  return sanitizeText(value, { maxLength: max });
}

/** `key=value` pairs of a payload, for events shown generically. */
export function genericDetails(data: Record<string, unknown>, max = 120): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(data)) {
    if (key === "timestamp") continue;
    parts.push(`${sanitizeText(key, { maxLength: 30 })}=${short(value, 40)}`);
    if (parts.join(" ").length > max) break;
  }
  return sanitizeText(parts.join(" "), { maxLength: max });
}

function record(state: PoolState, at: number, event: string, severity: Severity, text: string): void {
  pushHistory(state.history, at, event, severity, text);
}

function setQueue(state: PoolState, size: number): void {
  state.queueSize = size;
  state.queueHistory.push(size);
  if (state.queueHistory.length > 6) state.queueHistory.shift();
}

/** Worker ids are kept sanitized: they are map keys and go straight to the screen. */
function workerKey(id: string): string {
  return sanitizeText(id, { maxLength: 80 });
}

function workerFor(state: PoolState, rawId: string, now: number): WorkerInfo | undefined {
  const id = workerKey(rawId);
  let worker = state.workers.get(id);
  if (!worker) {
    if (state.workers.size >= (maxWorkersOf.get(state) ?? 10_000)) {
      state.workersDropped++;
      return undefined;
    }
    worker = { id, status: "unknown", task: null, since: now, completed: 0 };
    state.workers.set(id, worker);
  }
  return worker;
}

function taskIdOf(data: Record<string, unknown>): string | undefined {
  const task = asObject(data.task);
  return asString(data.task_id) ?? asString(task?.id) ?? asString(task?.task_id);
}

function unusable(state: PoolState, now: number, event: string, why: string): PoolState {
  state.unusable++;
  record(state, now, event, "warning", `unusable: ${why}`);
  state.version++;
  return state;
}

/** Applies a `get_pool_status` snapshot. */
function applySnapshot(state: PoolState, data: Record<string, unknown>, now: number): void {
  const fields = readPoolStatus(data);
  if (fields.status) state.status = sanitizeText(fields.status, { maxLength: 40 });
  if (fields.workerCount !== undefined) state.workerCount = fields.workerCount;
  if (fields.queueSize !== undefined) setQueue(state, fields.queueSize);
  const list = asArray(data.workers) ??
    Object.entries(asObject(data.workers) ?? {}).map(([id, w]) => ({ worker_id: id, ...asObject(w) }));
  const seen = new Set<string>();
  for (const item of list) {
    const w = asObject(item);
    const id = asString(w?.worker_id) ?? asString(w?.id);
    if (!w || !id) continue;
    seen.add(workerKey(id));
    const worker = workerFor(state, id, now);
    if (!worker) continue;
    const status = asString(w.status);
    if (status && sanitizeText(status, { maxLength: 20 }) !== worker.status) {
      worker.status = sanitizeText(status, { maxLength: 20 });
      worker.since = now;
    }
    const task = asString(w.current_task) ?? asString(asObject(w.current_task)?.id);
    worker.task = task ? sanitizeText(task, { maxLength: 60 }) : null;
  }
  if (list.length > 0) {
    for (const id of [...state.workers.keys()]) if (!seen.has(id)) state.workers.delete(id);
  }
  const n = list.length > 0 ? list.length : fields.workerCount;
  record(
    state,
    now,
    "snapshot",
    "info",
    `status ${state.status}` + (n !== undefined ? ` · ${n} workers` : "") +
      (state.queueSize !== null ? ` · queue ${state.queueSize}` : ""),
  );
}

/** Applies one message to the pool state. Never throws. */
export function reducePool(state: PoolState, message: Envelope, now: number): PoolState {
  const data = message.data;
  if (message.type === "error") {
    record(state, now, "error", "error", errorText(message));
    state.version++;
    return state;
  }
  if (message.type === "response") {
    if (message.event === "get_pool_status" && (asString(data.pool_id) ?? state.poolId) === state.poolId) {
      applySnapshot(state, data, now);
      state.version++;
    } else if (
      message.event === "subscribe" && data.channel === `pool:${state.poolId}` &&
      message.correlation_id?.startsWith("probe-") !== true
    ) {
      record(state, now, "subscribed", "info", sanitizeText(data.channel));
      state.version++;
    }
    return state;
  }
  if (message.type !== "event" || !message.event) return state;
  const event = message.event;
  if (event === "session.created") {
    record(state, now, event, "info", `connected to ${short(data.server ?? "server", 40)}`);
    state.version++;
    return state;
  }
  const poolId = asString(data.pool_id);
  if (poolId !== undefined && poolId !== state.poolId) return state;
  state.lastEventAt = now;
  state.version++;
  const severity = eventSeverity(event, data);
  switch (event) {
    case "pool.status_changed": {
      const f = readPoolStatus(data);
      if (f.status === undefined && f.workerCount === undefined && f.queueSize === undefined) {
        return unusable(state, now, event, "no status, worker_count or queue_size");
      }
      if (f.status) state.status = sanitizeText(f.status, { maxLength: 40 });
      if (f.workerCount !== undefined) state.workerCount = f.workerCount;
      if (f.queueSize !== undefined) setQueue(state, f.queueSize);
      record(
        state,
        now,
        event,
        severity,
        `${state.status} · ${state.workerCount ?? "?"} workers · queue ${state.queueSize ?? "?"}`,
      );
      return state;
    }
    case "pool.spawned":
      state.closed = false;
      if (state.status === "unknown" || state.status === "closed") state.status = "running";
      record(state, now, event, severity, `spawned ${data.config !== undefined ? short(data.config, 80) : ""}`.trim());
      return state;
    case "pool.scaled": {
      const n = asNumber(data.worker_count) ?? asNumber(data.new_count) ?? asNumber(data.target);
      if (n === undefined) return unusable(state, now, event, "no worker_count");
      state.workerCount = n;
      record(state, now, event, severity, `scaled to ${n} workers`);
      return state;
    }
    case "pool.scaling": {
      const kind = short(data.event_type ?? data.direction ?? "scaling", 30);
      const target = asNumber(data.target) ?? asNumber(data.target_count) ?? asNumber(data.worker_count);
      record(state, now, event, severity, target !== undefined ? `${kind} → ${target} workers` : kind);
      return state;
    }
    case "pool.closed":
      state.closed = true;
      state.status = "closed";
      record(state, now, event, "error", "pool closed");
      return state;
    case "worker.added":
    case "worker.removed": {
      const id = asString(data.worker_id);
      if (!id) return unusable(state, now, event, "no worker_id");
      if (event === "worker.added") {
        const w = workerFor(state, id, now);
        if (w && w.status === "unknown") w.status = "idle";
      } else state.workers.delete(workerKey(id));
      record(state, now, event, severity, sanitizeText(id, { maxLength: 60 }));
      return state;
    }
    case "worker.status_changed": {
      const id = asString(data.worker_id);
      const rawStatus = asString(data.status) ?? asString(asObject(data.status)?.state);
      if (!id || !rawStatus) return unusable(state, now, event, !id ? "no worker_id" : "no status");
      const status = sanitizeText(rawStatus, { maxLength: 20 });
      const w = workerFor(state, id, now);
      const before = w?.status ?? "?";
      if (w && w.status !== status) {
        w.status = status;
        w.since = now;
        if (status !== "busy") w.task = null;
      }
      const from = before === status ? "" : `${before} `;
      record(
        state,
        now,
        event,
        severity,
        `${sanitizeText(id, { maxLength: 60 })} ${from}→ ${status}`,
      );
      return state;
    }
    case "task.assigned": {
      const task = taskIdOf(data);
      const id = asString(data.worker_id);
      if (!task && !id) return unusable(state, now, event, "no task id or worker_id");
      state.tasksAssigned++;
      if (id) {
        const w = workerFor(state, id, now);
        if (w) {
          w.task = task ? sanitizeText(task, { maxLength: 60 }) : w.task;
          if (w.status !== "busy") {
            w.status = "busy";
            w.since = now;
          }
        }
      }
      record(state, now, event, severity, `${short(task, 40)} → ${short(id, 40)}`);
      return state;
    }
    case "task.completed": {
      const task = taskIdOf(data);
      const id = asString(data.worker_id);
      if (!task && !id) return unusable(state, now, event, "no task id or worker_id");
      state.tasksCompleted++;
      const w = id ? state.workers.get(workerKey(id)) : undefined;
      if (w) {
        w.completed++;
        if (!task || w.task === sanitizeText(task, { maxLength: 60 })) w.task = null;
      }
      const duration = asNumber(data.duration) ?? asNumber(asObject(data.result)?.duration);
      const took = duration !== undefined ? ` in ${duration}s` : "";
      const by = id ? ` by ${short(id, 40)}` : "";
      record(state, now, event, severity, `${short(task, 40)} done${by}${took}`);
      return state;
    }
    default:
      record(state, now, event, severity, genericDetails(data));
      return state;
  }
}

/** Counts of workers by status. */
export function workerCounts(state: PoolState): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const w of state.workers.values()) counts[w.status] = (counts[w.status] ?? 0) + 1;
  return counts;
}

/** The pool's health for colour-coding, with a reason. */
export function poolHealth(state: PoolState): { level: Health; reason: string } {
  const counts = workerCounts(state);
  const status = state.status.toLowerCase();
  if (state.closed) return { level: "error", reason: "pool closed" };
  if (/error|fail|crash/.test(status)) return { level: "error", reason: `status ${state.status}` };
  if ((counts.error ?? 0) > 0) return { level: "error", reason: `${counts.error} worker(s) in error` };
  if (state.status === "unknown" && state.workers.size === 0) return { level: "unknown", reason: "no data yet" };
  const q = state.queueHistory;
  const growing = q.length >= 3 && q[q.length - 1] > q[q.length - 2] && q[q.length - 2] > q[q.length - 3];
  if ((counts.offline ?? 0) > 0) return { level: "warning", reason: `${counts.offline} worker(s) offline` };
  const active = state.workers.size - (counts.offline ?? 0);
  if (active > 0 && (counts.busy ?? 0) >= active && (state.queueSize ?? 0) > 0) {
    return { level: "warning", reason: "all workers busy, tasks waiting" };
  }
  if (growing && (state.queueSize ?? 0) > 0) return { level: "warning", reason: "queue growing" };
  if (/scal|degrad|drain|stop/.test(status)) return { level: "warning", reason: `status ${state.status}` };
  return { level: "ok", reason: "healthy" };
}

/** Fields for `--alert` rules: `queue_size`, `worker_count`, `workers.<status>`, `tasks_assigned`, `tasks_completed`, `unusable`. */
export function poolAlertValues(state: PoolState): Record<string, number | undefined> {
  const values: Record<string, number | undefined> = {
    queue_size: state.queueSize ?? undefined,
    worker_count: state.workerCount ?? state.workers.size,
    tasks_assigned: state.tasksAssigned,
    tasks_completed: state.tasksCompleted,
    unusable: state.unusable,
    "workers.idle": 0,
    "workers.busy": 0,
    "workers.error": 0,
    "workers.offline": 0,
  };
  for (const [status, n] of Object.entries(workerCounts(state))) values[`workers.${status}`] = n;
  return values;
}
