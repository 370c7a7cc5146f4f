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
