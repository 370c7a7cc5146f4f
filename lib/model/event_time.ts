/**
 * Which event times to believe. A server's own timestamp is used for
 * stage times and durations only when it is plausible: not long before the
 * monitor started, not in the future. Anything else falls back to the
 * receive time and is counted as clock skew. No clock reads: the monitor's
 * start and the receive time come in as arguments.
 *
 * @module
 */

/** How far before the monitor's start an event time may lie (ms): a workflow may have started yesterday. */
export const PAST_WINDOW_MS = 24 * 3600 * 1000;
/** How far after the receive time an event time may lie (ms): clocks of two machines differ a little. */
export const FUTURE_WINDOW_MS = 5 * 60 * 1000;

/**
 * The time to use for an event: its own `time` when plausible, else `now`
 * (the receive time). `skewed` is true when a time was given but rejected.
 */
export function eventTime(
  time: number | null,
  now: number,
  origin: number,
): { at: number; skewed: boolean } {
  if (time === null) return { at: now, skewed: false };
  if (time < origin - PAST_WINDOW_MS || time > now + FUTURE_WINDOW_MS) return { at: now, skewed: true };
  return { at: time, skewed: false };
}
