/**
 * Parses the ISO 8601 timestamps that Mahavishnu servers send, with or
 * without a zone, and formats times for display.
 *
 * @module
 */

/** A parsed timestamp. */
export interface ParsedTimestamp {
  /** Milliseconds since the epoch. Zone-less values are taken as local time. */
  ms: number;
  /** True when the text carried a zone (`Z` or `±HH:MM`), so `ms` is exact. */
  zoned: boolean;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Parses `value` (`2026-02-10T23:59:59.123456`, `...Z`, `...+00:00`).
 * Returns `null` for anything else, never throws.
 */
export function parseTimestamp(value: unknown): ParsedTimestamp | null {
  if (typeof value !== "string" || value.length > 64) return null;
  const m = ISO.exec(value.trim());
  if (!m) return null;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number);
  const second = m[6] ? Number(m[6]) : 0;
  const millis = m[7] ? Number(m[7].slice(0, 3).padEnd(3, "0")) : 0;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return null;
  }
  const zone = m[8];
  if (!zone) {
    const ms = new Date(year, month - 1, day, hour, minute, second, millis).getTime();
    return Number.isFinite(ms) ? { ms, zoned: false } : null;
  }
  let offsetMinutes = 0;
  if (zone !== "Z" && zone !== "z") {
    const sign = zone[0] === "-" ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || "0"));
  }
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
  return Number.isFinite(ms) ? { ms, zoned: true } : null;
}

/** Formats `ms` as local `HH:MM:SS`. */
export function formatClock(ms: number): string {
  const d = new Date(ms);
  if (!Number.isFinite(d.getTime())) return "??:??:??";
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** Formats a duration compactly: `850ms`, `4.2s`, `3m05s`, `2h14m`, `3d04h`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "?";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.floor(s)}s`;
  const two = (n: number) => String(n).padStart(2, "0");
  const total = Math.floor(s);
  if (total < 3600) return `${Math.floor(total / 60)}m${two(total % 60)}s`;
  if (total < 86400) return `${Math.floor(total / 3600)}h${two(Math.floor(total / 60) % 60)}m`;
  return `${Math.floor(total / 86400)}d${two(Math.floor(total / 3600) % 24)}h`;
}
