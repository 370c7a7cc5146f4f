/**
 * Domain events: what a server message means, after the decode boundary
 * (`decode.ts`). Every string here is already cleaned (no control or escape
 * sequence, one line, at most {@link MAX_TEXT} characters) and every number
 * already checked (finite, in range). Reducers consume only these.
 *
 * Width is not this layer's business: a 4,000-character worker id is a valid
 * id; the views cut text to the screen.
 *
 * @module
 */

import type { Severity } from "./severity.ts";

/** Cleaned strings are cut to this many characters (memory bound only; views cut by width). */
export const MAX_TEXT = 4096;
/** Largest worker count a payload may carry. */
export const MAX_WORKERS = 1_000_000;
/** Largest queue size, record count or other count a payload may carry. */
export const MAX_COUNT = 1_000_000_000;
/** Longest duration a payload may carry (ms): one year. */
export const MAX_DURATION_MS = 365 * 24 * 3600 * 1000;

/** What every event carries. */
export interface EventHeader {
  /**
   * The event name (`pool.status_changed`), or for other messages the request
   * name of a response (`get_pool_status`), `error`, or the envelope type.
   */
  name: string;
  /** Envelope id. */
  id: string | null;
  /** The channel the server broadcast to. */
  room: string | null;
  /**
   * The payload's `timestamp` as sent, when a string of at most 64
   * characters (longer ones never parse); else null. Not cleaned: never
   * show it. `payloadTime()` (timestamp.ts) reads it, when somebody needs the
   * time: reading every event's under a flood cost more than any other
   * field, and only some readers need it.
   */
  stamp: string | null;
  /** How much it matters (see `severity.ts`). */
  severity: Severity;
}

/** `pool.status_changed` (flat, nested or `{status: {state}}` shape): at least one field is set. */
export interface PoolStatusEvent extends EventHeader {
  kind: "pool.status";
  poolId: string | null;
  status: string | null;
  workerCount: number | null;
  queueSize: number | null;
}

/** `pool.spawned`; `config` is its JSON text. */
export interface PoolSpawnedEvent extends EventHeader {
  kind: "pool.spawned";
  poolId: string | null;
  config: string | null;
}

/** `pool.scaled` (`worker_count`, `new_count` or `target`). */
export interface PoolScaledEvent extends EventHeader {
  kind: "pool.scaled";
  poolId: string | null;
  workerCount: number;
}

/** `pool.scaling`: a direction (`event_type` or `direction`) and a target when given. */
export interface PoolScalingEvent extends EventHeader {
  kind: "pool.scaling";
  poolId: string | null;
  direction: string | null;
  target: number | null;
}

/** `pool.closed`. */
export interface PoolClosedEvent extends EventHeader {
  kind: "pool.closed";
  poolId: string | null;
}

/** `worker.added` / `worker.removed`. */
export interface WorkerMembershipEvent extends EventHeader {
  kind: "worker.added" | "worker.removed";
  poolId: string | null;
  workerId: string;
}

/** `worker.status_changed` (status a string or `{state}`). */
export interface WorkerStatusEvent extends EventHeader {
  kind: "worker.status";
  poolId: string | null;
  workflowId: string | null;
  workerId: string;
  status: string;
}

/** `task.assigned` (`task_id` or a `task` object): a task id, a worker id, or both. */
export interface TaskAssignedEvent extends EventHeader {
  kind: "task.assigned";
  poolId: string | null;
  taskId: string | null;
  workerId: string | null;
}

/** `task.completed`: a task id, a worker id, or both; `duration` (s) from the payload or its `result`. */
export interface TaskCompletedEvent extends EventHeader {
  kind: "task.completed";
  poolId: string | null;
  taskId: string | null;
  workerId: string | null;
  durationSeconds: number | null;
}

/** `workflow.started`, with the stage list and total from the payload or its `metadata`. */
export interface WorkflowStartedEvent extends EventHeader {
  kind: "workflow.started";
  workflowId: string;
  stageNames: string[] | null;
  /** Null when missing or not a valid count ("total unknown"). */
  totalStages: number | null;
  adapter: string | null;
  prompt: string | null;
}

/** `workflow.stage_completed` (`stage_name` or `stage`). */
export interface WorkflowStageCompletedEvent extends EventHeader {
  kind: "workflow.stage_completed";
  workflowId: string;
  stageName: string;
  /** `result.duration_ms`, `duration_ms` or `duration` (s) × 1000, when given. */
  durationMs: number | null;
  /** `key=value` summary of the free-form `result` ("" when none). */
  result: string;
}

/** `workflow.completed`. */
export interface WorkflowCompletedEvent extends EventHeader {
  kind: "workflow.completed";
  workflowId: string;
  /** `key=value` summary of `result` ("" when none). */
  result: string;
}

/** `workflow.failed`. */
export interface WorkflowFailedEvent extends EventHeader {
  kind: "workflow.failed";
  workflowId: string;
  /** `error` (text, `{message}` or a summary); "" when none. */
  error: string;
}

/** `insight.generated` (Akosha; `insight_type` or older `type`). */
export interface InsightEvent extends EventHeader {
  kind: "insight";
  insightId: string | null;
  insightType: string | null;
  title: string | null;
  description: string | null;
}

/** `pattern.detected` (Akosha; `pattern_type` or older `pattern`). */
export interface PatternEvent extends EventHeader {
  kind: "pattern";
  patternId: string | null;
  patternType: string | null;
  description: string | null;
  /** From 0 to 1. */
  confidence: number | null;
}

/** An anomaly's own severity as Akosha names it. */
export type AnomalySeverity = "low" | "medium" | "high" | "critical";

/** `anomaly.detected` (Akosha). */
export interface AnomalyEvent extends EventHeader {
  kind: "anomaly";
  anomalyId: string | null;
  anomalyType: string | null;
  /** Null when missing or not one of the four levels. */
  anomalySeverity: AnomalySeverity | null;
  description: string | null;
  /** `key=value` text of the whole payload. */
  details: string;
}

/** `aggregation.completed` (Akosha). */
export interface AggregationEvent extends EventHeader {
  kind: "aggregation";
  aggregationId: string | null;
  aggregationType: string | null;
  recordCount: number | null;
  /** `key=value` text of the whole payload. */
  details: string;
}

/** `session.created`: the server's welcome. */
export interface SessionEvent extends EventHeader {
  kind: "session.created";
  server: string | null;
  connectionId: string | null;
}

/** A worker in a `get_pool_status` snapshot. */
export interface SnapshotWorker {
  id: string;
  status: string | null;
  task: string | null;
}

/** The `get_pool_status` answer (flat or nested numbers; `workers` a list or an id -> worker object). */
export interface PoolSnapshot {
  poolId: string | null;
  status: string | null;
  workerCount: number | null;
  queueSize: number | null;
  workers: SnapshotWorker[];
}

/** A completed stage in a `get_workflow_status` snapshot. */
export interface SnapshotStage {
  name: string;
  /** `completed_at` when zoned, else null. */
  completedAt: number | null;
  durationMs: number | null;
  result: string;
}

/** The `get_workflow_status` answer. */
export interface WorkflowSnapshot {
  workflowId: string | null;
  status: string | null;
  stageNames: string[] | null;
  /** Null when missing or not a valid count. */
  totalStages: number | null;
  /** `started_at` (ms; zone-less taken as local time). */
  startedAt: number | null;
  completedStages: SnapshotStage[];
  currentStage: string | null;
  error: string | null;
  /** `key=value` summary of `result`, null when the snapshot had none. */
  result: string | null;
}

/** What a response answers, by request. */
export type ResponseAnswer =
  | { request: "subscribe" | "unsubscribe"; status: string | null; channel: string | null }
  | { request: "get_pool_status"; pool: PoolSnapshot }
  | { request: "get_workflow_status"; workflow: WorkflowSnapshot }
  | { request: "get_patterns"; category: string | null; count: number | null }
  | { request: "get_anomalies"; count: number | null }
  | { request: "other"; status: string | null };

/** A `response` envelope. */
export interface ResponseEvent extends EventHeader {
  kind: "response";
  correlationId: string | null;
  answer: ResponseAnswer;
}

/** An `error` envelope. */
export interface ServerErrorEvent extends EventHeader {
  kind: "error";
  code: string | null;
  message: string | null;
  /** The `correlation_id` of the request it answers, when the server copied one. */
  correlationId: string | null;
}

/** An event the protocol does not define: shown generically. */
export interface UnknownEvent extends EventHeader {
  kind: "unknown";
  poolId: string | null;
  workflowId: string | null;
  /** `key=value` text of the payload (without `timestamp`). */
  details: string;
}

/** A payload that cannot be used (a missing id, a bad number): counted and shown as such. */
export interface UnusableEvent extends EventHeader {
  kind: "unusable";
  poolId: string | null;
  workflowId: string | null;
  /** Why, e.g. `worker_count is not a whole number from 0 to 1000000`. */
  reason: string;
}

/** A message that carries no event (`ping`, `pong`, `ack`, a request, an unknown type, an event without a name). */
export interface OtherMessage extends EventHeader {
  kind: "other";
  messageType: string;
}

/** Everything a server message can mean. */
export type DomainEvent =
  | PoolStatusEvent
  | PoolSpawnedEvent
  | PoolScaledEvent
  | PoolScalingEvent
  | PoolClosedEvent
  | WorkerMembershipEvent
  | WorkerStatusEvent
  | TaskAssignedEvent
  | TaskCompletedEvent
  | WorkflowStartedEvent
  | WorkflowStageCompletedEvent
  | WorkflowCompletedEvent
  | WorkflowFailedEvent
  | InsightEvent
  | PatternEvent
  | AnomalyEvent
  | AggregationEvent
  | SessionEvent
  | ResponseEvent
  | ServerErrorEvent
  | UnknownEvent
  | UnusableEvent
  | OtherMessage;

/** The `kind` of a {@link DomainEvent}. */
export type DomainEventKind = DomainEvent["kind"];
