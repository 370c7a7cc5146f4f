/**
 * The decode boundary: turns a parsed {@link Envelope} into a typed, cleaned
 * {@link DomainEvent}. Every string is passed through `sanitizeText` (and
 * bounded to {@link MAX_TEXT} characters for memory's sake); every number is
 * checked: counts and sizes are whole numbers from 0 to a sane bound,
 * durations finite and non-negative, ratios from 0 to 1. A payload that
 * breaks a rule, or lacks what its event needs (an id), becomes `unusable`
 * with a reason. Every payload shape the servers send is accepted: three
 * `pool.status_changed` shapes (flat, nested under `status`, `{status:
 * {state}}`), a `task` object or `task_id`, `insight_type` or `type`,
 * `pattern_type` or `pattern`, stage lists in the payload or its `metadata`.
 *
 * Number rules: counts are whole numbers (or plain decimal strings such as
 * `"12"`, never `"0x10"`) from 0 to {@link MAX_WORKERS} workers or
 * {@link MAX_COUNT}; durations from 0 to {@link MAX_DURATION_MS}; an invalid
 * stage total means "total unknown" rather than an unusable start.
 *
 * @module
 */

import { asArray, asNumber, asObject } from "./_read.ts";
import type { Envelope } from "./envelope.ts";
import {
  type AnomalySeverity,
  type DomainEvent,
  type EventHeader,
  MAX_COUNT,
  MAX_DURATION_MS,
  MAX_TEXT,
  MAX_WORKERS,
  type PoolSnapshot,
  type ResponseAnswer,
  type SnapshotStage,
  type SnapshotWorker,
  type UnusableEvent,
  type WorkflowSnapshot,
} from "./events.ts";
import { sanitizeText } from "./sanitize.ts";
import { eventSeverity } from "./severity.ts";
import { parseTimestamp } from "./timestamp.ts";

type Data = Record<string, unknown>;

/** Decodes one message. Never throws: anything it cannot use comes back as `unusable`. */
export function decodeMessage(message: Envelope): DomainEvent {
  let header: EventHeader = { name: "?", id: null, room: null, time: null, severity: "info" };
  try {
    header = headerOf(message);
    return decodeBody(message, header);
  } catch (error) {
    return {
      ...header,
      kind: "unusable",
      severity: "warning",
      poolId: null,
      workflowId: null,
      reason: `cannot be decoded (${clean(error instanceof Error ? error.message : String(error))})`,
    };
  }
}

// --- cleaned values -----------------------------------------------------------

/** `value` as one safe line of at most {@link MAX_TEXT} characters. */
function clean(value: string): string {
  const long = value.length > MAX_TEXT * 4;
  const text = sanitizeText(long ? value.slice(0, MAX_TEXT * 4) : value, { maxLength: MAX_TEXT });
  return long && !text.endsWith("…") ? text.slice(0, MAX_TEXT - 1) + "…" : text;
}

/** A cleaned non-empty string (finite numbers as text), else null. */
function text(value: unknown): string | null {
  if (typeof value === "string") return clean(value) || null;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return null;
}

/** A cleaned non-empty string, strings only. */
function str(value: unknown): string | null {
  return typeof value === "string" ? clean(value) || null : null;
}

/** Any value as short cleaned text for `key=value` details: `?` for missing, JSON for objects. */
function show(value: unknown): string {
  if (value === undefined || value === null) return "?";
  if (typeof value === "string") return clean(value);
  if (typeof value === "object") {
    try {
      return clean(JSON.stringify(value, cleanJson));
    } catch {
      return "[object]";
    }
  }
  return clean(String(value));
}

/** A `JSON.stringify` replacer that cleans keys and strings (else JSON shows ESC as a visible `\u001b`). */
function cleanJson(_key: string, value: unknown): unknown {
  if (typeof value === "string") return clean(value);
  const obj = asObject(value);
  return obj ? Object.fromEntries(Object.entries(obj).map(([k, v]) => [clean(k), v])) : value;
}

/** `key=value` text of a payload (without its `timestamp`), bounded to {@link MAX_TEXT}. */
function details(data: Data): string {
  let out = "";
  for (const key of Object.keys(data)) {
    if (key === "timestamp") continue;
    out += `${out ? " " : ""}${clean(key)}=${show(data[key])}`;
    if (out.length > MAX_TEXT) break;
  }
  return clean(out);
}

/** One-line summary of a free-form result: `key=value` for objects, "" when missing. */
function summarize(value: unknown): string {
  const obj = asObject(value);
  if (obj) return details(obj);
  if (value === undefined || value === null) return "";
  return show(value);
}

/** The first value that is present (neither undefined nor null). */
function first(...values: unknown[]): unknown {
  return values.find((v) => v !== undefined && v !== null);
}

/** Stage names from a list of strings or `{name}` / `{stage_name}` objects. */
function stageNames(value: unknown): string[] | null {
  const list = asArray(value);
  if (!list) return null;
  const names: string[] = [];
  for (const s of list) {
    const name = text(s) ?? text(asObject(s)?.name) ?? text(asObject(s)?.stage_name);
    if (name !== null) names.push(name);
  }
  return names.length > 0 ? names : null;
}

/** Ends like a zone (`Z`, `+01:00`, `-0500`): a cheap test before parsing (zone-less local times are slow to build). */
const ZONE_SUFFIX = /(?:[Zz]|[+-]\d{2}(?::?\d{2})?)\s*$/;

/** A zoned timestamp (ms), else null. */
function zonedTime(value: unknown): number | null {
  if (typeof value !== "string" || !ZONE_SUFFIX.test(value)) return null;
  const t = parseTimestamp(value);
  return t && t.zoned ? t.ms : null;
}

// --- checked numbers ----------------------------------------------------------

/** Reads numbers by the rules, remembering the first broken one. */
class Checker {
  problem: string | null = null;

  /** A whole number from 0 to `max` (plain decimal strings accepted); null when absent. */
  count(field: string, value: unknown, max: number): number | null {
    if (value === undefined || value === null) return null;
    const n = asNumber(value);
    if (n === undefined || !Number.isInteger(n) || n < 0 || n > max) {
      this.problem ??= `${field} is not a whole number from 0 to ${max}`;
      return null;
    }
    return n;
  }

  /** A duration in its own unit (`unitMs` ms each: 1 for ms, 1000 for s), from 0 to one year; null when absent. */
  duration(field: string, value: unknown, unitMs: number): number | null {
    if (value === undefined || value === null) return null;
    const n = asNumber(value);
    if (n === undefined || !(n >= 0 && n * unitMs <= MAX_DURATION_MS)) {
      this.problem ??= `${field} is not a duration from 0 to ${MAX_DURATION_MS / unitMs}${unitMs === 1 ? "ms" : "s"}`;
      return null;
    }
    return n;
  }

  /** A ratio from 0 to 1; null when absent. */
  ratio(field: string, value: unknown): number | null {
    if (value === undefined || value === null) return null;
    const n = asNumber(value);
    if (n === undefined || n < 0 || n > 1) {
      this.problem ??= `${field} is not a number from 0 to 1`;
      return null;
    }
    return n;
  }
}

/** A count where an invalid value means "unknown" (a stage total), not an unusable payload. */
function lenientCount(value: unknown): number | null {
  return new Checker().count("", value, MAX_COUNT);
}

// --- the decoder ------------------------------------------------------------

function headerOf(message: Envelope): EventHeader {
  const data = message.data;
  const raw = message.type === "event" ? message.event : null;
  return {
    name: message.type === "error"
      ? "error"
      : message.type === "event" || message.type === "response"
      ? text(message.event) ?? (message.type === "response" ? "response" : "?")
      : text(message.type) ?? "?",
    id: text(message.id),
    room: text(message.room),
    time: zonedTime(data.timestamp),
    severity: message.type === "error" ? "error" : raw !== null ? eventSeverity(raw, data) : "info",
  };
}

function decodeBody(message: Envelope, header: EventHeader): DomainEvent {
  if (message.type === "error") {
    return { ...header, kind: "error", code: text(message.error_code), message: text(message.error_message) };
  }
  if (message.type === "response") return decodeResponse(message, header);
  if (message.type !== "event" || message.event === null) {
    return { ...header, kind: "other", messageType: text(message.type) ?? "?" };
  }
  return decodeEvent(message.event, message.data, header);
}

function decodeEvent(event: string, data: Data, header: EventHeader): DomainEvent {
  const poolId = text(data.pool_id);
  const workflowId = text(data.workflow_id);
  const check = new Checker();
  const unusable = (reason: string): UnusableEvent => ({
    ...header,
    kind: "unusable",
    poolId,
    workflowId,
    reason,
  });
  /** `decoded`, unless a number broke a rule on the way. */
  const checked = (decoded: DomainEvent): DomainEvent => check.problem !== null ? unusable(check.problem) : decoded;

  switch (event) {
    case "session.created":
      return {
        ...header,
        kind: "session.created",
        server: data.server !== undefined ? show(data.server) : null,
        connectionId: text(data.connection_id),
      };
    case "pool.status_changed": {
      const nested = asObject(data.status);
      const status = text(data.status) ?? text(nested?.state) ?? text(nested?.status) ?? text(data.state);
      const workers = typeof nested?.workers === "object" ? undefined : nested?.workers;
      const workerCount = check.count(
        "worker_count",
        first(nested?.worker_count, data.worker_count, workers),
        MAX_WORKERS,
      );
      const queueSize = check.count("queue_size", first(nested?.queue_size, data.queue_size), MAX_COUNT);
      if (check.problem === null && status === null && workerCount === null && queueSize === null) {
        return unusable("no status, worker_count or queue_size");
      }
      return checked({ ...header, kind: "pool.status", poolId, status, workerCount, queueSize });
    }
    case "pool.spawned":
      return { ...header, kind: "pool.spawned", poolId, config: data.config !== undefined ? show(data.config) : null };
    case "pool.scaled": {
      const n = check.count("worker_count", first(data.worker_count, data.new_count, data.target), MAX_WORKERS);
      if (check.problem === null && n === null) return unusable("no worker_count");
      return checked({ ...header, kind: "pool.scaled", poolId, workerCount: n ?? 0 });
    }
    case "pool.scaling": {
      const direction = first(data.event_type, data.direction);
      const target = check.count("target", first(data.target, data.target_count, data.worker_count), MAX_WORKERS);
      return checked({
        ...header,
        kind: "pool.scaling",
        poolId,
        direction: direction !== undefined ? show(direction) : null,
        target,
      });
    }
    case "pool.closed":
      return { ...header, kind: "pool.closed", poolId };
    case "worker.added":
    case "worker.removed": {
      const workerId = text(data.worker_id);
      if (workerId === null) return unusable("no worker_id");
      return { ...header, kind: event, poolId, workerId };
    }
    case "worker.status_changed": {
      const workerId = text(data.worker_id);
      const status = text(data.status) ?? text(asObject(data.status)?.state);
      if (workerId === null) return unusable("no worker_id");
      if (status === null) return unusable("no status");
      return { ...header, kind: "worker.status", poolId, workflowId, workerId, status };
    }
    case "task.assigned":
    case "task.completed": {
      const task = asObject(data.task);
      const taskId = text(data.task_id) ?? text(task?.id) ?? text(task?.task_id);
      const workerId = text(data.worker_id);
      if (taskId === null && workerId === null) return unusable("no task id or worker_id");
      if (event === "task.assigned") return { ...header, kind: "task.assigned", poolId, taskId, workerId };
      const durationSeconds = check.duration("duration", first(data.duration, asObject(data.result)?.duration), 1000);
      return checked({ ...header, kind: "task.completed", poolId, taskId, workerId, durationSeconds });
    }
  }

  // Every `workflow.*` event, unknown ones too, is about one workflow: it needs its id.
  if (event.startsWith("workflow.") && workflowId === null) return unusable("no workflow_id");
  switch (event) {
    case "workflow.started": {
      const metadata = asObject(data.metadata);
      return {
        ...header,
        kind: "workflow.started",
        workflowId: workflowId!,
        stageNames: stageNames(data.stages) ?? stageNames(metadata?.stages),
        totalStages: lenientCount(data.total_stages) ?? lenientCount(metadata?.total_stages),
        adapter: str(data.adapter),
        prompt: str(data.prompt),
      };
    }
    case "workflow.stage_completed": {
      const stageName = text(data.stage_name) ?? text(data.stage);
      if (stageName === null) return unusable("no stage_name");
      const result = asObject(data.result);
      const ms = first(result?.duration_ms, data.duration_ms);
      const seconds = ms === undefined ? check.duration("duration", data.duration, 1000) : null;
      const durationMs = ms !== undefined
        ? check.duration("duration_ms", ms, 1)
        : seconds !== null
        ? seconds * 1000
        : null;
      return checked({
        ...header,
        kind: "workflow.stage_completed",
        workflowId: workflowId!,
        stageName,
        durationMs,
        result: summarize(data.result),
      });
    }
    case "workflow.completed":
      return { ...header, kind: "workflow.completed", workflowId: workflowId!, result: summarize(data.result) };
    case "workflow.failed":
      return {
        ...header,
        kind: "workflow.failed",
        workflowId: workflowId!,
        error: text(data.error) ?? text(asObject(data.error)?.message) ?? summarize(data.error),
      };
    case "insight.generated":
      return {
        ...header,
        kind: "insight",
        insightId: text(data.insight_id),
        insightType: text(data.insight_type) ?? text(data.type),
        title: text(data.title),
        description: text(data.description),
      };
    case "pattern.detected":
      return checked({
        ...header,
        kind: "pattern",
        patternId: text(data.pattern_id),
        patternType: text(data.pattern_type) ?? text(data.pattern),
        description: text(data.description),
        confidence: check.ratio("confidence", data.confidence),
      });
    case "anomaly.detected":
      return {
        ...header,
        kind: "anomaly",
        anomalyId: text(data.anomaly_id),
        anomalyType: text(data.anomaly_type),
        anomalySeverity: anomalySeverity(data.severity),
        description: text(data.description),
        details: details(data),
      };
    case "aggregation.completed":
      return checked({
        ...header,
        kind: "aggregation",
        aggregationId: text(data.aggregation_id),
        aggregationType: text(data.aggregation_type),
        recordCount: check.count("record_count", data.record_count, MAX_COUNT),
        details: details(data),
      });
    default:
      return { ...header, kind: "unknown", poolId, workflowId, details: details(data) };
  }
}

const ANOMALY_SEVERITIES: ReadonlySet<string> = new Set(["low", "medium", "high", "critical"]);

function anomalySeverity(value: unknown): AnomalySeverity | null {
  const level = typeof value === "string" ? value.trim().toLowerCase() : "";
  return ANOMALY_SEVERITIES.has(level) ? level as AnomalySeverity : null;
}

// --- responses ----------------------------------------------------------------

function decodeResponse(message: Envelope, header: EventHeader): DomainEvent {
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
