/**
 * Pool monitor state and its reducer: `(state, event, now) -> state`.
 *
 * The reducer consumes decoded events only (`lib/protocol/decode.ts` has
 * cleaned every string and checked every number), does no I/O and reads no
 * clock (time comes in as `now`). For O(1) ingest at high event rates it
 * updates the state it is given in place and returns it; `version` changes
 * whenever anything visible changed.
 *
 * @module
 */

import type { DomainEvent, PoolSnapshot } from "../protocol/events.ts";
import type { Severity } from "../protocol/severity.ts";
import { describeEvent } from "./describe.ts";
import type { Health } from "./health.ts";
import { errorText, pushHistory } from "./history.ts";
import { HistoryRing } from "./history_ring.ts";
import { LruOrder } from "./lru.ts";

/** One worker as last seen. */
export interface WorkerInfo {
  id: string;
  status: string;
  task: string | null;
  /** When it entered its status (ms). */
  since: number;
  /** Tasks it completed while watched. */
  completed: number;
  /** Receive time of the last event or snapshot that named it (ms). */
  lastSeen: number;
}

/** Everything the pool view shows. */
export interface PoolState {
  poolId: string;
  /** `unknown` until the server says; `not found` when a status snapshot said the server has no such pool. */
  status: string;
  /** True when the last status snapshot said `not_found` and no live event for the pool came since. */
  notFound: boolean;
  workerCount: number | null;
  queueSize: number | null;
  /** The last few queue sizes, oldest first. */
  queueHistory: number[];
  closed: boolean;
  /** Receive time of the last event for this pool (ms). */
  lastEventAt: number | null;
  workers: Map<string, WorkerInfo>;
  history: HistoryRing;
  tasksAssigned: number;
  tasksCompleted: number;
  /** Messages for this pool that could not be used (missing ids, bad numbers). */
  unusable: number;
  /** Most workers tracked; when full, the least recently seen (offline or idle first) is evicted. */
  maxWorkers: number;
  /** Workers evicted to make room for new ones (they are no longer shown nor counted in the health). */
  workersEvicted: number;
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

/** Each state's workers, least recently seen first (kept beside the state so that it stays plain data). */
const recency = new WeakMap<PoolState, LruOrder<WorkerInfo>>();

function recencyOf(state: PoolState): LruOrder<WorkerInfo> {
  let lru = recency.get(state);
  if (!lru) {
    lru = new LruOrder();
    for (const w of state.workers.values()) lru.touch(w.id, w);
    recency.set(state, lru);
  }
  return lru;
}

function forgetWorker(state: PoolState, id: string): void {
  state.workers.delete(id);
  recencyOf(state).delete(id);
}

/** A fresh state for `poolId`. */
export function createPoolState(poolId: string, options: PoolStateOptions = {}): PoolState {
  return {
    poolId,
    status: "unknown",
    notFound: false,
    workerCount: null,
    queueSize: null,
    queueHistory: [],
    closed: false,
    lastEventAt: null,
    workers: new Map(),
    history: new HistoryRing(options.historySize ?? 500),
    tasksAssigned: 0,
    tasksCompleted: 0,
    unusable: 0,
    maxWorkers: Math.max(1, options.maxWorkers ?? 10_000),
    workersEvicted: 0,
    version: 0,
  };
}

function record(state: PoolState, at: number, event: string, severity: Severity, text: string): void {
  pushHistory(state.history, at, event, severity, text);
}

function setQueue(state: PoolState, size: number): void {
  state.queueSize = size;
  state.queueHistory.push(size);
  if (state.queueHistory.length > 6) state.queueHistory.shift();
}

/** How many of the least recently seen workers eviction looks at for an offline, idle or stale one. */
const EVICTION_SCAN = 32;
/** A worker not heard of for this long (ms) is stale: evicted first whatever its status. */
export const STALE_WORKER_MS = 10 * 60 * 1000;

/**
 * Evicts one worker: among the oldest {@link EVICTION_SCAN}, the least recently seen that is offline or
 * stale, else the least recently seen idle one, else the least recently seen of all. A busy or failing worker heard of
 * lately is kept while there is a better candidate; a stale one never keeps the health red.
 */
function evictOne(state: PoolState, now: number): void {
  const lru = recencyOf(state);
  const victim = lru.findOldest(EVICTION_SCAN, (w) => w.status === "offline" || now - w.lastSeen > STALE_WORKER_MS) ??
    lru.findOldest(EVICTION_SCAN, (w) => w.status === "idle") ?? lru.oldest();
  if (!victim) return;
  forgetWorker(state, victim.id);
  if (state.workersEvicted++ === 0) {
    record(
      state,
      now,
      "monitor",
      "warning",
      `worker table full (${state.maxWorkers}): evicting the least recently seen workers`,
    );
  }
}

/** The worker `id`, created (evicting one when full) if new; marked as just seen. */
function workerFor(state: PoolState, id: string, now: number): WorkerInfo {
  let worker = state.workers.get(id);
  if (!worker) {
    while (state.workers.size >= state.maxWorkers) evictOne(state, now);
    worker = { id, status: "unknown", task: null, since: now, completed: 0, lastSeen: now };
    state.workers.set(id, worker);
  }
  return seen(state, worker, now);
}

/** Marks a tracked worker as just seen. */
function seen(state: PoolState, worker: WorkerInfo, now: number): WorkerInfo {
  worker.lastSeen = now;
  recencyOf(state).touch(worker.id, worker);
  return worker;
}

/** Applies a `get_pool_status` snapshot: what it says wins, what it lacks is left alone (never made up). */
function applySnapshot(state: PoolState, snapshot: PoolSnapshot, now: number): void {
  if (snapshot.status?.toLowerCase() === "not_found") {
    state.notFound = true;
    state.status = "not found";
    record(state, now, "snapshot", "warning", `pool ${state.poolId} not found on the server`);
    return;
  }
  state.notFound = false;
  if (snapshot.status !== null) state.status = snapshot.status;
  if (snapshot.workerCount !== null || snapshot.workers.length > 0) state.workerCount = snapshot.workerCount;
  if (snapshot.queueSize !== null) setQueue(state, snapshot.queueSize);
  const seen = new Set<string>();
  for (const item of snapshot.workers) {
    seen.add(item.id);
    const worker = workerFor(state, item.id, now);
    if (item.status !== null && item.status !== worker.status) {
      worker.status = item.status;
      worker.since = now;
    }
    worker.task = item.task;
  }
  if (snapshot.workers.length > 0) {
    for (const id of [...state.workers.keys()]) if (!seen.has(id)) forgetWorker(state, id);
  }
  const parts = [`status ${snapshot.status ?? "?"}`];
  if (snapshot.workerCount !== null) parts.push(`${snapshot.workerCount} workers`);
  else if (snapshot.workers.length > 0) parts.push(`${snapshot.workers.length} workers listed`);
  if (snapshot.queueSize !== null) parts.push(`queue ${snapshot.queueSize}`);
  record(state, now, "snapshot", "info", parts.join(" · "));
}

// History texts of the events a flood is made of, formatted when a row is read (HistoryRing.addLazy).
const workerChangeText = (id: string, before: string, status: string) =>
  `${id} ${before === status ? "" : `${before} `}→ ${status}`;
const assignedText = (task: string | null, worker: string | null) => `${task ?? "?"} → ${worker ?? "?"}`;
const completedText = (task: string | null, worker: string | null, seconds: number | null) =>
  `${task ?? "?"} done${worker !== null ? ` by ${worker}` : ""}${seconds !== null ? ` in ${seconds}s` : ""}`;
const statusText = (status: string, workers: number | null, queue: number | null) =>
  `${status} · ${workers ?? "?"} workers · queue ${queue ?? "?"}`;

/** Applies one decoded event to the pool state. Never throws. */
export function reducePool(state: PoolState, event: DomainEvent, now: number): PoolState {
  switch (event.kind) {
    case "other":
      return state;
    case "error":
      record(state, now, "error", "error", errorText(event));
      state.version++;
      return state;
    case "response": {
      const answer = event.answer;
      if (answer.request === "get_pool_status" && (answer.pool.poolId ?? state.poolId) === state.poolId) {
        applySnapshot(state, answer.pool, now);
        state.version++;
      } else if (
        answer.request === "subscribe" && answer.channel === `pool:${state.poolId}` &&
        event.correlationId?.startsWith("probe-") !== true
      ) {
        record(state, now, "subscribed", "info", answer.channel);
        state.version++;
      }
      return state;
    }
    case "session.created":
      record(state, now, event.name, "info", `connected to ${event.server ?? "server"}`);
      state.version++;
      return state;
  }
  const poolId = "poolId" in event ? event.poolId : null;
  if (poolId !== null && poolId !== state.poolId) return state;
  state.lastEventAt = now;
  state.version++;
  if (state.notFound) {
    // A live event on the pool's channel: the pool exists after all.
    state.notFound = false;
    if (state.status === "not found") state.status = "unknown";
  }
  const { name, severity } = event;
  switch (event.kind) {
    case "unusable":
      state.unusable++;
      record(state, now, name, "warning", `unusable: ${event.reason}`);
      return state;
    case "pool.status":
      if (event.status !== null) state.status = event.status;
      if (event.workerCount !== null) state.workerCount = event.workerCount;
      if (event.queueSize !== null) setQueue(state, event.queueSize);
      state.history.addLazy(now, name, severity, statusText, state.status, state.workerCount, state.queueSize);
      return state;
    case "pool.spawned":
      state.closed = false;
      if (state.status === "unknown" || state.status === "closed") state.status = "running";
      record(state, now, name, severity, `spawned ${event.config ?? ""}`.trim());
      return state;
    case "pool.scaled":
      state.workerCount = event.workerCount;
      record(state, now, name, severity, `scaled to ${event.workerCount} workers`);
      return state;
    case "pool.scaling": {
      const kind = event.direction ?? "scaling";
      record(state, now, name, severity, event.target !== null ? `${kind} → ${event.target} workers` : kind);
      return state;
    }
    case "pool.closed":
      state.closed = true;
      state.status = "closed";
      record(state, now, name, "error", "pool closed");
      return state;
    case "worker.added":
    case "worker.removed":
      if (event.kind === "worker.added") {
        const w = workerFor(state, event.workerId, now);
        if (w.status === "unknown") w.status = "idle";
      } else forgetWorker(state, event.workerId);
      record(state, now, name, severity, event.workerId);
      return state;
    case "worker.status": {
      const { workerId, status } = event;
      const w = workerFor(state, workerId, now);
      const before = w.status;
      if (w.status !== status) {
        w.status = status;
        w.since = now;
        if (status !== "busy") w.task = null;
      }
      state.history.addLazy(now, name, severity, workerChangeText, w.id, before, status);
      return state;
    }
    case "task.assigned": {
      const { taskId, workerId } = event;
      state.tasksAssigned++;
      if (workerId !== null) {
        const w = workerFor(state, workerId, now);
        w.task = taskId ?? w.task;
        if (w.status !== "busy") {
          w.status = "busy";
          w.since = now;
        }
      }
      state.history.addLazy(now, name, severity, assignedText, taskId, workerId, null);
      return state;
    }
    case "task.completed": {
      const { taskId, workerId, durationSeconds } = event;
      state.tasksCompleted++;
      const known = workerId !== null ? state.workers.get(workerId) : undefined;
      const w = known && seen(state, known, now);
      if (w) {
        w.completed++;
        if (taskId === null || w.task === taskId) w.task = null;
      }
      state.history.addLazy(now, name, severity, completedText, taskId, w?.id ?? workerId, durationSeconds);
      return state;
    }
    default:
      state.history.addLazy(now, name, severity, describeEvent, event, null, null);
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
  if (state.notFound) return { level: "error", reason: "pool not found on the server" };
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
