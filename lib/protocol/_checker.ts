/** Number rules for the decoder: counts, durations and ratios, each checked or reported. @module */

import { asNumber } from "./_read.ts";
import { MAX_COUNT, MAX_DURATION_MS } from "./events.ts";

/** Reads numbers by the rules, remembering the first broken one. */
export class Checker {
  problem: string | null = null;

  /** A whole number from 0 to `max` (plain decimal strings accepted); null when absent. */
  count(field: string, value: unknown, max: number): number | null {
    if (value === undefined || value === null) return null;
    const n = asNumber(value);
    if (n === undefined || !Number.isInteger(n) || n < 0 || n > max) {
      this.problem ??= `${field} is not a whole number from 0 to ${max}`;
      return null;
    }
    return n;
  }

  /** A duration in its own unit (`unitMs` ms each: 1 for ms, 1000 for s), from 0 to one year; null when absent. */
  duration(field: string, value: unknown, unitMs: number): number | null {
    if (value === undefined || value === null) return null;
    const n = asNumber(value);
    if (n === undefined || !(n >= 0 && n * unitMs <= MAX_DURATION_MS)) {
      this.problem ??= `${field} is not a duration from 0 to ${MAX_DURATION_MS / unitMs}${unitMs === 1 ? "ms" : "s"}`;
      return null;
    }
    return n;
  }

  /** A ratio from 0 to 1; null when absent. */
  ratio(field: string, value: unknown): number | null {
    if (value === undefined || value === null) return null;
    const n = asNumber(value);
    if (n === undefined || n < 0 || n > 1) {
      this.problem ??= `${field} is not a number from 0 to 1`;
      return null;
    }
    return n;
  }
}

/** A count where an invalid value means "unknown" (a stage total), not an unusable payload. */
export function lenientCount(value: unknown): number | null {
  return new Checker().count("", value, MAX_COUNT);
}
