/**
 * The Mahavishnu wire protocol (see `docs/PROTOCOL.md`): the message
 * envelope, a parser that never throws and builders for the client
 * requests. What a payload means is the decode boundary's business
 * (`decode.ts`, `events.ts`).
 *
 * @module
 */

import { asObject, asString } from "./_read.ts";

/** Envelope `type` values defined by the protocol. */
export const MESSAGE_TYPES = [
  "request",
  "response",
  "event",
  "error",
  "ping",
  "pong",
  "ack",
  "subscribe",
  "unsubscribe",
] as const;

/** One of {@link MESSAGE_TYPES}. */
export type MessageType = typeof MESSAGE_TYPES[number];

/** The envelope every message has, in both directions. Missing fields are `null`. */
export interface Envelope {
  id: string | null;
  correlation_id: string | null;
  /** Usually a {@link MessageType}; other strings are kept as they came. */
  type: string;
  event: string | null;
  data: Record<string, unknown>;
  timestamp: string | null;
  room: string | null;
  error_code: string | null;
  error_message: string | null;
}

/** Event names defined by docs/PROTOCOL.md. Any other name is shown generically. */
export const KNOWN_EVENTS = [
  "session.created",
  "pool.status_changed",
  "pool.spawned",
  "pool.scaled",
  "pool.closed",
  "pool.scaling",
  "worker.added",
  "worker.removed",
  "worker.status_changed",
  "task.assigned",
  "task.completed",
  "workflow.started",
  "workflow.stage_completed",
  "workflow.completed",
  "workflow.failed",
  "insight.generated",
  "pattern.detected",
  "anomaly.detected",
  "aggregation.completed",
] as const;

/** One of {@link KNOWN_EVENTS}. */
export type KnownEvent = typeof KNOWN_EVENTS[number];

/**
 * The known names by length: {@link knownEvent} compares a name with the
 * few of its length instead of hashing it into a map (an event name arrives
 * as a fresh string with every message, and hashing its ~20 characters cost
 * more than comparing them).
 */
const KNOWN_BY_LENGTH: readonly (readonly KnownEvent[])[] = (() => {
  const byLength: KnownEvent[][] = [];
  for (const name of KNOWN_EVENTS) (byLength[name.length] ??= []).push(name);
  return Array.from(byLength, (names) => names ?? []);
})();
const MESSAGE_TYPE_NAMES: ReadonlyMap<string, MessageType> = new Map(MESSAGE_TYPES.map((t) => [t, t]));

/**
 * The module's own copy of `name` when it is a known event, else undefined:
 * what the state keeps (history entries name their event) is then one
 * shared string instead of a fresh copy per message, and later comparisons
 * with the names are identity checks.
 */
export function knownEvent(name: string): KnownEvent | undefined {
  const names = KNOWN_BY_LENGTH[name.length];
  if (names === undefined) return undefined;
  for (let i = 0; i < names.length; i++) if (names[i] === name) return names[i];
  return undefined;
}

/** True when `name` is an event defined by the protocol. */
export function isKnownEvent(name: string | null): name is KnownEvent {
  return name !== null && knownEvent(name) !== undefined;
}

/** Why a frame could not be used. */
export type ProblemKind = "binary" | "too_large" | "not_json" | "not_object" | "bad_field";

/** A frame that could not be parsed into an {@link Envelope}. */
export interface Problem {
  kind: ProblemKind;
  detail: string;
}

/** The result of {@link parseMessage}. */
export type ParseResult =
  | {
    ok: true;
    message: Envelope;
    /** False for an event name or type the protocol does not define (show it generically). */
    known: boolean;
    /** Envelope fields that had the wrong type and were replaced by `null`/`{}`. */
    warnings: readonly string[];
  }
  | { ok: false; problem: Problem };

/** Options for {@link parseMessage}. */
export interface ParseOptions {
  /** Frames longer than this many characters are refused unparsed. Default 4 MiB. */
  maxLength?: number;
}

const DEFAULT_MAX_LENGTH = 4 * 1024 * 1024;
const NULLABLE_STRINGS = [
  "id",
  "correlation_id",
  "event",
  "timestamp",
  "room",
  "error_code",
  "error_message",
] as const;

/** The warnings of a message without any (shared: most messages have none). */
const NO_WARNINGS: readonly string[] = Object.freeze([]);

/** True when `raw` has every envelope field with its type and nothing to fold (no top-level `status`). */
function isWellFormed(raw: Record<string, unknown>): boolean {
  const id = raw.id, corr = raw.correlation_id, event = raw.event, timestamp = raw.timestamp, room = raw.room;
  const code = raw.error_code, text = raw.error_message, data = raw.data;
  return (typeof id === "string" || id === null) && (typeof corr === "string" || corr === null) &&
    (typeof event === "string" || event === null) && (typeof timestamp === "string" || timestamp === null) &&
    (typeof room === "string" || room === null) && (typeof code === "string" || code === null) &&
    (typeof text === "string" || text === null) && data !== null && typeof data === "object" &&
    !Array.isArray(data) && raw.status === undefined;
}

/** Parses one WebSocket frame. Never throws. */
export function parseMessage(frame: unknown, options: ParseOptions = {}): ParseResult {
  if (typeof frame !== "string") {
    return { ok: false, problem: { kind: "binary", detail: "binary frame (the protocol uses text frames)" } };
  }
  const max = options.maxLength ?? DEFAULT_MAX_LENGTH;
  if (frame.length > max) {
    return {
      ok: false,
      problem: { kind: "too_large", detail: `frame of ${frame.length} characters exceeds the limit of ${max}` },
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(frame);
  } catch (error) {
    const reason = error instanceof RangeError ? "nested too deeply" : "invalid JSON";
    return { ok: false, problem: { kind: "not_json", detail: reason } };
  }
  const raw = asObject(value);
  if (!raw) {
    const what = Array.isArray(value) ? "an array" : value === null ? "null" : `a ${typeof value}`;
    return { ok: false, problem: { kind: "not_object", detail: `JSON is ${what}, not an object` } };
  }
  if (typeof raw.type !== "string" || raw.type === "") {
    return { ok: false, problem: { kind: "bad_field", detail: "field 'type' is missing or not a string" } };
  }
  const type = MESSAGE_TYPE_NAMES.get(raw.type);
  if (type === "event" && isWellFormed(raw)) {
    // The usual case (a server sends every field, with its type): the parsed object is the envelope.
    const message = raw as unknown as Envelope;
    const name = message.event === null ? undefined : knownEvent(message.event);
    if (name !== undefined) message.event = name;
    message.type = type;
    return { ok: true, message, known: name !== undefined, warnings: NO_WARNINGS };
  }
  let warnings = NO_WARNINGS;
  const message: Envelope = {
    id: null,
    correlation_id: null,
    type: type ?? raw.type,
    event: null,
    data: {},
    timestamp: null,
    room: null,
    error_code: null,
    error_message: null,
  };
  for (const key of NULLABLE_STRINGS) {
    const v = raw[key];
    if (v === undefined || v === null) continue;
    if (typeof v === "string") message[key] = v;
    else if (typeof v === "number" && (key === "id" || key === "correlation_id")) message[key] = String(v);
    else (warnings = warnings === NO_WARNINGS ? [] : warnings as string[]).push(`field '${key}' is not a string`);
  }
  if (raw.data !== undefined && raw.data !== null) {
    const data = asObject(raw.data);
    if (data) message.data = data;
    else (warnings = warnings === NO_WARNINGS ? [] : warnings as string[]).push("field 'data' is not an object");
  }
  // Older examples put a response's `status` at the top level: fold it into data.
  if (typeof raw.status === "string" && message.data.status === undefined) {
    message.data = { ...message.data, status: raw.status };
  }
  let known = type !== undefined;
  if (type === "event" && message.event !== null) {
    const name = knownEvent(message.event);
    if (name !== undefined) message.event = name;
    else known = false;
  } else if (type === "event") known = false;
  return { ok: true, message, known, warnings };
}

/** Options for {@link buildRequest}. */
export interface RequestOptions {
  /** Used as both `id` and `correlation_id`. Default: a random UUID. */
  id?: string;
  /** Clock for the envelope timestamp. Default `Date.now`. */
  now?: () => number;
}

/** Builds a request envelope; `id` and `correlation_id` are both set. */
export function buildRequest(event: string, data: Record<string, unknown>, options: RequestOptions = {}): Envelope {
  const id = options.id ?? crypto.randomUUID();
  return {
    id,
    correlation_id: id,
    type: "request",
    event,
    data,
    timestamp: new Date((options.now ?? Date.now)()).toISOString(),
    room: null,
    error_code: null,
    error_message: null,
  };
}

/** `auth` request; must be the first message on a server that requires a token. */
export function authRequest(token: string, options?: RequestOptions): Envelope {
  return buildRequest("auth", { token }, options);
}

/** `subscribe` request for one channel. */
export function subscribeRequest(channel: string, options?: RequestOptions): Envelope {
  return buildRequest("subscribe", { channel }, options);
}

/** `unsubscribe` request for one channel. */
export function unsubscribeRequest(channel: string, options?: RequestOptions): Envelope {
  return buildRequest("unsubscribe", { channel }, options);
}

/** `get_pool_status` request. */
export function getPoolStatusRequest(poolId: string, options?: RequestOptions): Envelope {
  return buildRequest("get_pool_status", { pool_id: poolId }, options);
}

/** `get_workflow_status` request. */
export function getWorkflowStatusRequest(workflowId: string, options?: RequestOptions): Envelope {
  return buildRequest("get_workflow_status", { workflow_id: workflowId }, options);
}

/**
 * The `status` of a subscribe/unsubscribe/auth response (`data.status`; the
 * parser folds a top-level `status` of older examples into `data`).
 */
export function responseStatus(message: Envelope): string | undefined {
  return asString(message.data.status);
}

/** The channel a message concerns: `data.channel`, else `room`. */
export function messageChannel(message: Envelope): string | undefined {
  return asString(message.data.channel) ?? message.room ?? undefined;
}
