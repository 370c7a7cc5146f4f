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
  const fast = zonedIsoMs(value);
  if (fast === fast) return { ms: fast, zoned: true }; // Not NaN.
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

/** `n` decimal digits of `s` from `at` as a number, or -1 when one is not a digit. */
function digitsAt(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/**
 * The fast path of {@link parseTimestamp} for the shape servers send under
 * load, `YYYY-MM-DDTHH:MM:SS[.fff…](Z|±HH:MM|±HHMM|±HH)` with nothing around
 * it: ms since the epoch, or NaN for any other text (the regex path then
 * decides). Reads characters without a regex or a substring: a flood of
 * events parses one timestamp each.
 */
export function zonedIsoMs(s: string): number {
  const len = s.length;
  if (
    len < 20 || len > 64 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58 ||
    s.charCodeAt(16) !== 58
  ) return NaN;
  const sep = s.charCodeAt(10);
  if (sep !== 84 && sep !== 32) return NaN; // T or space
  const year = digitsAt(s, 0, 4), month = digitsAt(s, 5, 2), day = digitsAt(s, 8, 2);
  const hour = digitsAt(s, 11, 2), minute = digitsAt(s, 14, 2), second = digitsAt(s, 17, 2);
  if (
    year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 ||
    minute > 59 || second < 0 || second > 60
  ) return NaN;
  let i = 19;
  let millis = 0;
  const dot = s.charCodeAt(i);
  if (dot === 46 || dot === 44) { // . or ,
    const start = ++i;
    for (let d = s.charCodeAt(i) - 48; d >= 0 && d <= 9; d = s.charCodeAt(i) - 48) {
      if (i - start < 3) millis = millis * 10 + d;
      i++;
    }
    if (i === start) return NaN;
    for (let k = i - start; k < 3; k++) millis *= 10;
  }
  const rest = len - i;
  const z = s.charCodeAt(i);
  let offsetMinutes = 0;
  if (rest === 1 && (z === 90 || z === 122)) offsetMinutes = 0; // Z or z
  else if ((z === 43 || z === 45) && (rest === 3 || rest === 5 || rest === 6)) { // + or -
    const hh = digitsAt(s, i + 1, 2);
    const colon = rest === 6 ? 1 : 0;
    if (colon === 1 && s.charCodeAt(i + 3) !== 58) return NaN;
    const mm = rest === 3 ? 0 : digitsAt(s, i + 3 + colon, 2);
    if (hh < 0 || mm < 0) return NaN;
    offsetMinutes = (z === 45 ? -1 : 1) * (hh * 60 + mm);
  } else return NaN;
  return minuteMs(year, month, day, hour, minute) + second * 1000 + millis - offsetMinutes * 60_000;
}

let lastMinuteKey = -1;
let lastMinuteMs = 0;

/** `Date.UTC` of a minute, remembering the last one: a flood's timestamps share their minute. */
function minuteMs(year: number, month: number, day: number, hour: number, minute: number): number {
  const key = (((year * 13 + month) * 32 + day) * 24 + hour) * 60 + minute;
  if (key !== lastMinuteKey) {
    lastMinuteMs = Date.UTC(year, month - 1, day, hour, minute);
    lastMinuteKey = key;
  }
  return lastMinuteMs;
}

/** Ends like a zone (`Z`, `+01:00`, `-0500`): a cheap test before parsing (zone-less local times are slow to build). */
const ZONE_SUFFIX = /(?:[Zz]|[+-]\d{2}(?::?\d{2})?)\s*$/;

/** A zoned timestamp (ms), else null. */
export function zonedTime(value: unknown): number | null {
  if (typeof value !== "string") return null;
  const fast = zonedIsoMs(value);
  if (fast === fast) return fast; // Not NaN: the usual shape, read without a regex.
  if (!ZONE_SUFFIX.test(value)) return null;
  const t = parseTimestamp(value);
  return t && t.zoned ? t.ms : null;
}

/** The payload's own time (ms) of a decoded event, when its `timestamp` carries a zone and parses; else null. */
export function payloadTime(event: { stamp: string | null }): number | null {
  return zonedTime(event.stamp);
}

/** Formats `ms` as local `HH:MM:SS`. */
export function formatClock(ms: number): string {
  const d = new Date(ms);
  if (!Number.isFinite(d.getTime())) return "??:??:??";
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/**
 * A clock on screen: the time from `from` to `now` in whole seconds counted
 * on the wall clock's second boundaries (`0s`, `42s`, `3m05s`, then as
 * {@link formatDuration}). Every such clock on a screen advances at the same
 * moment, once a second, so a frame drawn for a message within the same
 * second rewrites none of them (a sub-second clock changed every frame).
 */
export function formatElapsed(from: number, now: number): string {
  if (!Number.isFinite(from) || !Number.isFinite(now)) return "?";
  const seconds = Math.max(0, Math.floor(now / 1000) - Math.floor(from / 1000));
  return seconds < 60 ? `${seconds}s` : formatDuration(seconds * 1000);
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
