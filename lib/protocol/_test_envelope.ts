/** Test helper: envelopes as a server sends them, raw or decoded. @module */

import { decodeMessage } from "./decode.ts";
import type { Envelope } from "./envelope.ts";
import type { DomainEvent } from "./events.ts";

/** An envelope of `type` (default `event`) named `event` carrying `data`. */
export function ev(event: string, data: Record<string, unknown>, type = "event"): Envelope {
  return {
    id: "x",
    correlation_id: null,
    type,
    event,
    data,
    timestamp: null,
    room: null,
    error_code: null,
    error_message: null,
  };
}

/** The same envelope as {@link ev}, through the decode boundary. */
export function decoded(event: string, data: Record<string, unknown>, type = "event"): DomainEvent {
  return decodeMessage(ev(event, data, type));
}

/**
 * Text a hostile server may send: screen clears, title changes (OSC),
 * hyperlinks, DCS strings, bells, backspaces, carriage returns, line breaks,
 * bidi overrides, zero-width characters, C1 CSI and a cut sequence. The
 * visible words (`click`, `bidieerht`, …) must survive cleaning.
 */
export const HOSTILE_TEXTS: readonly string[] = [
  "\x1b[2J\x1b[H",
  "\x1b]0;owned\x07",
  "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\",
  "\x1bPq#0;2;0;0;0\x1b\\",
  "bell\x07",
  "back\b\b\bspace",
  "carriage\rreturn",
  "line\nbreak",
  "bidi\u202eeerht",
  "zero\u200bwidth",
  "\x9b31m",
  "\x1b[",
];
