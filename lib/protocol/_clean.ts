/** Cleaned values for the decoder: safe one-line text, `key=value` details, stage names. @module */

import { asArray, asObject } from "./_read.ts";
import { MAX_TEXT } from "./events.ts";
import { isPlainText, sanitizeText } from "./sanitize.ts";

/** `value` as one safe line of at most {@link MAX_TEXT} characters. */
export function clean(value: string): string {
  if (value.length <= MAX_TEXT && isPlainText(value)) return value; // The usual case, without a copy.
  const long = value.length > MAX_TEXT * 4;
  const text = sanitizeText(long ? value.slice(0, MAX_TEXT * 4) : value, { maxLength: MAX_TEXT });
  return long && !text.endsWith("…") ? text.slice(0, MAX_TEXT - 1) + "…" : text;
}

/** A cleaned non-empty string (finite numbers as text), else null. */
export function text(value: unknown): string | null {
  if (typeof value === "string") return clean(value) || null;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return null;
}

/**
 * {@link text} that remembers its last string: a field that repeats from
 * event to event (the room, the pool id, a worker id, a status) is compared
 * instead of cleaned again. One per field: the values of different fields
 * would keep pushing each other out.
 */
export class RepeatedText {
  #raw: string | null = null;
  #clean: string | null = null;

  /** The same as {@link text}. */
  of(value: unknown): string | null {
    if (typeof value !== "string") return text(value);
    if (value === this.#raw) return this.#clean;
    this.#raw = value;
    return this.#clean = clean(value) || null;
  }
}

/** A cleaned non-empty string, strings only. */
export function str(value: unknown): string | null {
  return typeof value === "string" ? clean(value) || null : null;
}

/** Any value as short cleaned text for `key=value` details: `?` for missing, JSON for objects. */
export function show(value: unknown): string {
  if (value === undefined || value === null) return "?";
  if (typeof value === "string") return clean(value);
  if (typeof value === "object") {
    try {
      return clean(JSON.stringify(value, cleanJson));
    } catch {
      return "[object]";
    }
  }
  // A number or boolean prints as plain ASCII: nothing to clean.
  return typeof value === "number" || typeof value === "boolean" ? String(value) : clean(String(value));
}

/** A `JSON.stringify` replacer that cleans keys and strings (else JSON shows ESC as a visible `\u001b`). */
export function cleanJson(_key: string, value: unknown): unknown {
  if (typeof value === "string") return clean(value);
  const obj = asObject(value);
  return obj ? Object.fromEntries(Object.entries(obj).map(([k, v]) => [clean(k), v])) : value;
}

/** Payload keys cleaned: the same few come with every event (at most 256 kept, of at most 64 characters). */
const cleanedKeys = new Map<string, string>();

function cleanKey(key: string): string {
  let cleaned = cleanedKeys.get(key);
  if (cleaned === undefined) {
    cleaned = clean(key);
    if (cleanedKeys.size >= 256) cleanedKeys.clear();
    if (key.length <= 64) cleanedKeys.set(key, cleaned);
  }
  return cleaned;
}

/** `key=value` text of a payload (without its `timestamp`), bounded to {@link MAX_TEXT}. */
export function details(data: Record<string, unknown>): string {
  let out = "";
  for (const key of Object.keys(data)) {
    if (key === "timestamp") continue;
    out += `${out ? " " : ""}${cleanKey(key)}=${show(data[key])}`;
    if (out.length > MAX_TEXT) break;
  }
  // Clean parts joined by spaces and `=` are clean: only the length may need cutting.
  return out.length <= MAX_TEXT ? out : clean(out);
}

/** One-line summary of a free-form result: `key=value` for objects, "" when missing. */
export function summarize(value: unknown): string {
  const obj = asObject(value);
  if (obj) return details(obj);
  if (value === undefined || value === null) return "";
  return show(value);
}

/** The first value that is present (neither undefined nor null). */
export function first(a: unknown, b: unknown, c?: unknown): unknown {
  // Fixed arguments, not a rest array: the decoder calls this for every pool event of a flood.
  return a !== undefined && a !== null ? a : b !== undefined && b !== null ? b : c ?? undefined;
}

/** Stage names from a list of strings or `{name}` / `{stage_name}` objects. */
export function stageNames(value: unknown): string[] | null {
  const list = asArray(value);
  if (!list) return null;
  const names: string[] = [];
  for (const s of list) {
    const name = text(s) ?? text(asObject(s)?.name) ?? text(asObject(s)?.stage_name);
    if (name !== null) names.push(name);
  }
  return names.length > 0 ? names : null;
}
