/**
 * The event history every monitor state keeps: its entry type and the small
 * operations all reducers share. Entries hold sanitized text only.
 *
 * @module
 */

import type { Envelope } from "../protocol/envelope.ts";
import type { Ring } from "./ring.ts";
import { sanitizeText } from "../protocol/sanitize.ts";
import type { Severity } from "./severity.ts";

/** One line of event history. All text is sanitized. */
export interface HistoryEntry {
  /** Receive time (ms). */
  at: number;
  /** Event name (or `error`, `response`, …). */
  event: string;
  severity: Severity;
  /** One-line details. */
  text: string;
}

/** A state with a history and a version that changes when it does. */
export interface WithHistory {
  history: Ring<HistoryEntry>;
  version: number;
}

/** Pushes an entry; `event` is sanitized here, `text` must already be. */
export function pushHistory(
  history: Ring<HistoryEntry>,
  at: number,
  event: string,
  severity: Severity,
  text: string,
): void {
  history.push({ at, event: sanitizeText(event, { maxLength: 60 }), severity, text });
}

/** `CODE: message` of an `error` envelope, sanitized. */
export function errorText(message: Envelope): string {
  return `${sanitizeText(message.error_code ?? "ERROR", { maxLength: 40 })}: ${
    sanitizeText(message.error_message ?? "", { maxLength: 200 })
  }`;
}

/** Adds a ready entry (an alert, say) to the history. */
export function noteHistory<S extends WithHistory>(state: S, entry: HistoryEntry): S {
  state.history.push(entry);
  state.version++;
  return state;
}

/** Empties the history (the `c` key). */
export function clearHistory<S extends WithHistory>(state: S): S {
  state.history.clear();
  state.version++;
  return state;
}
