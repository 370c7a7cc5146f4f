/**
 * The decode boundary: turns a parsed {@link Envelope} into a typed, cleaned
 * {@link DomainEvent}. Every string is passed through `sanitizeText` (and
 * bounded to `MAX_TEXT` characters for memory's sake; the limits live in
 * `events.ts`); every number is checked: counts and sizes are whole numbers from 0 to a sane bound,
 * durations finite and non-negative, ratios from 0 to 1. A payload that
 * breaks a rule, or lacks what its event needs (an id), becomes `unusable`
 * with a reason. Every payload shape the servers send is accepted: three
 * `pool.status_changed` shapes (flat, nested under `status`, `{status:
 * {state}}`), a `task` object or `task_id`, `insight_type` or `type`,
 * `pattern_type` or `pattern`, stage lists in the payload or its `metadata`.
 *
 * Number rules: counts are whole numbers (or plain decimal strings such as
 * `"12"`, never `"0x10"`) from 0 to `MAX_WORKERS` workers or
 * `MAX_COUNT`; durations from 0 to `MAX_DURATION_MS`; an invalid
 * stage total means "total unknown" rather than an unusable start.
 *
 * @module
 */

import { asObject } from "./_read.ts";
import { Checker, lenientCount } from "./_checker.ts";
import { clean, details, first, RepeatedText, show, stageNames, str, summarize, text } from "./_clean.ts";
import { decodeResponse } from "./_decode_response.ts";
import { type Envelope, isKnownEvent } from "./envelope.ts";
import {
  type AnomalySeverity,
  type DomainEvent,
  type EventHeader,
  MAX_COUNT,
  MAX_WORKERS,
  type UnusableEvent,
} from "./events.ts";
import { eventSeverity } from "./severity.ts";

type Data = Record<string, unknown>;

// Fields whose values repeat from event to event: cleaned once per new value.
const CHECK = new Checker();
const ROOM = new RepeatedText();
const POOL_ID = new RepeatedText();
const WORKER_ID = new RepeatedText();
const STATUS = new RepeatedText();

/** Decodes one message. Never throws: anything it cannot use comes back as `unusable`. */
export function decodeMessage(message: Envelope): DomainEvent {
  try {
    if (message.type === "event" && message.event !== null) return decodeEvent(message.event, message.data, message);
    return decodeBody(message, headerOf(message));
  } catch (error) {
    let header: EventHeader = { name: "?", id: null, room: null, stamp: null, severity: "info" };
    try {
      header = headerOf(message);
    } catch { /* the placeholder stays */ }
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

/** `timestamp` kept for {@link payloadTime}: strings that may parse (bounded: events are kept in histories). */
function stampOf(value: unknown): string | null {
  return typeof value === "string" && value.length <= 64 ? value : null;
}

/** An event or request name: a known one as it is (already clean), any other cleaned. */
function nameOf(name: string | null): string | null {
  return isKnownEvent(name) ? name : text(name);
}

function headerOf(message: Envelope): EventHeader {
  const data = message.data;
  const raw = message.type === "event" ? message.event : null;
  return {
    name: message.type === "error"
      ? "error"
      : message.type === "event" || message.type === "response"
      ? nameOf(message.event) ?? (message.type === "response" ? "response" : "?")
      : text(message.type) ?? "?",
    id: text(message.id),
    room: ROOM.of(message.room),
    stamp: stampOf(data.timestamp),
    severity: message.type === "error" ? "error" : raw !== null ? eventSeverity(raw, data) : "info",
  };
}

function decodeBody(message: Envelope, header: EventHeader): DomainEvent {
  if (message.type === "error") {
    return {
      ...header,
      kind: "error",
      code: text(message.error_code),
      message: text(message.error_message),
      correlationId: text(message.correlation_id),
    };
  }
  if (message.type === "response") return decodeResponse(message, header);
  return { ...header, kind: "other", messageType: text(message.type) ?? "?" };
}

/**
 * Decodes an event. The events a flood is made of (pool and worker status, tasks) are built from the header's
 * fields directly, without a header object: one object per event. When one of them cannot be used, its
 * case says why in `problem` and the event comes back `unusable` after the first switch.
 */
function decodeEvent(event: string, data: Data, message: Envelope): DomainEvent {
  const name = nameOf(event) ?? "?";
  const id = text(message.id);
  const room = ROOM.of(message.room);
  const stamp = stampOf(data.timestamp);
  const severity = eventSeverity(event, data);
  const poolId = POOL_ID.of(data.pool_id);
  const workflowId = text(data.workflow_id);
  const check = CHECK; // One checker for every event (decoding is synchronous): no object per event.
  check.problem = null;
  // Plain functions, not closures made per message: this runs for every event of a flood.

  let problem: string | null = null;
  switch (event) {
    case "pool.status_changed": {
      const nested = asObject(data.status);
      const status = STATUS.of(data.status) ?? text(nested?.state) ?? text(nested?.status) ?? text(data.state);
      const workers = typeof nested?.workers === "object" ? undefined : nested?.workers;
      const workerCount = check.count(
        "worker_count",
        first(nested?.worker_count, data.worker_count, workers),
        MAX_WORKERS,
      );
      const queueSize = check.count("queue_size", first(nested?.queue_size, data.queue_size), MAX_COUNT);
      problem = check.problem ??
        (status === null && workerCount === null && queueSize === null
          ? "no status, worker_count or queue_size"
          : null);
      if (problem !== null) break;
      return { name, id, room, stamp, severity, kind: "pool.status", poolId, status, workerCount, queueSize };
    }
    case "worker.status_changed": {
      const workerId = WORKER_ID.of(data.worker_id);
      const status = STATUS.of(data.status) ?? text(asObject(data.status)?.state);
      if (workerId === null || status === null) {
        problem = workerId === null ? "no worker_id" : "no status";
        break;
      }
      return { name, id, room, stamp, severity, kind: "worker.status", poolId, workflowId, workerId, status };
    }
    case "task.assigned":
    case "task.completed": {
      const task = asObject(data.task);
      const taskId = text(data.task_id) ?? text(task?.id) ?? text(task?.task_id);
      const workerId = WORKER_ID.of(data.worker_id);
      if (taskId === null && workerId === null) {
        problem = "no task id or worker_id";
        break;
      }
      if (event === "task.assigned") {
        return { name, id, room, stamp, severity, kind: "task.assigned", poolId, taskId, workerId };
      }
      const durationSeconds = check.duration("duration", first(data.duration, asObject(data.result)?.duration), 1000);
      problem = check.problem;
      if (problem !== null) break;
      return { name, id, room, stamp, severity, kind: "task.completed", poolId, taskId, workerId, durationSeconds };
    }
  }

  const header: EventHeader = { name, id, room, stamp, severity };
  if (problem !== null) return unusableEvent(header, poolId, workflowId, problem);
  switch (event) {
    case "session.created":
      return {
        ...header,
        kind: "session.created",
        server: data.server !== undefined ? show(data.server) : null,
        connectionId: text(data.connection_id),
      };
    case "pool.spawned":
      return { ...header, kind: "pool.spawned", poolId, config: data.config !== undefined ? show(data.config) : null };
    case "pool.scaled": {
      const n = check.count("worker_count", first(data.worker_count, data.new_count, data.target), MAX_WORKERS);
      if (check.problem === null && n === null) return unusableEvent(header, poolId, workflowId, "no worker_count");
      return checkedEvent(check, header, poolId, workflowId, {
        ...header,
        kind: "pool.scaled",
        poolId,
        workerCount: n ?? 0,
      });
    }
    case "pool.scaling": {
      const direction = first(data.event_type, data.direction);
      const target = check.count("target", first(data.target, data.target_count, data.worker_count), MAX_WORKERS);
      return checkedEvent(check, header, poolId, workflowId, {
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
      if (workerId === null) return unusableEvent(header, poolId, workflowId, "no worker_id");
      return { ...header, kind: event, poolId, workerId };
    }
  }

  // Every `workflow.*` event, unknown ones too, is about one workflow: it needs its id.
  if (event.startsWith("workflow.") && workflowId === null) {
    return unusableEvent(header, poolId, workflowId, "no workflow_id");
  }
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
      if (stageName === null) return unusableEvent(header, poolId, workflowId, "no stage_name");
      const result = asObject(data.result);
      const ms = first(result?.duration_ms, data.duration_ms);
      const seconds = ms === undefined ? check.duration("duration", data.duration, 1000) : null;
      const durationMs = ms !== undefined
        ? check.duration("duration_ms", ms, 1)
        : seconds !== null
        ? seconds * 1000
        : null;
      return checkedEvent(check, header, poolId, workflowId, {
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
      return checkedEvent(check, header, poolId, workflowId, {
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
      return checkedEvent(check, header, poolId, workflowId, {
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

function unusableEvent(
  header: EventHeader,
  poolId: string | null,
  workflowId: string | null,
  reason: string,
): UnusableEvent {
  return { ...header, kind: "unusable", poolId, workflowId, reason };
}

/** `decoded`, unless a number broke a rule on the way. */
function checkedEvent(
  check: Checker,
  header: EventHeader,
  poolId: string | null,
  workflowId: string | null,
  decoded: DomainEvent,
): DomainEvent {
  return check.problem !== null ? unusableEvent(header, poolId, workflowId, check.problem) : decoded;
}

const ANOMALY_SEVERITIES: ReadonlySet<string> = new Set(["low", "medium", "high", "critical"]);

function anomalySeverity(value: unknown): AnomalySeverity | null {
  const level = typeof value === "string" ? value.trim().toLowerCase() : "";
  return ANOMALY_SEVERITIES.has(level) ? level as AnomalySeverity : null;
}
