/**
 * Command-line event filters: `--events worker.*,task.completed` (a glob
 * list) and `--severity warning` (that level and above). Pure.
 *
 * @module
 */

import { type Severity, SEVERITY_RANK } from "../protocol/severity.ts";

/** What a filter looks at. */
export interface FilterableEvent {
  event: string;
  severity: Severity;
}

/** Options for {@link createEventFilter}. */
export interface EventFilterOptions {
  /** Comma-separated globs (`*` any run, `?` one character). Default: all events. */
  events?: string;
  /** Lowest severity shown. Default `info` (all). */
  severity?: Severity;
}

/** Turns one glob into an anchored RegExp. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${body}$`);
}

/** A predicate that keeps the events the options ask for. */
export function createEventFilter(options: EventFilterOptions): (e: FilterableEvent) => boolean {
  const globs = (options.events ?? "").split(",").map((g) => g.trim()).filter(Boolean).map(globToRegExp);
  const min = SEVERITY_RANK[options.severity ?? "info"];
  if (globs.length === 0 && min === 0) return () => true;
  return (e) => SEVERITY_RANK[e.severity] >= min && (globs.length === 0 || globs.some((g) => g.test(e.event)));
}
