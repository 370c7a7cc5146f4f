/**
 * The event history every monitor state keeps: its entry type and the small
 * operations all reducers share. Entries hold cleaned text only (it comes
 * from decoded events); the views cut it to the screen.
 *
 * @module
 */

import type { ServerErrorEvent } from "../protocol/events.ts";
import type { HistoryRing } from "./history_ring.ts";
import type { Severity } from "../protocol/severity.ts";

/** One line of event history. All text is cleaned. */
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
  history: HistoryRing;
  version: number;
}

/** Pushes an entry; `event` and `text` must be cleaned (decoded) text. */
export function pushHistory(
  history: HistoryRing,
  at: number,
  event: string,
  severity: Severity,
  text: string,
): void {
  history.add(at, event, severity, text);
}

/** `CODE: message` of a server error. */
export function errorText(error: ServerErrorEvent): string {
  return `${error.code ?? "ERROR"}: ${error.message ?? ""}`;
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
