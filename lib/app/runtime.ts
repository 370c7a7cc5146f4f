/**
 * The runtime: runs one {@link Monitor}. It owns the monitor's state, the
 * connections (or a replayed recording), change tracking, clear and notes,
 * alert rules, metrics, the history export and the exit code, and feeds
 * everything that happens to its outputs through one interface
 * ({@link Output}). Like bubbletea's program loop, every input — a server
 * message, a key's effect, a signal, a tick — goes through the same few
 * paths; what is shown where is the outputs' business.
 *
 * Every way out (a key, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2,
 * SIGALRM, an uncaught error or rejection, `finished`) closes the sources
 * with code 1000 and every output, in that order. Exit codes are
 * {@link EXIT_CODES}.
 *
 * @module
 */

import { type Alert, type AlertChange, evaluateAlerts } from "../model/alerts.ts";
import type { FilterableEvent } from "../model/event_filter.ts";
import {
  countEvent,
  createMetrics,
  eventsPerSecond,
  latencyPercentiles,
  type Metrics,
  recordLatency,
  wantsLatency,
} from "../model/metrics.ts";
import { DedupWindow } from "../model/dedup.ts";
import { decodeMessage } from "../protocol/decode.ts";
import { payloadTime } from "../protocol/timestamp.ts";
import type { DomainEvent } from "../protocol/events.ts";
import type { Envelope, Problem } from "../protocol/envelope.ts";
import { sanitizeText } from "../protocol/sanitize.ts";
import {
  Connection,
  type ConnectionCounters,
  type ConnectionOptions,
  type ConnectionStatus,
  type MessageInfo,
} from "../transport/connection.ts";
import type { SourceView, ViewContext } from "../ui/view_parts.ts";
import { EXIT_CODES } from "./exit_codes.ts";
import type { Monitor, ServiceHistory, SourceSpec } from "./monitor.ts";
import type { Output, OutputHost, OutputSummary, Received } from "./output.ts";
import { exportHistory, readRecording, type RecordedFrame } from "./recorder.ts";
import { ReplayFeed } from "./replay_feed.ts";
import { type ReplayClock, replayClockFor } from "./replay_clock.ts";

/** Options for {@link runMonitor}. */
export interface RunOptions {
  /** Where results go: the terminal, JSON lines, a recording… At least one. */
  outputs: Output[];
  /** Alert rules (`--alert`), checked every {@link RunOptions.alertIntervalMs}. Default none. */
  alerts?: Alert[];
  /** Alert check interval (ms). Default 100. */
  alertIntervalMs?: number;
  /** Keeps an event in the history export and the outputs (`--events`, `--severity`). Default: all. */
  accept?: (e: FilterableEvent) => boolean;
  /** Drive the monitor from this recording instead of the servers (`--replay`). */
  replayPath?: string;
  /** The frames to replay when they were read already (a store: `--replay events.db`); `replayPath` labels them. */
  replayFrames?: RecordedFrame[];
  /** Replay speed factor. Default 1. */
  replaySpeed?: number;
  /** Write the event history here on exit, `.csv` or `.jsonl` (`--export`). */
  exportPath?: string;
  /** Clock. Default `Date.now`. */
  now?: () => number;
  /** Time (ms) the sources get to close at the end. Default 2 000. */
  closeTimeoutMs?: number;
}

/** What the runtime needs of a source: a {@link Connection} or a {@link ReplayFeed}. */
type Feed = Pick<Connection, "status" | "counters" | "start" | "close">;

/**
 * Signals that end the run cleanly (exit code 0). Every signal whose default
 * action ends the process is here, so that none leaves the terminal in raw
 * mode on the alternate screen (SIGKILL cannot be caught).
 */
export const EXIT_SIGNALS: Deno.Signal[] = Deno.build.os === "windows"
  ? ["SIGINT", "SIGBREAK"]
  : ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM"];

/** What the runtime keeps per source while it runs. */
interface SourceRun {
  readonly service: string;
  /** Recently seen event ids: a duplicate delivery changes the state once. */
  readonly dedup: DedupWindow;
}

/** Connection states after which a source delivers nothing more. */
const ENDED = new Set(["auth_failed", "config_error", "closed"]);

/** Runs `monitor` until an output quits, a signal arrives or `finished` says so; resolves to the exit code. */
export async function runMonitor<S>(monitor: Monitor<S>, options: RunOptions): Promise<number> {
  return await new MonitorRun(monitor, options).run();
}

/** One run of a monitor; also the {@link OutputHost} its outputs see. */
class MonitorRun<S> implements OutputHost {
  readonly startedAt: number;
  readonly alerts: readonly Alert[];
  readonly metrics: Metrics;
  readonly accept?: (e: FilterableEvent) => boolean;
  #monitor: Monitor<S>;
  #options: RunOptions;
  #state: S;
  #outputs: Output[];
  #feeds: Feed[] = [];
  #now: () => number;
  #exit: { code: number; message?: string } | null = null;
  #resolveExit!: (code: number) => void;
  #exited = new Promise<number>((resolve) => this.#resolveExit = resolve);
  #bellsSeen: number;
  /** The monitor's final summary, when it ended by itself (`finished`). */
  #farewell: string[] = [];
  #recording: ReturnType<typeof readRecording> | null;
  #replayClock: ReplayClock | null;
  #runs: SourceRun[] = [];
  /** Handed to the outputs for every message, refilled each time (see {@link Output.received}). */
  #received: Received = { service: "", receivedAt: 0, raw: "", message: null!, event: null! };

  constructor(monitor: Monitor<S>, options: RunOptions) {
    if (options.outputs.length === 0) throw new TypeError("Cannot run a monitor as outputs is empty");
    this.#monitor = monitor;
    this.#options = options;
    this.#outputs = options.outputs;
    this.#recording = options.replayFrames
      ? { frames: options.replayFrames, skipped: 0 }
      : options.replayPath
      ? readRecording(Deno.readTextFileSync(options.replayPath))
      : null;
    // A replay runs on the recording's own time: elapsed times read as they did when it was recorded.
    this.#replayClock = this.#recording
      ? replayClockFor(this.#recording.frames, options.replaySpeed, options.now)
      : null;
    const clock = this.#replayClock;
    this.#now = clock ? () => clock.now() : options.now ?? Date.now;
    this.startedAt = this.#now();
    this.alerts = options.alerts ?? [];
    this.accept = options.accept;
    this.metrics = createMetrics(this.startedAt);
    this.#state = monitor.init(this.startedAt);
    this.#bellsSeen = monitor.bells?.(this.#state) ?? 0;
  }

  now(): number {
    return this.#now();
  }

  sources(): SourceView[] {
    return this.#feeds.map((feed, i) => ({
      name: this.#monitor.sources[i].name,
      status: feed.status,
      messages: feed.counters.messages,
      malformed: feed.counters.malformed,
      reconnects: feed.counters.reconnects,
    }));
  }

  messages(): number {
    return this.#counted("messages");
  }

  view(ctx: ViewContext): string[] {
    return this.#monitor.view(this.#state, ctx);
  }

  history(): ServiceHistory[] {
    return this.#monitor.history(this.#state);
  }

  summaries(): OutputSummary[] {
    const duplicates = this.duplicates();
    const own = duplicates > 0 ? [{ text: `duplicates ${duplicates}`, ok: true }] : [];
    return [...own, ...this.#outputs.flatMap((o) => o.summary?.() ?? [])];
  }

  /** Events delivered again with an id seen recently (counted once in the state). */
  duplicates(): number {
    let n = 0;
    for (const run of this.#runs) n += run.dedup.duplicates;
    return n;
  }

  clear(): void {
    this.#monitor.clear(this.#state);
    this.#each((o) => o.changed?.());
  }

  quit(code: number, message?: string): void {
    if (this.#exit) return;
    this.#exit = { code, message };
    this.#resolveExit(code);
  }

  /** Starts outputs, then sources; waits for the end; closes sources, then outputs. */
  async run(): Promise<number> {
    const onSignal = () => this.quit(0);
    const onError = (event: ErrorEvent) => {
      event.preventDefault();
      this.quit(EXIT_CODES.failed, `unexpected error: ${event.error?.stack ?? event.message}`);
    };
    const onRejection = (event: PromiseRejectionEvent) => {
      event.preventDefault();
      this.quit(EXIT_CODES.failed, `unexpected error: ${event.reason?.stack ?? event.reason}`);
    };
    for (const signal of EXIT_SIGNALS) Deno.addSignalListener(signal, onSignal);
    globalThis.addEventListener("error", onError);
    globalThis.addEventListener("unhandledrejection", onRejection);
    let alertTimer: ReturnType<typeof setInterval> | null = null;
    try {
      this.#feeds = this.#createFeeds();
      for (const output of this.#outputs) output.start?.(this);
      // Time-based rules (stage_duration) need a clock even when nothing arrives.
      if (this.alerts.length > 0) {
        alertTimer = setInterval(() => this.#checkAlerts(), this.#options.alertIntervalMs ?? 100);
      }
      for (const feed of this.#feeds) feed.start();
      await this.#exited;
    } finally {
      if (alertTimer !== null) clearInterval(alertTimer);
      this.#each((o) => o.ending?.());
      await this.#closeFeeds();
      this.#checkAlerts();
      this.#export();
      for (const output of this.#outputs) {
        try {
          await output.close();
        } catch (error) {
          // Data that could not be written is an error even when the run itself went well.
          const message = error instanceof Error ? error.message : `closing an output failed: ${error}`;
          if (this.#exit?.code === EXIT_CODES.ok) this.#exit = { code: EXIT_CODES.output, message };
          else if (this.#exit?.message !== message) quietly(() => console.error(message));
        }
      }
      // Only now: a hangup that arrives while the sockets close (the terminal went away) must not kill the
      // process with the default action before the 1000 close frames are out.
      for (const signal of EXIT_SIGNALS) Deno.removeSignalListener(signal, onSignal);
      globalThis.removeEventListener("error", onError);
      globalThis.removeEventListener("unhandledrejection", onRejection);
      // After the terminal is restored: the final summary on the main screen, then the reason on stderr.
      if (this.#farewell.length > 0 && this.#outputs.some((o) => o.interactive)) {
        quietly(() => console.log(this.#farewell.join("\n")));
      }
      if (this.#exit?.message) quietly(() => console.error(this.#exit!.message));
    }
    return this.#exit?.code ?? EXIT_CODES.failed;
  }

  #createFeeds(): Feed[] {
    const { replayPath, replaySpeed } = this.#options;
    const recording = this.#recording;
    if (recording && recording.skipped > 0) {
      console.error(`replay: skipped ${recording.skipped} unreadable line(s) of ${replayPath}`);
    }
    return this.#monitor.sources.map((source) => {
      const run: SourceRun = { service: source.name, dedup: new DedupWindow() };
      this.#runs.push(run);
      const callbacks = {
        onMessage: (message: Envelope, info: MessageInfo) => this.#onMessage(run, message, info),
        onProblem: (problem: Problem, receivedAt: number) => this.#problem(source.name, problem, receivedAt),
        onStatus: (status: ConnectionStatus) => this.#status(source.name, status),
      };
      if (recording) {
        const frames = recording.frames.filter((f) => f.service === source.name);
        return new ReplayFeed(`${replayPath} (${source.name})`, frames, {
          speed: replaySpeed,
          clock: this.#replayClock ?? undefined,
          ...callbacks,
        });
      }
      return connect(source, callbacks);
    });
  }

  #onMessage(run: SourceRun, message: Envelope, info: MessageInfo): void {
    if (this.#exit) return;
    const event = decodeMessage(message);
    // One object per message: the monitor's input, then what the outputs get (see Output.received).
    const received = this.#received;
    received.service = run.service;
    received.receivedAt = info.receivedAt;
    received.raw = info.raw;
    received.message = message;
    received.event = event;
    const changed = !isDuplicate(run.dedup, event) && this.#monitor.update(this.#state, received, info.receivedAt);
    if (message.type === "event") {
      const metrics = this.metrics;
      countEvent(metrics, info.receivedAt);
      if (wantsLatency(metrics, info.receivedAt)) recordLatency(metrics, info.receivedAt, payloadTime(event));
    }
    // Plain loops, no closure per message: this path runs for every message of a flood.
    const outputs = this.#outputs;
    for (let i = 0; i < outputs.length; i++) outputs[i].received?.(received);
    if (!changed) return;
    for (let i = 0; i < outputs.length; i++) outputs[i].changed?.();
    const bells = this.#monitor.bells?.(this.#state) ?? 0;
    if (bells > this.#bellsSeen) this.#each((o) => o.bell?.());
    this.#bellsSeen = bells;
    const code = this.#monitor.finished?.(this.#state) ?? null;
    if (code === null) return;
    this.#farewell = this.#monitor.farewell?.(this.#state, info.receivedAt) ?? [];
    // Nobody watches a screen: an unusual ending (not 0 or 1) still says why, on stderr.
    const interactive = this.#outputs.some((o) => o.interactive);
    this.quit(code, !interactive && code > 1 && this.#farewell.length > 0 ? this.#farewell.join("\n") : undefined);
  }

  #problem(service: string, problem: Problem, receivedAt: number): void {
    if (this.#exit) return;
    this.#each((o) => o.problem?.(service, problem, receivedAt));
  }

  #status(service: string, status: ConnectionStatus): void {
    this.#each((o) => o.status?.(service, status));
    if (this.#exit || this.#feeds.length === 0 || this.#outputs.some((o) => o.interactive)) return;
    // Nobody watches: end when no source can deliver anything any more (other states may still recover).
    const states = this.#feeds.map((f) => f.status.state as string);
    if (!states.every((s) => ENDED.has(s))) return;
    const reason = sanitizeText(status.reason ?? "");
    if (states.every((s) => s === "auth_failed")) this.quit(EXIT_CODES.config, `authentication failed: ${reason}`);
    else if (states.some((s) => s !== "closed")) this.quit(EXIT_CODES.config, `no source can connect: ${reason}`);
    else if (this.#options.replayPath) this.quit(0);
  }

  #checkAlerts(): void {
    if (this.alerts.length === 0) return;
    const now = this.#now();
    const latency = latencyPercentiles(this.metrics);
    const values = {
      events_per_second: eventsPerSecond(this.metrics, now),
      latency_p99: latency?.p99,
      malformed: this.#counted("malformed"),
      reconnects: this.#counted("reconnects"),
      ...this.#monitor.alertValues?.(this.#state, now),
    };
    for (const change of evaluateAlerts(this.alerts as Alert[], values, now)) this.#alert(change, now);
  }

  #alert(change: AlertChange, at: number): void {
    const triggered = change.kind === "triggered";
    const text = `${triggered ? "ALERT" : "cleared"} ${change.alert.text} (now ${change.actual ?? "?"})`;
    this.#monitor.note(this.#state, { at, event: "alert", severity: triggered ? "error" : "info", text });
    this.#each((o) => o.alert?.(change, at));
    this.#each((o) => o.changed?.());
  }

  async #closeFeeds(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.all(this.#feeds.map((f) => f.close())),
      new Promise((resolve) => timer = setTimeout(resolve, this.#options.closeTimeoutMs ?? 2000)),
    ]);
    clearTimeout(timer);
  }

  #export(): void {
    const path = this.#options.exportPath;
    if (!path) return;
    try {
      const histories = this.history();
      for (const h of histories) {
        const file = histories.length > 1 ? path.replace(/(\.\w+)?$/, `.${h.service}$1`) : path;
        exportHistory(file, h.service, this.accept ? h.entries.filter(this.accept) : h.entries);
      }
    } catch (error) {
      console.error(`export to ${path} failed: ${error instanceof Error ? error.message : error}`);
    }
  }

  /** Calls `fn` on every output. */
  #each(fn: (output: Output) => void): void {
    for (const output of this.#outputs) fn(output);
  }

  /** A counter summed over every source. */
  #counted(key: keyof ConnectionCounters): number {
    return this.#feeds.reduce((n, f) => n + f.counters[key], 0);
  }
}

/** True when `event` is an event whose id its source delivered recently (answers and errors are never duplicates). */
function isDuplicate(window: DedupWindow, event: DomainEvent): boolean {
  const kind = event.kind;
  if (event.id === null || kind === "response" || kind === "error" || kind === "other") return false;
  return window.seen(event.id);
}

/** Opens the connection of one source. */
function connect(
  source: SourceSpec,
  callbacks: Pick<ConnectionOptions, "onMessage" | "onProblem" | "onStatus">,
): Connection {
  return new Connection(source.url, {
    channels: source.channels,
    token: source.token,
    caCerts: source.caCerts,
    initialRequests: source.initialRequests,
    ...source.connection,
    ...callbacks,
  });
}

/** Runs `fn` (a write to stdout or stderr): a terminal or pipe that is gone is no reason to fail on the way out. */
function quietly(fn: () => void): void {
  try {
    fn();
  } catch { /* the reader is gone */ }
}
