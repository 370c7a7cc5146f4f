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

/** The severity of an event named `event` with payload `data`. */
export function eventSeverity(event: string, data: Record<string, unknown>): Severity {
  const status = asString(data.status)?.toLowerCase() ?? asString(asObject(data.status)?.state)?.toLowerCase();
  const resultStatus = asString(asObject(data.result)?.status)?.toLowerCase();
  if (/fail|error|closed|crash|anomal/.test(event)) return "error";
  if (status && /^(error|failed|crashed|dead)$/.test(status)) return "error";
  if (resultStatus && /^(error|failed)$/.test(resultStatus)) return "error";
  if (status && /^(offline|degraded|stopping|draining)$/.test(status)) return "warning";
  const kind = asString(data.event_type)?.toLowerCase() ?? "";
  if (event === "pool.scaling" && /down/.test(kind)) return "warning";
  if (event === "worker.removed" || /slow|timeout|warn|retry/.test(event)) return "warning";
  return "info";
}
