/**
 * What a connection shows the rest of the program: its phase, the state a
 * view shows, the status snapshot, counters and per-message facts.
 *
 * @module
 */

/** Where a connection is in its life, in detail. */
export type ConnectionPhase =
  | "idle"
  | "connecting"
  | "authenticating"
  | "awaiting_welcome"
  | "subscribing"
  | "connected"
  | "backing_off"
  | "auth_failed"
  | "config_error"
  | "closed";

/**
 * Where a connection is in its life, as views show it: `connecting` (idle,
 * connecting, authenticating, awaiting_welcome), `connected` (subscribing,
 * connected), `reconnecting` (backing_off), `auth_failed`, `config_error`
 * (the configuration forbids the connection, e.g. no network permission for
 * the host or a token over plain ws://: reported once, never retried) and
 * `closed`.
 */
export type ConnectionState = "connecting" | "connected" | "reconnecting" | "auth_failed" | "config_error" | "closed";

/** A channel whose subscribe request the server answered with an error. */
export interface RefusedChannel {
  channel: string;
  /** The server's error code, cleaned (`FORBIDDEN`, `RATE_LIMIT_EXCEEDED`, …). */
  code: string;
}

/** A snapshot of a connection's state, for views. */
export interface ConnectionStatus {
  state: ConnectionState;
  /** The server URL. */
  url: string;
  /** Failed attempts since the last good connection. */
  attempt: number;
  /** When `reconnecting`: the time (ms) of the next attempt. */
  retryAt: number | null;
  /** Why the last connection ended or failed, in words for a person (cleaned, never the token). */
  reason: string | null;
  /** When this state began (ms). */
  since: number;
  /** The state machine's phase behind `state` (set by {@link Connection}; other feeds may leave it out). */
  phase?: ConnectionPhase;
  /** Channels the server refused to subscribe (kept until a later subscribe succeeds). */
  refused?: readonly RefusedChannel[];
}

/** Counters kept for the life of a connection. */
export interface ConnectionCounters {
  /** Frames received, good or bad. */
  messages: number;
  /** Frames that could not be parsed. */
  malformed: number;
  /** Reconnect attempts scheduled. */
  reconnects: number;
}

/** What the connection knows about a received message. */
export interface MessageInfo {
  /** Receive time (ms). */
  receivedAt: number;
  /** False for event names or types the protocol does not define. */
  known: boolean;
  /** The frame text as received (a token the server echoed is cut out, as `[token]`). */
  raw: string;
}

/** The state a view shows for each phase. */
export function publicState(phase: ConnectionPhase): ConnectionState {
  switch (phase) {
    case "idle":
    case "connecting":
    case "authenticating":
    case "awaiting_welcome":
      return "connecting";
    case "subscribing":
    case "connected":
      return "connected";
    case "backing_off":
      return "reconnecting";
    default:
      return phase;
  }
}
