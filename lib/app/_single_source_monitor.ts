/**
 * Builds a {@link Monitor} from the parts of a monitor with one source and
 * one reducer state that keeps a history (the pool and workflow monitors).
 *
 * @module
 */

import { clearHistory, noteHistory, type WithHistory } from "../model/history.ts";
import type { ViewContext } from "../ui/view_parts.ts";
import type { Envelope } from "../protocol/envelope.ts";
import type { Monitor, MonitorInput, SourceSettings, SourceSpec } from "./monitor.ts";
import { noteExtraChannel } from "./_extra_channels.ts";

/** Where a single-source monitor connects: its server and connection settings. */
export interface SingleSourceOptions extends SourceSettings {
  /** The server, `ws://HOST:PORT`. */
  url: string;
  /** More channels to follow (`--subscribe`); their events the reducer does not use appear in the history. */
  extraChannels?: string[];
}

/** What differs between single-source monitors. */
export interface SingleSourceParts<T extends WithHistory> {
  /** The source's name (inputs and exported histories carry it). */
  name: string;
  /** The monitor's channel. */
  channel: string;
  /** Channels whose events the reducer uses too (the workflow monitor's `--pool`); not noted as extra. */
  alsoFollow?: string[];
  /** The snapshot request sent after every (re)connect. */
  snapshot(): Envelope;
  /** Server and connection settings. */
  options: SingleSourceOptions;
  /** A fresh reducer state. */
  create(): T;
  /** The reducer. */
  reduce(state: T, input: MonitorInput, now: number): T;
  view(state: T, ctx: ViewContext): string[];
  alertValues?(state: T, now: number): Record<string, number | undefined>;
  finished?(state: T): number | null;
  farewell?(state: T, now: number): string[];
  bells?(state: T): number;
}

/** The state a single-source monitor keeps: its reducer state, replaced by each update. */
export interface Holder<T> {
  current: T;
}

/** A monitor over `parts`; a change is a change of the state's `version`. */
export function singleSourceMonitor<T extends WithHistory>(parts: SingleSourceParts<T>): Monitor<Holder<T>> {
  const { name, alertValues, finished, farewell, bells, options } = parts;
  const own = new Set([parts.channel, ...(parts.alsoFollow ?? [])]);
  const extra = new Set((options.extraChannels ?? []).filter((c) => !own.has(c)));
  const source: SourceSpec = {
    name,
    url: options.url,
    channels: [...new Set([parts.channel, ...(parts.alsoFollow ?? []), ...(options.extraChannels ?? [])])],
    initialRequests: () => [parts.snapshot()],
    token: options.token,
    caCerts: options.caCerts,
    connection: options.connection,
  };
  return {
    sources: [source],
    init: () => ({ current: parts.create() }),
    update: (s, input, now) => {
      const before = s.current.version;
      s.current = parts.reduce(s.current, input, now);
      return s.current.version !== before || noteExtraChannel(s.current, extra, input, now);
    },
    view: (s, ctx) => parts.view(s.current, ctx),
    alertValues: alertValues && ((s, now) => alertValues(s.current, now)),
    history: (s) => [{ service: name, entries: s.current.history.newestFirst() }],
    note: (s, entry) => void noteHistory(s.current, entry),
    clear: (s) => void clearHistory(s.current),
    finished: finished && ((s) => finished(s.current)),
    farewell: farewell && ((s, now) => farewell(s.current, now)),
    bells: bells && ((s) => bells(s.current)),
  };
}
