/**
 * Model states -> the JSON the page draws. Every string in it is data: the
 * page inserts it with `textContent`, never as HTML. Lists are bounded and
 * say how many items were left out, as the terminal views do.
 *
 * @module
 */

import { activeWorkflows, workflowRows } from "../model/overview_state.ts";
import type { HistoryEntry } from "../model/history.ts";
import { poolHealth, type PoolState, workerCounts } from "../model/pool_state.ts";
import { workflowProgress, type WorkflowState } from "../model/workflow_state.ts";
import type { ServiceInfo } from "./service_stats.ts";
import type { WebModel } from "./web_monitor.ts";

/** Which page a snapshot is for. */
export type PageView = { view: "dashboard" } | { view: "pool"; id: string } | { view: "workflow"; id: string };

/** Rows and history entries sent per list (the rest is counted, not sent). Defaults 200 / 20 (pages: 40) / 20. */
export interface SnapshotOptions {
  maxWorkers?: number;
  maxHistory?: number;
  maxWorkflows?: number;
}

/** One service's connection as the page shows it. */
export interface ServiceSnapshot {
  name: string;
  url: string;
  state: string;
  reason: string | null;
  attempt: number;
  retryAt: number | null;
  since: number | null;
  messages: number;
  malformed: number;
  reconnects: number;
  events: number;
}

function services(list: readonly ServiceInfo[]): ServiceSnapshot[] {
  return list.map((s) => ({
    name: s.name,
    url: s.url,
    state: s.status?.state ?? "connecting",
    reason: s.status?.reason ?? null,
    attempt: s.status?.attempt ?? 0,
    retryAt: s.status?.retryAt ?? null,
    since: s.status?.since ?? null,
    messages: s.messages,
    malformed: s.malformed,
    reconnects: s.reconnects,
    events: s.events,
  }));
}

function history(ring: { fromNewest(i: number): HistoryEntry | undefined; size: number }, max: number) {
  const entries: HistoryEntry[] = [];
  for (let i = 0; i < Math.min(max, ring.size); i++) entries.push(ring.fromNewest(i)!);
  return { entries, total: ring.size };
}

function pool(state: PoolState, maxWorkers: number, maxHistory: number) {
  const order: Record<string, number> = { error: 0, busy: 1, idle: 2, offline: 3 };
  const workers = [...state.workers.values()]
    .sort((a, b) => (order[a.status] ?? 4) - (order[b.status] ?? 4) || a.id.localeCompare(b.id))
    .slice(0, maxWorkers)
    .map((w) => ({ id: w.id, status: w.status, task: w.task, since: w.since, completed: w.completed }));
  return {
    id: state.poolId,
    status: state.status,
    health: poolHealth(state),
    closed: state.closed,
    workerCount: state.workerCount,
    queueSize: state.queueSize,
    lastEventAt: state.lastEventAt,
    tasksAssigned: state.tasksAssigned,
    tasksCompleted: state.tasksCompleted,
    unusable: state.unusable,
    counts: workerCounts(state),
    workers,
    workersTotal: state.workers.size,
    workersEvicted: state.workersEvicted,
    history: history(state.history, maxHistory),
  };
}

function workflow(state: WorkflowState, now: number, maxHistory: number) {
  return {
    id: state.workflowId,
    status: state.status,
    startedAt: state.startedAt,
    finishedAt: state.finishedAt,
    progress: workflowProgress(state, now),
    stageNames: state.stageNames,
    stages: state.stages,
    currentStage: state.currentStage,
    result: state.result,
    error: state.error,
    workerChanges: state.workerChanges.newestFirst().slice(0, maxHistory),
    history: history(state.history, maxHistory),
    unusable: state.unusable,
  };
}

/** The JSON-ready snapshot of `page` at `now`. */
export function pageSnapshot(
  page: PageView,
  model: WebModel,
  serviceList: readonly ServiceInfo[],
  now: number,
  options: SnapshotOptions = {},
): Record<string, unknown> {
  const maxHistory = options.maxHistory ?? 20;
  const base = { view: page.view, now, services: services(serviceList) };
  if (page.view === "pool") {
    if (page.id !== model.pool.poolId) return { ...base, missing: page.id, followed: model.pool.poolId };
    return { ...base, pool: pool(model.pool, options.maxWorkers ?? 1000, maxHistory * 2) };
  }
  if (page.view === "workflow") {
    const state = model.workflowDetails.get(page.id);
    if (!state) return { ...base, missing: page.id, known: [...model.workflowDetails.keys()].slice(-20).reverse() };
    return { ...base, workflow: workflow(state, now, maxHistory * 2) };
  }
  const w = model.workflows;
  const maxWorkflows = options.maxWorkflows ?? 20;
  // Running workflows first, then the finished ones newest first (the terminal panel's order).
  const recent = workflowRows(w).slice(0, maxWorkflows).map((row) => {
    const detail = model.workflowDetails.get(row.id);
    return {
      id: row.id,
      status: row.status,
      done: detail?.stages.length ?? row.done,
      total: detail?.totalStages ?? row.total,
      currentStage: detail?.currentStage ?? row.stage,
      updatedAt: row.finishedAt ?? row.startedAt ?? now,
    };
  });
  const a = model.akosha;
  return {
    ...base,
    pool: pool(model.pool, options.maxWorkers ?? 200, maxHistory),
    workflows: {
      active: activeWorkflows(w),
      started: w.started,
      completed: w.completed,
      failed: w.failed,
      stagesCompleted: w.stagesCompleted,
      unusable: w.unusable,
      tracked: w.running.size + w.finished.size,
      recent,
      history: history(w.history, maxHistory),
    },
    akosha: {
      insights: a.insights,
      patterns: a.patterns,
      anomalies: a.anomalies,
      aggregations: a.aggregations,
      unusable: a.unusable,
      byType: [...a.byType].sort((x, y) => y[1] - x[1]).slice(0, 12),
      history: history(a.history, maxHistory),
    },
  };
}
