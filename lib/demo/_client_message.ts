/**
 * Decodes a client message as strictly as the real servers' message model
 * does: a JSON object whose `type` is one of the protocol's types, `data` an
 * object, `id` and `timestamp` strings when present, the other envelope
 * fields strings or null. Unknown fields are ignored. Anything else is a
 * DECODE_ERROR on the real servers.
 *
 * @module
 */

const TYPES: ReadonlySet<string> = new Set([
  "request",
  "subscribe",
  "unsubscribe",
  "ping",
  "response",
  "event",
  "error",
  "pong",
  "ack",
]);
const NULLABLE = ["correlation_id", "event", "room", "error_code", "error_message"] as const;
const REQUIRED_IF_PRESENT = ["id", "timestamp"] as const;

/** A decoded client message (only the fields the simulator uses). */
export interface ClientMessage {
  type: string;
  event: string | null;
  correlation_id: string | null;
  data: Record<string, unknown>;
}

/** The result of {@link decodeClientMessage}. */
export type DecodeResult = { ok: true; message: ClientMessage } | { ok: false; reason: string };

/** Decodes one text frame; never throws. */
export function decodeClientMessage(frame: string): DecodeResult {
  let value: unknown;
  try {
    value = JSON.parse(frame);
  } catch {
    return { ok: false, reason: "Invalid JSON" };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { ok: false, reason: "Input should be an object" };
  }
  const raw = value as Record<string, unknown>;
  if (typeof raw.type !== "string" || !TYPES.has(raw.type)) {
    return { ok: false, reason: "type: Input should be one of the message types" };
  }
  for (const key of REQUIRED_IF_PRESENT) {
    if (key in raw && typeof raw[key] !== "string") return { ok: false, reason: `${key}: Input should be a string` };
  }
  for (const key of NULLABLE) {
    const v = raw[key];
    if (v !== undefined && v !== null && typeof v !== "string") {
      return { ok: false, reason: `${key}: Input should be a string or null` };
    }
  }
  const data = raw.data;
  if (data !== undefined && (data === null || typeof data !== "object" || Array.isArray(data))) {
    return { ok: false, reason: "data: Input should be a valid dictionary" };
  }
  return {
    ok: true,
    message: {
      type: raw.type,
      event: typeof raw.event === "string" ? raw.event : null,
      correlation_id: typeof raw.correlation_id === "string" ? raw.correlation_id : null,
      data: (data ?? {}) as Record<string, unknown>,
    },
  };
}
