/** The decoder's half for `response` envelopes: subscription answers and status snapshots. @module */

import { asArray, asObject } from "./_read.ts";
import { Checker, lenientCount } from "./_checker.ts";
import { first, stageNames, summarize, text } from "./_clean.ts";
import { zonedTime } from "./timestamp.ts";
import type { Envelope } from "./envelope.ts";
import {
  type DomainEvent,
  type EventHeader,
  MAX_COUNT,
  MAX_WORKERS,
  type PoolSnapshot,
  type ResponseAnswer,
  type SnapshotStage,
  type SnapshotWorker,
  type WorkflowSnapshot,
} from "./events.ts";
import { parseTimestamp } from "./timestamp.ts";

type Data = Record<string, unknown>;

export function decodeResponse(message: Envelope, header: EventHeader): DomainEvent {
  const data = message.data;
  const check = new Checker();
  const base = { ...header, kind: "response" as const, correlationId: text(message.correlation_id) };
  let answer: ResponseAnswer;
  switch (message.event) {
    case "subscribe":
    case "unsubscribe":
      answer = { request: message.event, status: text(data.status), channel: text(data.channel) };
      break;
    case "get_pool_status":
      answer = { request: "get_pool_status", pool: poolSnapshot(data, check) };
      break;
    case "get_workflow_status":
      answer = { request: "get_workflow_status", workflow: workflowSnapshot(data, check) };
      break;
    case "get_patterns":
      answer = {
        request: "get_patterns",
        category: text(data.category),
        count: check.count("count", data.count, MAX_COUNT),
      };
      break;
    case "get_anomalies":
      answer = { request: "get_anomalies", count: check.count("count", data.count, MAX_COUNT) };
      break;
    default:
      answer = { request: "other", status: text(data.status) };
  }
  if (check.problem !== null) {
    return {
      ...header,
      kind: "unusable",
      poolId: text(data.pool_id),
      workflowId: text(data.workflow_id),
      reason: check.problem,
    };
  }
  return { ...base, answer };
}

function poolSnapshot(data: Data, check: Checker): PoolSnapshot {
  const nested = asObject(data.status);
  const list = asArray(data.workers) ??
    Object.entries(asObject(data.workers) ?? {}).map(([id, w]) => ({ worker_id: id, ...asObject(w) }));
  const workers: SnapshotWorker[] = [];
  for (const item of list) {
    const w = asObject(item);
    const id = text(w?.worker_id) ?? text(w?.id);
    if (!w || id === null) continue;
    workers.push({
      id,
      status: text(w.status),
      task: text(w.current_task) ?? text(asObject(w.current_task)?.id),
    });
  }
  const countField = typeof nested?.workers === "object" ? undefined : nested?.workers;
  return {
    poolId: text(data.pool_id),
    status: text(data.status) ?? text(nested?.state) ?? text(nested?.status) ?? text(data.state),
    workerCount: check.count("worker_count", first(nested?.worker_count, data.worker_count, countField), MAX_WORKERS),
    queueSize: check.count("queue_size", first(nested?.queue_size, data.queue_size), MAX_COUNT),
    workers,
  };
}

function workflowSnapshot(data: Data, check: Checker): WorkflowSnapshot {
  const completedStages: SnapshotStage[] = [];
  for (const item of asArray(data.completed_stages) ?? []) {
    const s = asObject(item);
    const name = text(s?.stage_name) ?? text(s?.name) ?? text(item);
    if (name === null) continue;
    completedStages.push({
      name,
      completedAt: s ? zonedTime(s.completed_at) : null,
      durationMs: s ? check.duration("duration_ms", s.duration_ms, 1) : null,
      result: s ? summarize(s.result) : "",
    });
  }
  const names = stageNames(data.stages) ?? stageNames(asObject(data.metadata)?.stages);
  return {
    workflowId: text(data.workflow_id),
    status: text(data.status) ?? text(asObject(data.status)?.state),
    stageNames: names,
    totalStages: lenientCount(data.total_stages),
    startedAt: parseTimestamp(data.started_at)?.ms ?? null,
    completedStages,
    currentStage: text(data.current_stage),
    error: text(data.error) ?? text(asObject(data.error)?.message),
    result: data.result !== undefined ? summarize(data.result) : null,
  };
}
