/**
 * Extra channels (`--subscribe CHANNEL`): events from them that the
 * monitor's reducer has no use for still appear in its history, shown
 * generically (`[worker:w1] worker.status_changed …`), so that a channel an
 * operator asked for is never silently dropped.
 *
 * @module
 */

import { describeEvent } from "../model/describe.ts";
import { noteHistory, type WithHistory } from "../model/history.ts";
import type { MonitorInput } from "./monitor.ts";

/** Kinds that are answers to requests, not events of a channel. */
const NOT_CHANNEL_EVENTS: ReadonlySet<string> = new Set(["response", "error", "other", "session.created"]);

/**
 * Adds `input` to `state`'s history when it came from one of `extra`'s
 * channels and the reducer left the state unchanged. Returns true when it did.
 */
export function noteExtraChannel(
  state: WithHistory,
  extra: ReadonlySet<string>,
  input: MonitorInput,
  now: number,
): boolean {
  const { event } = input;
  if (extra.size === 0 || event.room === null || !extra.has(event.room) || NOT_CHANNEL_EVENTS.has(event.kind)) {
    return false;
  }
  noteHistory(state, {
    at: now,
    event: event.name,
    severity: event.severity,
    text: `[${event.room}] ${describeEvent(event)}`,
  });
  return true;
}
