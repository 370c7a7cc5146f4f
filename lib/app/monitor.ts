/**
 * A monitor is a value: where its data comes from (sources), how its state
 * starts (`init`), how one input changes it (`update`), how it looks
 * (`view`), which numbers alert rules may watch, and its event history.
 * The runtime ({@link ../app/runtime.ts}) runs any monitor; an entry script
 * only builds one from its options.
 *
 * @module
 */

import type { HistoryEntry } from "../model/history.ts";
import type { Envelope } from "../protocol/envelope.ts";
import type { DomainEvent } from "../protocol/events.ts";
import type { ConnectionOptions } from "../transport/connection.ts";
import type { ViewContext } from "../ui/view_parts.ts";

/** Connection settings a source shares with its siblings (token, CA, timeouts). */
export interface SourceSettings {
  /** Auth token (JWT), sent as the first message. Never logged. */
  token?: string;
  /** Extra trusted CA certificates (PEM) for `wss://`. */
  caCerts?: string[];
  /** Extra connection settings (timeouts, backoff). */
  connection?: Partial<ConnectionOptions>;
}

/** One server connection of a monitor. */
export interface SourceSpec extends SourceSettings {
  /** Short service name: `pool`, `mahavishnu`, `akosha`… Inputs carry it. */
  name: string;
  /** `ws://HOST:PORT` or `wss://HOST:PORT`. */
  url: string;
  /** Channels subscribed after every (re)connect. */
  channels: string[];
  /** Requests after every (re)connect, e.g. a status snapshot. */
  initialRequests?: () => Envelope[];
}

/**
 * One input to {@link Monitor.update}: a message of one source, through the
 * decode boundary (`lib/protocol/decode.ts`): typed, every string cleaned,
 * every number checked. Monitors never see raw payloads.
 */
export interface MonitorInput {
  /** The {@link SourceSpec.name} of the source it came from. */
  service: string;
  /** The decoded message. */
  event: DomainEvent;
}

/** The event history of one service, newest first. */
export interface ServiceHistory {
  service: string;
  entries: HistoryEntry[];
}

/**
 * A monitor over a state `S` (a mutable holder the runtime keeps). All
 * functions are pure but for updating `state` in place; time comes in as
 * `now`.
 */
export interface Monitor<S> {
  /** The connections, one per source. */
  sources: SourceSpec[];
  /** A fresh state at `now` (ms), when the run starts. */
  init(now: number): S;
  /** Applies one input received at `now` (valid during the call only: keep its event, not it); true when anything visible changed. */
  update(state: S, input: MonitorInput, now: number): boolean;
  /** The screen: one string per row, fitted to `ctx.columns` × `ctx.rows`. */
  view(state: S, ctx: ViewContext): string[];
  /** The fields alert rules may watch, at `now` (`queue_size`, `workers.error`…). */
  alertValues?(state: S, now: number): Record<string, number | undefined>;
  /** The event histories (for `--export`). */
  history(state: S): ServiceHistory[];
  /** Adds a ready entry (an alert) to the history. */
  note(state: S, entry: HistoryEntry): void;
  /** Empties the history (the `c` key). */
  clear(state: S): void;
  /** The exit code once the monitor should end by itself, else null (checked after every input). */
  finished?(state: S): number | null;
  /**
   * A short final summary (a few plain lines), printed on the main screen
   * after the terminal is restored when {@link Monitor.finished} ended the run.
   */
  farewell?(state: S, now: number): string[];
  /** A counter: every increase asks for attention once (the terminal bell). */
  bells?(state: S): number;
}
