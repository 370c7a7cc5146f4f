/**
 * Severity of an event, derived from its name and payload: failures and
 * errors are `error`; offline workers, scaling down and slowness `warning`.
 *
 * @module
 */

import { asObject, asString } from "./_read.ts";

/** How much an event matters. */
export type Severity = "info" | "warning" | "error";

/** Rank for comparisons: info 0, warning 1, error 2. */
export const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

/** What an event's name alone says: `error`, `warning` (unless its payload says error) or nothing. */
function nameSeverity(event: string): Severity | null {
  if (/fail|error|closed|crash|anomal/.test(event)) return "error";
  if (event === "worker.removed" || /slow|timeout|warn|retry/.test(event)) return "warning";
  return null;
}

/** {@link nameSeverity} of the names seen (event names are few; a hostile server cannot grow it past the bound). */
const byName = new Map<string, Severity | null>();
const BY_NAME_MAX = 256;
const ERROR_STATUSES: ReadonlySet<string> = new Set(["error", "failed", "crashed", "dead"]);
const WARNING_STATUSES: ReadonlySet<string> = new Set(["offline", "degraded", "stopping", "draining"]);

/** The severity of an event named `event` with payload `data`. */
export function eventSeverity(event: string, data: Record<string, unknown>): Severity {
  let named = byName.get(event);
  if (named === undefined) {
    named = nameSeverity(event);
    if (byName.size < BY_NAME_MAX) byName.set(event, named);
  }
  if (named === "error") return "error";
  const rawStatus = data.status;
  const status = rawStatus === undefined || rawStatus === null
    ? undefined
    : asString(rawStatus)?.toLowerCase() ?? asString(asObject(rawStatus)?.state)?.toLowerCase();
  if (status && ERROR_STATUSES.has(status)) return "error";
  if (data.result !== undefined) {
    const resultStatus = asString(asObject(data.result)?.status)?.toLowerCase();
    if (resultStatus === "error" || resultStatus === "failed") return "error";
  }
  if (status && WARNING_STATUSES.has(status)) return "warning";
  if (event === "pool.scaling" && /down/.test(asString(data.event_type)?.toLowerCase() ?? "")) return "warning";
  return named ?? "info";
}
