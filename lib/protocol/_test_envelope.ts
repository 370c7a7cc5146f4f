/** Test helper: envelopes as a server sends them. @module */

import type { Envelope } from "./envelope.ts";

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
