/**
 * How `history.ts` prints stored events: a table for a person, JSON lines or
 * CSV for programs; counts per event with sparklines; a workflow timeline.
 * Every cell is cleaned again before printing (a store may have been written
 * by something else).
 *
 * @module
 */

import Table from "cli-table3";
import { sanitizeText } from "../protocol/sanitize.ts";
import { formatDuration } from "../protocol/timestamp.ts";
import { type Column, COLUMN_FIELDS, type EventRow } from "./record.ts";
import type { StatsRow } from "./query.ts";
import { sparkline } from "./sparkline.ts";
import type { WorkflowRun } from "./timeline.ts";

const PLAIN = { head: [], border: [] };

function cell(value: unknown, max = 200): string {
  return value === null || value === undefined ? "" : sanitizeText(value, { maxLength: max });
}

/** `YYYY-MM-DD HH:MM:SS.mmm` in local time. */
export function formatTime(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return "";
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${
    p(d.getSeconds())
  }.${p(d.getMilliseconds(), 3)}`;
}

function ids(row: EventRow): string {
  return [
    row.poolId && `pool=${row.poolId}`,
    row.workflowId && `wf=${row.workflowId}`,
    row.workerId && `worker=${row.workerId}`,
    row.taskId && `task=${row.taskId}`,
  ].filter(Boolean).join(" ");
}

function details(row: EventRow): string {
  if (row.errorMessage) return `${row.errorCode ?? "error"}: ${row.errorMessage}`;
  const data = JSON.parse(row.payload) as Record<string, unknown>;
  for (const key of ["pool_id", "workflow_id", "worker_id", "task_id", "timestamp"]) delete data[key];
  const text = JSON.stringify(data);
  return text === "{}" ? "" : text;
}

/** The rows as a borderless table with a header. */
export function eventsTable(rows: readonly EventRow[]): string {
  const table = new Table({
    head: ["TIME", "SERVICE", "EVENT", "SEVERITY", "IDS", "DETAILS"],
    style: { ...PLAIN, compact: true },
    wordWrap: false,
  });
  for (const r of rows) {
    table.push([
      formatTime(r.receivedAt),
      cell(r.service, 20),
      cell(r.event ?? `(${r.type})`, 40),
      r.severity,
      cell(ids(r), 80),
      cell(details(r), 80),
    ]);
  }
  return table.toString();
}

/** One row as a JSON line (payload as an object, times as ms and ISO). */
export function eventJson(row: EventRow): string {
  return JSON.stringify({
    id: row.id,
    time: new Date(row.receivedAt).toISOString(),
    received_at: row.receivedAt,
    event_at: row.eventAt,
    service: row.service,
    room: row.room,
    type: row.type,
    event: row.event,
    severity: row.severity,
    pool_id: row.poolId,
    workflow_id: row.workflowId,
    worker_id: row.workerId,
    task_id: row.taskId,
    correlation_id: row.correlationId,
    error_code: row.errorCode,
    error_message: row.errorMessage,
    payload: JSON.parse(row.payload),
  });
}

/** The columns of {@link eventCsv} after its first, `time` (the receive time in ISO form). */
const CSV_COLUMNS: readonly Column[] = [
  "received_at",
  "service",
  "room",
  "type",
  "event",
  "severity",
  "pool_id",
  "workflow_id",
  "worker_id",
  "task_id",
  "error_code",
  "error_message",
  "id",
  "payload",
];

/** The CSV header line for {@link eventCsv}. */
export const CSV_HEADER: string = ["time", ...CSV_COLUMNS].join(",");

/** Quotes a CSV field when needed (RFC 4180). */
export function csvField(value: unknown): string {
  const s = value === null || value === undefined ? "" : String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One row as a CSV line. */
export function eventCsv(row: EventRow): string {
  return [new Date(row.receivedAt).toISOString(), ...CSV_COLUMNS.map((c) => row[COLUMN_FIELDS[c]])]
    .map(csvField).join(",");
}

/** Counts per event over `buckets` (bucket start times), with a sparkline each. */
export function statsTable(stats: readonly StatsRow[], buckets: readonly number[], bucketName: string): string {
  const byEvent = new Map<string, Map<number, number>>();
  for (const s of stats) {
    const m = byEvent.get(s.event) ?? new Map<number, number>();
    m.set(s.bucket, (m.get(s.bucket) ?? 0) + s.count);
    byEvent.set(s.event, m);
  }
  const table = new Table({
    head: ["EVENT", "TOTAL", `PER ${bucketName.toUpperCase()} (${buckets.length})`, "PEAK"],
    style: { ...PLAIN, compact: true },
    wordWrap: false,
  });
  const rows = [...byEvent.entries()].map(([event, m]) => {
    const series = buckets.map((b) => m.get(b) ?? 0);
    return { event, total: series.reduce((a, b) => a + b, 0), series };
  }).sort((a, b) => b.total - a.total || a.event.localeCompare(b.event));
  for (const r of rows) {
    table.push([cell(r.event, 40), String(r.total), sparkline(r.series), String(Math.max(0, ...r.series))]);
  }
  const first = buckets[0];
  const last = buckets[buckets.length - 1];
  const span = first === undefined ? "no events" : `${formatTime(first)} to ${formatTime(last)}`;
  return `${table.toString()}\n${rows.length} event name(s), ${span}`;
}

/** The runs of a workflow, one table each. */
export function timelineText(runs: readonly WorkflowRun[], now: number): string {
  if (runs.length === 0) return "no events stored for this workflow";
  return runs.map((run, i) => {
    const took = run.startedAt !== null && run.endedAt !== null
      ? ` in ${formatDuration(run.endedAt - run.startedAt)}`
      : "";
    const head = `${cell(run.workflowId, 80)} run ${i + 1}: ${run.status}${took}` +
      (run.startedAt !== null ? `, started ${formatTime(run.startedAt)}` : "") +
      (run.error ? `\n  error: ${cell(run.error, 300)}` : "");
    const table = new Table({
      head: ["STAGE", "START", "END", "DURATION", "STATUS"],
      style: { ...PLAIN, compact: true },
      wordWrap: false,
    });
    for (const s of run.stages) {
      const running = s.status === "running" && s.start !== null ? `${formatDuration(now - s.start)} so far` : "";
      table.push([
        cell(s.name, 60),
        formatTime(s.start),
        formatTime(s.end),
        s.durationMs !== null ? formatDuration(s.durationMs) : running,
        s.status,
      ]);
    }
    return `${head}\n${table.toString()}`;
  }).join("\n\n");
}
