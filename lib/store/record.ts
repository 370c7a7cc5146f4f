/**
 * Turns a received message into a store row: ids pulled out into columns,
 * every string of the payload cleaned with `sanitizeText`, times in ms.
 *
 * @module
 */

import { type Envelope, parseMessage } from "../protocol/envelope.ts";
import { asObject } from "../protocol/_read.ts";
import { isPlainText, sanitizeText } from "../protocol/sanitize.ts";
import { parseTimestamp } from "../protocol/timestamp.ts";
import { eventSeverity, type Severity } from "../protocol/severity.ts";

/** What the runtime hands an output for every parsed message (see `lib/app/output.ts`). */
export interface ReceivedMessage {
  service: string;
  receivedAt: number;
  raw: string;
  message: Envelope;
}

/** One row of the `events` table. */
export interface EventRow {
  /** The envelope `id`, or `h:` + a hash of the frame when it has none (a duplicate delivery is stored once). */
  id: string;
  /** Receive time (ms since the epoch). */
  receivedAt: number;
  /** The envelope (or payload) timestamp in ms, when it parsed. */
  eventAt: number | null;
  service: string;
  room: string | null;
  type: string;
  event: string | null;
  severity: Severity;
  poolId: string | null;
  workflowId: string | null;
  workerId: string | null;
  taskId: string | null;
  correlationId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  /** The envelope timestamp as sent (cleaned). */
  timestamp: string | null;
  /** The cleaned `data` as JSON text. */
  payload: string;
}

/** Each column of the `events` table and the {@link EventRow} field it holds, in table order. */
export const COLUMN_FIELDS = {
  id: "id",
  received_at: "receivedAt",
  event_at: "eventAt",
  service: "service",
  room: "room",
  type: "type",
  event: "event",
  severity: "severity",
  pool_id: "poolId",
  workflow_id: "workflowId",
  worker_id: "workerId",
  task_id: "taskId",
  correlation_id: "correlationId",
  error_code: "errorCode",
  error_message: "errorMessage",
  timestamp: "timestamp",
  payload: "payload",
} as const satisfies Record<string, keyof EventRow>;

/** A column of the `events` table. */
export type Column = keyof typeof COLUMN_FIELDS;

/** Column names, in the order of {@link rowValues}. */
export const COLUMNS: readonly Column[] = Object.keys(COLUMN_FIELDS) as Column[];

/** A row's values in {@link COLUMNS} order. */
export function rowValues(row: EventRow): (string | number | null)[] {
  return COLUMNS.map((c) => row[COLUMN_FIELDS[c]]);
}

const ID_LENGTH = 200;
const TEXT_LENGTH = 10_000;
const MAX_DEPTH = 32;

/** Returns `value` with every string (keys included) cleaned; nesting deeper than 32 levels becomes `"…"`. */
export function cleanValue(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return sanitizeText(value, { maxLength: TEXT_LENGTH });
  if (value === null || typeof value !== "object") {
    return typeof value === "number" && !Number.isFinite(value) ? null : value;
  }
  if (depth >= MAX_DEPTH) return "…";
  if (Array.isArray(value)) return value.map((v) => cleanValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[sanitizeText(k, { maxLength: ID_LENGTH })] = cleanValue(v, depth + 1);
  return out;
}

function text(value: unknown, max = ID_LENGTH): string | null {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value !== "string" || value === "") return null;
  return sanitizeText(value, { maxLength: max });
}

function fromRoom(room: string | null, prefix: string): string | null {
  return room !== null && room.startsWith(prefix) ? text(room.slice(prefix.length)) : null;
}

/** Two 32-bit FNV-1a hashes (different offsets) over the UTF-16 code units, as 16 hex digits: a stable id for frames that carry none. */
export function frameHash(frame: string): string {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < frame.length; i++) {
    const c = frame.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  return (a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0");
}

/** Like {@link text} for a string known to be plain (see `isPlainText`): only the length limit applies. */
function plainText(value: unknown, max = ID_LENGTH): string | null {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value !== "string" || value === "") return null;
  return value.length > max ? sanitizeText(value, { maxLength: max }) : value;
}

/**
 * True when {@link cleanValue} would give back `value` as it is, for a value
 * whose strings are all plain: no string or key over its length limit, no
 * nesting past the depth limit.
 */
function cleanAlready(value: unknown, depth: number): boolean {
  if (typeof value === "string") return value.length <= TEXT_LENGTH;
  if (value === null || typeof value !== "object") return true;
  if (depth >= MAX_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!cleanAlready(value[i], depth + 1)) return false;
    return true;
  }
  const object = value as Record<string, unknown>;
  for (const k in object) {
    if (k.length > ID_LENGTH || !cleanAlready(object[k], depth + 1)) return false;
  }
  return true;
}

let lastService = "";
let lastServiceText = "unknown";

/**
 * The row for a frame as received: its text parsed here (null when it does
 * not parse), the same row {@link toRow} builds from the parsed message. A
 * frame without a backslash and without any character `sanitizeText` removes
 * has nothing to clean in any of its strings, so its parsed payload is used
 * as it is instead of being copied string by string (the common case, and
 * the store thread's main cost).
 */
export function frameRow(service: string, receivedAt: number, raw: string): EventRow | null {
  const parsed = parseMessage(raw);
  if (!parsed.ok) return null;
  const m = parsed.message;
  const plain = raw.indexOf("\\") < 0 && isPlainText(raw) && cleanAlready(m.data, 0);
  if (service !== lastService) {
    lastServiceText = text(service) ?? "unknown";
    lastService = service;
  }
  const data = plain ? m.data : cleanValue(m.data) as Record<string, unknown>;
  return buildRow(m, data, plain ? plainText : text, lastServiceText, receivedAt, raw);
}

/** Builds the store row for one received message. */
export function toRow(received: ReceivedMessage): EventRow {
  const data = cleanValue(received.message.data) as Record<string, unknown>;
  const service = text(received.service) ?? "unknown";
  return buildRow(received.message, data, text, service, received.receivedAt, received.raw);
}

/** The row of message `m` whose payload `data` is clean, with `clean` for its other strings. */
function buildRow(
  m: Envelope,
  data: Record<string, unknown>,
  clean: (value: unknown, max?: number) => string | null,
  service: string,
  receivedAt: number,
  raw: string,
): EventRow {
  const task = asObject(data.task);
  const event = clean(m.event);
  const type = clean(m.type) ?? "unknown";
  const severity: Severity = type === "error" ? "error" : eventSeverity(event ?? type, data);
  const stamp = parseTimestamp(m.timestamp) ?? parseTimestamp(data.timestamp);
  const room = clean(m.room);
  return {
    id: clean(m.id) ?? `h:${frameHash(raw)}`,
    receivedAt: Math.round(receivedAt),
    eventAt: stamp ? stamp.ms : null,
    service,
    room,
    type,
    event,
    severity,
    poolId: clean(data.pool_id) ?? fromRoom(room, "pool:"),
    workflowId: clean(data.workflow_id) ?? fromRoom(room, "workflow:"),
    workerId: clean(data.worker_id) ?? fromRoom(room, "worker:"),
    taskId: clean(data.task_id) ?? clean(task?.id) ?? clean(task?.task_id),
    correlationId: clean(m.correlation_id),
    errorCode: clean(m.error_code),
    errorMessage: clean(m.error_message, TEXT_LENGTH),
    timestamp: clean(m.timestamp, 64),
    payload: JSON.stringify(data),
  };
}

/**
 * The frame a row stands for, rebuilt from its (cleaned) columns: what a
 * replay from the store sends.
 */
export function rowFrame(row: EventRow): string {
  return JSON.stringify({
    id: row.id.startsWith("h:") ? null : row.id,
    correlation_id: row.correlationId,
    type: row.type,
    event: row.event,
    data: JSON.parse(row.payload),
    timestamp: row.timestamp,
    room: row.room,
    error_code: row.errorCode,
    error_message: row.errorMessage,
  });
}
