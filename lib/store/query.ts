/**
 * Reading the store: the filters `history.ts` offers, turned into one SQL
 * `WHERE` clause for either dialect, and database rows turned back into
 * {@link EventRow}s.
 *
 * @module
 */

import type { Dialect } from "./schema.ts";
import { COLUMNS, type EventRow } from "./record.ts";
import type { Severity } from "../protocol/severity.ts";

/** A filter over stored events. Every field is optional; all given ones must hold. */
export interface EventQuery {
  /** Received at or after this time (ms). */
  since?: number;
  /** Received before this time (ms). */
  until?: number;
  /** Event names or globs (`worker.*`, `task.?ompleted`); any may match. */
  events?: string[];
  /** The room (channel) the event came on. */
  channel?: string;
  pool?: string;
  workflow?: string;
  worker?: string;
  /** Text anywhere in the payload or error message (case-insensitive). */
  contains?: string;
  /** At most this many rows. Default: no limit. */
  limit?: number;
  /** Oldest first (`asc`, the default) or newest first. */
  order?: "asc" | "desc";
  /** Keyset paging: rows strictly after this (receive time, id) in the chosen order. */
  after?: { receivedAt: number; id: string };
}

/** A SQL text with its parameters. */
export interface Statement {
  sql: string;
  params: (string | number)[];
}

/** Turns an event glob into a LIKE pattern (escape character `\`). */
export function globToLike(glob: string): string {
  return glob.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, "%").replace(/\?/g, "_");
}

/** The `WHERE …` clause (possibly empty) for `query`. */
export function whereClause(query: EventQuery, dialect: Dialect): Statement {
  const params: (string | number)[] = [];
  const p = (value: string | number) => {
    params.push(value);
    return dialect === "postgres" ? `$${params.length}` : "?";
  };
  const terms: string[] = [];
  if (query.since !== undefined) terms.push(`received_at >= ${p(query.since)}`);
  if (query.until !== undefined) terms.push(`received_at < ${p(query.until)}`);
  if (query.events && query.events.length > 0) {
    const ors = query.events.map((g) =>
      /[*?]/.test(g) ? `event LIKE ${p(globToLike(g))} ESCAPE '\\'` : `event = ${p(g)}`
    );
    terms.push(ors.length === 1 ? ors[0] : `(${ors.join(" OR ")})`);
  }
  if (query.channel !== undefined) terms.push(`room = ${p(query.channel)}`);
  if (query.pool !== undefined) terms.push(`pool_id = ${p(query.pool)}`);
  if (query.workflow !== undefined) terms.push(`workflow_id = ${p(query.workflow)}`);
  if (query.worker !== undefined) terms.push(`worker_id = ${p(query.worker)}`);
  if (query.contains !== undefined) {
    const like = `%${globToLike(query.contains)}%`;
    terms.push(
      dialect === "postgres"
        ? `(payload::text ILIKE ${p(like)} ESCAPE '\\' OR error_message ILIKE ${p(like)} ESCAPE '\\')`
        : `(payload LIKE ${p(like)} ESCAPE '\\' OR error_message LIKE ${p(like)} ESCAPE '\\')`,
    );
  }
  if (query.after) {
    const op = query.order === "desc" ? "<" : ">";
    terms.push(
      `(received_at ${op} ${p(query.after.receivedAt)} OR (received_at = ${p(query.after.receivedAt)} AND id ${op} ${
        p(query.after.id)
      }))`,
    );
  }
  return { sql: terms.length > 0 ? ` WHERE ${terms.join(" AND ")}` : "", params };
}

/** `SELECT` of whole rows matching `query`, ordered by receive time then id. */
export function selectStatement(query: EventQuery, dialect: Dialect): Statement {
  const where = whereClause(query, dialect);
  const dir = query.order === "desc" ? "DESC" : "ASC";
  const payload = dialect === "postgres" ? "payload::text AS payload" : "payload";
  const columns = COLUMNS.map((c) => c === "payload" ? payload : c).join(", ");
  let sql = `SELECT ${columns} FROM events${where.sql} ORDER BY received_at ${dir}, id ${dir}`;
  if (query.limit !== undefined) sql += ` LIMIT ${Math.max(0, Math.floor(query.limit))}`;
  return { sql, params: where.params };
}

/** One count of {@link statsStatement}. */
export interface StatsRow {
  event: string;
  /** Start of the bucket (ms). */
  bucket: number;
  count: number;
}

/** Counts per event name and time bucket of `bucketMs`. */
export function statsStatement(query: EventQuery, bucketMs: number, dialect: Dialect): Statement {
  if (!Number.isInteger(bucketMs) || bucketMs < 1) {
    throw new RangeError(`Cannot count events as bucket is not a positive whole number: current value is ${bucketMs}`);
  }
  const where = whereClause({ ...query, limit: undefined, after: undefined }, dialect);
  const name = "COALESCE(event, '(' || type || ')')";
  return {
    sql: `SELECT ${name} AS event, (received_at / ${bucketMs}) * ${bucketMs} AS bucket, COUNT(*) AS count ` +
      `FROM events${where.sql} GROUP BY 1, 2 ORDER BY 2, 1`,
    params: where.params,
  };
}

/** A database row (snake_case columns, numbers maybe as strings or bigints) as an {@link EventRow}. */
export function fromDbRow(r: Record<string, unknown>): EventRow {
  const s = (v: unknown) => v === null || v === undefined ? null : String(v);
  const n = (v: unknown) => v === null || v === undefined ? null : Number(v);
  return {
    id: String(r.id),
    receivedAt: Number(r.received_at),
    eventAt: n(r.event_at),
    service: String(r.service),
    room: s(r.room),
    type: String(r.type),
    event: s(r.event),
    severity: String(r.severity) as Severity,
    poolId: s(r.pool_id),
    workflowId: s(r.workflow_id),
    workerId: s(r.worker_id),
    taskId: s(r.task_id),
    correlationId: s(r.correlation_id),
    errorCode: s(r.error_code),
    errorMessage: s(r.error_message),
    timestamp: s(r.timestamp),
    payload: typeof r.payload === "string" ? r.payload : JSON.stringify(r.payload ?? {}),
  };
}
