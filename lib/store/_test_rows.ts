/**
 * Test helpers: received messages and rows that look like the demo server's,
 * and a throwaway SQLite file with a row count.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import type { Envelope } from "../protocol/envelope.ts";
import { type EventRow, type ReceivedMessage, toRow } from "./record.ts";

/** A received event envelope with `data`; `id` defaults to a UUID. */
export function received(
  event: string,
  data: Record<string, unknown>,
  options: { id?: string | null; receivedAt?: number; room?: string | null; service?: string; type?: string } = {},
): ReceivedMessage {
  const message: Envelope = {
    id: options.id === undefined ? crypto.randomUUID() : options.id,
    correlation_id: null,
    type: options.type ?? "event",
    event,
    data,
    timestamp: new Date(options.receivedAt ?? 1_700_000_000_000).toISOString(),
    room: options.room ?? null,
    error_code: null,
    error_message: null,
  };
  return {
    service: options.service ?? "pool",
    receivedAt: options.receivedAt ?? 1_700_000_000_000,
    raw: JSON.stringify(message),
    message,
  };
}

/** `count` rows one ms apart from `start`, cycling through a few events, pools, workers and workflows. */
export function rows(count: number, start = 1_700_000_000_000): EventRow[] {
  const events = ["task.assigned", "task.completed", "worker.status_changed", "workflow.stage_completed"];
  const out: EventRow[] = [];
  for (let i = 0; i < count; i++) {
    const event = events[i % events.length];
    out.push(toRow(received(event, {
      pool_id: `pool_${i % 3}`,
      worker_id: `worker_${i % 7}`,
      workflow_id: event.startsWith("workflow") ? `wf_${i % 11}` : undefined,
      task_id: event.startsWith("task") ? `task_${i}` : undefined,
      status: "busy",
      n: i,
    }, { receivedAt: start + i })));
  }
  return out;
}

/** Resolves once `check()` is true; rejects after `timeoutMs`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = "condition",
): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A fresh `events.db` path in a new temporary directory, removed with the directory on dispose. */
export function tempDb(prefix: string): { path: string; [Symbol.dispose](): void } {
  const dir = Deno.makeTempDirSync({ prefix });
  return { path: `${dir}/events.db`, [Symbol.dispose]: () => Deno.removeSync(dir, { recursive: true }) };
}

/** The number of rows in the `events` table of the SQLite file at `path` (opened read-only). */
export function countEvents(path: string): number {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return Number((db.prepare("SELECT COUNT(*) AS n FROM events").get() as { n: number }).n);
  } finally {
    db.close();
  }
}
