/**
 * Where a running monitor's results go. The runtime feeds every output
 * through this one interface: the terminal (renderer, keys, signals), JSON
 * lines, a recording file, and whatever comes next (an event store, a
 * browser view) as one more file that implements it.
 *
 * @module
 */

import type { Alert, AlertChange } from "../model/alerts.ts";
import type { FilterableEvent } from "../model/event_filter.ts";
import type { HistoryEntry } from "../model/history.ts";
import type { Metrics } from "../model/metrics.ts";
import type { Envelope, Problem } from "../protocol/envelope.ts";
import type { DomainEvent } from "../protocol/events.ts";
import type { ConnectionStatus } from "../transport/connection.ts";
import type { SourceView, ViewContext } from "../ui/view_parts.ts";

/** One parsed message of one source, as the runtime hands it to outputs (decoded once, by the runtime). */
export interface Received {
  /** The source's name: `pool`, `workflow`, `mahavishnu`, `akosha`… */
  service: string;
  /** Receive time (ms). */
  receivedAt: number;
  /** The frame text as received. */
  raw: string;
  /** The parsed envelope, as the server sent it (for JSON lines and recordings). */
  message: Envelope;
  /** The same message through the decode boundary: typed and cleaned (for anything shown or stored). */
  event: DomainEvent;
}

/** A short line about an output for the status line, e.g. `recording 120`. */
export interface OutputSummary {
  text: string;
  /** False when the output stopped working (disk full, server gone). */
  ok: boolean;
}

/**
 * What the runtime offers an output: read access to the run and the few
 * things an output may ask for (clear, quit).
 */
export interface OutputHost {
  /** The clock (ms). */
  now(): number;
  /** When the run started (ms). */
  readonly startedAt: number;
  /** One entry per source: name, connection status and counters. */
  sources(): SourceView[];
  /** Messages received so far over every source, good or bad. */
  messages(): number;
  /** The monitor's view of its current state. */
  view(ctx: ViewContext): string[];
  /** The monitor's event histories, newest first, one per service. */
  history(): { service: string; entries: HistoryEntry[] }[];
  /** The alert rules and their live state. */
  readonly alerts: readonly Alert[];
  /** Events per second and latency of the run. */
  readonly metrics: Metrics;
  /** Command-line event filter (`--events`, `--severity`); absent keeps all. */
  readonly accept?: (e: FilterableEvent) => boolean;
  /** Summaries of every output (see {@link Output.summary}). */
  summaries(): OutputSummary[];
  /** Empties the event history (the `c` key). */
  clear(): void;
  /** Ends the run with `code`; `message` is printed on stderr once the terminal is restored. */
  quit(code: number, message?: string): void;
}

/** One destination of a run. Every member but {@link Output.close} is optional. */
export interface Output {
  /** True when a person watches this output: the run then outlives its sources (auth failed, replay over). */
  readonly interactive?: boolean;
  /** Called once before any source starts. */
  start?(host: OutputHost): void;
  /**
   * Every parsed message (after the state was updated). `r` is valid during the call only (the runtime fills
   * the same object for every message of a flood): copy what you keep.
   */
  received?(r: Received): void;
  /** Every connection status change of a source. */
  status?(service: string, status: ConnectionStatus): void;
  /** A frame that could not be parsed. */
  problem?(service: string, problem: Problem, receivedAt: number): void;
  /** An alert rule triggered or cleared. */
  alert?(change: AlertChange, at: number): void;
  /** The model changed: schedule a screen update. */
  changed?(): void;
  /** The monitor asks for attention (a workflow finished): ring the bell. */
  bell?(): void;
  /** A short status for the status line, or null. */
  summary?(): OutputSummary | null;
  /** The run is ending: give back what a person sees (the terminal) at once, before the sources close. */
  ending?(): void;
  /** Flush, restore, release. */
  close(): Promise<void>;
}
