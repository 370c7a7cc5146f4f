/**
 * Runs a monitor: wires connections to the monitor's reducers, and either
 * draws its view live on the terminal (keys, resize, pause, filter, help)
 * or, when stdout is not a terminal, prints one JSON line per message.
 * Every way out (q, Ctrl+C, SIGINT, SIGTERM, SIGHUP, an error) restores the
 * terminal and closes the sockets with code 1000.
 *
 * @module
 */

import { type Alert, evaluateAlerts } from "../model/alerts.ts";
import { formatClock } from "../protocol/timestamp.ts";
import {
  Connection,
  type ConnectionCounters,
  type ConnectionOptions,
  type ConnectionStatus,
} from "../transport/connection.ts";
import { HELP_LINES, initialUi, parseKeys, reduceUi, type UiState } from "../ui/keys.ts";
import type { Envelope, Problem } from "../protocol/envelope.ts";
import { LiveRenderer, stdoutSink, type TerminalSink } from "../ui/renderer.ts";
import { createStyle } from "../ui/style.ts";
import { createMetrics, eventsPerSecond, latencyPercentiles, recordEvent, sparkline } from "../model/metrics.ts";
import type { HistoryEntry } from "../model/history.ts";
import { decodeMessage } from "../protocol/decode.ts";
import type { DomainEvent } from "../protocol/events.ts";
import { exportHistory, readRecording, Recorder } from "./recorder.ts";
import { ReplayFeed } from "./replay_feed.ts";
import { fit, truncate } from "../ui/text.ts";
import { spread } from "../ui/view_parts.ts";
import type { SourceView, ViewContext } from "../ui/view_parts.ts";

/** One server connection of a monitor. */
export interface SourceSpec {
  /** Short service name: `pool`, `mahavishnu`, `akosha`… */
  name: string;
  url: string;
  channels: string[];
  /** Requests after every (re)connect, e.g. a status snapshot. */
  initialRequests?: () => Envelope[];
  /** Applies a decoded message to the monitor's state (calls its reducer). */
  apply(event: DomainEvent, now: number): void;
  token?: string;
  caCerts?: string[];
  /** Extra connection settings (timeouts, backoff). */
  connection?: Partial<ConnectionOptions>;
}

/** Options for {@link runLiveApp}. */
export interface LiveAppOptions {
  sources: SourceSpec[];
  /** Changes whenever the monitor state changed (sum of reducer versions). */
  version(): number;
  /** The monitor's view. */
  view(ctx: ViewContext): string[];
  /** Clears the event history (the `c` key). */
  clear(): void;
  /** Frame interval in ms (at most one frame per interval). Default 100. */
  refreshMs?: number;
  /** Colour on a terminal. Default true (NO_COLOR is honoured by the caller). */
  color?: boolean;
  /** JSON-lines mode. Default: when stdout is not a terminal. */
  json?: boolean;
  /** Exit code once the monitor should end by itself, else null. Checked after every message. */
  finished?(): number | null;
  /** A counter: each increase rings the terminal bell once. */
  bells?(): number;
  /** Where frames go. Default stdout. */
  sink?: TerminalSink;
  /** Clock. Default `Date.now`. */
  now?: () => number;
  /** Keeps an event in the history and JSON output (`--events`, `--severity`). Default: all. */
  accept?: (e: { event: string; severity: HistoryEntry["severity"] }) => boolean;
  /** Append every received frame to this JSONL file (`--record`). */
  recordPath?: string;
  /** Drive the monitor from this recording instead of servers (`--replay`). */
  replayPath?: string;
  /** Replay speed factor. Default 1. */
  replaySpeed?: number;
  /** Write the event history here on exit, `.csv` or `.jsonl` (`--export`). */
  exportPath?: string;
  /** Alert rules (`--alert`). */
  alerts?: Alert[];
  /** The monitor's fields for alert rules, at `now`. */
  alertValues?(now: number): Record<string, number | undefined>;
  /** Adds an entry to the monitor's event history (alerts appear there). */
  note?(entry: HistoryEntry): void;
  /** The histories to export, per service. */
  history?(): { service: string; entries: HistoryEntry[] }[];
}

/** What the app needs of a feed: a {@link Connection} or a {@link ReplayFeed}. */
type Feed = Pick<Connection, "status" | "counters" | "start" | "close">;

/** Runs until quit or `finished`; resolves to the exit code. */
export async function runLiveApp(options: LiveAppOptions): Promise<number> {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const json = options.json ?? !Deno.stdout.isTerminal();
  const refreshMs = options.refreshMs ?? 100;
  const style = createStyle(!json && (options.color ?? true));
  const sink = options.sink ?? stdoutSink();
  const renderer = new LiveRenderer(sink);
  const out = new JsonLineWriter();

  let ui: UiState = initialUi();
  let frozen: string[] | null = null;
  let resolveDone!: (code: number) => void;
  let exitMessage: string | null = null;
  const done = new Promise<number>((resolve) => resolveDone = resolve);
  let finishedCode: number | null = null;
  const finish = (code: number, message?: string) => {
    if (finishedCode !== null) return;
    finishedCode = code;
    if (message) exitMessage = message;
    resolveDone(code);
  };

  // --- frames ---------------------------------------------------------------
  let frameTimer: ReturnType<typeof setTimeout> | null = null;
  let lastFrameAt = 0;
  let drawnVersion = -1;
  let dirty = true;
  let bellsSeen = options.bells?.() ?? 0;
  const requestFrame = () => {
    dirty = true;
    if (json || frameTimer !== null || finishedCode !== null) return;
    frameTimer = setTimeout(drawFrame, Math.max(0, lastFrameAt + refreshMs - now()));
  };
  const context = (): ViewContext => ({
    now: now(),
    ...sink.size(),
    style,
    sources: connections.map((c, i) => sourceView(c, options.sources[i].name)),
    filter: ui.filter,
    accept: options.accept,
    scroll: ui.scroll,
    tableScroll: ui.tableScroll,
    startedAt,
  });
  const drawFrame = () => {
    frameTimer = null;
    lastFrameAt = now();
    checkAlerts();
    const version = options.version();
    if (!dirty && version === drawnVersion) return;
    dirty = false;
    drawnVersion = version;
    try {
      renderer.render(compose());
    } catch (error) {
      finish(1, `the view failed: ${error instanceof Error ? error.stack ?? error.message : error}`);
    }
    const bells = options.bells?.() ?? 0;
    if (bells > bellsSeen) sink.write("\x07");
    bellsSeen = bells;
  };
  /** A counter summed over every connection. */
  const counted = (key: keyof ConnectionCounters) => connections.reduce((n, c) => n + c.counters[key], 0);
  const alerts = options.alerts ?? [];
  const checkAlerts = () => {
    if (alerts.length === 0) return;
    const t = now();
    const lat = latencyPercentiles(metrics);
    const values = {
      events_per_second: eventsPerSecond(metrics, t),
      latency_p99: lat?.p99,
      malformed: counted("malformed"),
      reconnects: counted("reconnects"),
      ...options.alertValues?.(t),
    };
    for (const change of evaluateAlerts(alerts, values, t)) {
      const text = `${change.kind === "triggered" ? "ALERT" : "cleared"} ${change.alert.text} (now ${
        change.actual ?? "?"
      })`;
      options.note?.({ at: t, event: "alert", severity: change.kind === "triggered" ? "error" : "info", text });
      if (json) {
        out.line({
          time: new Date(t).toISOString(),
          kind: "alert",
          state: change.kind,
          rule: change.alert.text,
          value: change.actual ?? null,
        });
      } else if (change.kind === "triggered") sink.write("\x07");
      dirty = true;
    }
  };
  const metricsLine = (width: number): string => {
    const t = now();
    const lat = latencyPercentiles(metrics);
    const reconnects = counted("reconnects");
    const left =
      `${style.bold(String(eventsPerSecond(metrics, t)))} events/s ${style.cyan(sparkline(metrics, t, 30))}  ` +
      `latency ${lat ? `p50 ${Math.round(lat.p50)}ms p99 ${Math.round(lat.p99)}ms` : "n/a"}`;
    // Malformed messages are in every view's footer, counted with the payloads the reducer could not use.
    const right = `reconnects ${reconnects}` +
      (recorder ? ` · ${recorder.error ? style.red("recording stopped") : `recording ${recorder.lines}`}` : "");
    return spread(left, right, width);
  };
  const compose = (): string[] => {
    const full = context();
    const width = full.columns;
    const banners = alerts.filter((a) => a.active).slice(0, 3).map((a) =>
      style.alert(fit(` ALERT ${a.text} since ${a.since !== null ? formatClock(a.since) : "?"} `, width))
    );
    const ctx = { ...full, rows: full.rows - 1 - banners.length };
    let lines: string[];
    if (ui.help) {
      lines = HELP_LINES.map((l, i) => i === 0 ? style.bold(l) : l);
    } else if (ui.paused) {
      frozen ??= options.view(ctx);
      const total = counted("messages");
      lines = [
        style.alert(fit(` PAUSED: ${total - ui.pausedAtCount} new messages since the pause (p to resume) `, width)),
        ...frozen.slice(1),
      ];
    } else {
      frozen = null;
      lines = options.view(ctx);
    }
    lines = lines.slice(0, ctx.rows);
    while (lines.length < ctx.rows) lines.push("");
    if (ui.editingFilter) lines[ctx.rows - 1] = style.inverse(fit(`/${ui.filter}▌  (Enter keep, Esc clear)`, width));
    lines.push(truncate(metricsLine(width), width));
    return [...banners, ...lines];
  };

  // --- connections ----------------------------------------------------------
  const onStatus = (source: SourceSpec) => (status: ConnectionStatus) => {
    if (json) {
      out.line({
        time: new Date(now()).toISOString(),
        service: source.name,
        kind: "status",
        state: status.state,
        attempt: status.attempt,
        reason: status.reason,
      });
      if (connections.length > 0 && connections.every((c) => c.status.state === "auth_failed")) {
        finish(1, `authentication failed: ${status.reason}`);
      }
      if (options.replayPath && connections.length > 0 && connections.every((c) => c.status.state === "closed")) {
        finish(0);
      }
    }
    requestFrame();
  };
  const metrics = createMetrics(now());
  // JSON lines and recordings are flushed 100 ms after the first unflushed line: no timer runs while idle.
  let flushTimer: ReturnType<typeof setTimeout> | null = null;
  const flushOutputs = () => {
    if (flushTimer !== null) clearTimeout(flushTimer);
    flushTimer = null;
    out.flush();
    recorder?.flush();
  };
  const scheduleFlush = () => {
    if (flushTimer === null) flushTimer = setTimeout(flushOutputs, 100);
  };
  out.onLine = scheduleFlush;
  const recorder = options.recordPath ? new Recorder(options.recordPath) : null;
  const recording = options.replayPath ? readRecording(Deno.readTextFileSync(options.replayPath)) : null;
  if (recording && recording.skipped > 0) {
    console.error(`replay: skipped ${recording.skipped} unreadable line(s) of ${options.replayPath}`);
  }
  const connections: Feed[] = options.sources.map((source) => {
    const callbacks = {
      onStatus: onStatus(source),
      onMessage: (message: Envelope, info: { receivedAt: number; raw: string }) => {
        recorder?.add(source.name, info.raw, info.receivedAt);
        if (recorder) scheduleFlush();
        const event = decodeMessage(message);
        source.apply(event, info.receivedAt);
        if (message.type === "event") recordEvent(metrics, info.receivedAt, message.data.timestamp);
        if (json) {
          const keep = !options.accept || message.type !== "event" ||
            options.accept({ event: message.event ?? "", severity: event.severity });
          if (keep) {
            out.line({ time: new Date(info.receivedAt).toISOString(), service: source.name, kind: "message", message });
          }
        }
        const code = options.finished?.() ?? null;
        if (code !== null) {
          if (!json) drawFrame();
          finish(code);
          return;
        }
        requestFrame();
      },
      onProblem: (problem: Problem, receivedAt: number) => {
        if (json) {
          out.line({ time: new Date(receivedAt).toISOString(), service: source.name, kind: "malformed", problem });
        }
        requestFrame();
      },
    };
    if (recording) {
      return new ReplayFeed(
        `${options.replayPath} (${source.name})`,
        recording.frames.filter((f) => f.service === source.name),
        { speed: options.replaySpeed, ...callbacks },
      );
    }
    return new Connection(source.url, {
      channels: source.channels,
      token: source.token,
      caCerts: source.caCerts,
      initialRequests: source.initialRequests,
      ...source.connection,
      ...callbacks,
    });
  });

  // --- exits: signals, errors -----------------------------------------------
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  const onSignal = () => finish(0);
  for (const signal of signals) Deno.addSignalListener(signal, onSignal);
  const onResize = () => {
    renderer.invalidate();
    requestFrame();
  };
  const onError = (event: ErrorEvent) => {
    event.preventDefault();
    finish(1, `unexpected error: ${event.error?.stack ?? event.message}`);
  };
  const onRejection = (event: PromiseRejectionEvent) => {
    event.preventDefault();
    finish(1, `unexpected error: ${event.reason?.stack ?? event.reason}`);
  };
  globalThis.addEventListener("error", onError);
  globalThis.addEventListener("unhandledrejection", onRejection);
  out.onBrokenPipe = () => finish(0);

  let rawMode = false;
  let clockTimer: ReturnType<typeof setTimeout> | null = null;
  let ticker: ReturnType<typeof setInterval> | null = null;
  try {
    if (!json) {
      renderer.start();
      if (Deno.build.os !== "windows") Deno.addSignalListener("SIGWINCH", onResize);
      if (Deno.stdin.isTerminal()) {
        try {
          Deno.stdin.setRaw(true);
          rawMode = true;
        } catch { /* not a tty after all */ }
        readKeys((keys) => {
          for (const key of keys) {
            const total = counted("messages");
            const [next, effect] = reduceUi(ui, key, total, Math.max(1, sink.size().rows - 10));
            if (next.paused !== ui.paused) frozen = null;
            ui = next;
            if (effect === "quit") finish(0);
            if (effect === "clear") options.clear();
          }
          drawFrame();
        });
      }
      // Clocks (uptime, time in state, countdowns) advance every second while
      // messages flow and every two seconds when the link is quiet: each wake-up costs CPU.
      let seenAtTick = -1;
      const tick = () => {
        const total = counted("messages");
        const busy = total !== seenAtTick || connections.some((c) => c.status.state !== "connected");
        seenAtTick = total;
        requestFrame();
        clockTimer = setTimeout(tick, busy ? 1000 : 2000);
      };
      clockTimer = setTimeout(tick, 1000);
      drawFrame();
    } else if (alerts.length > 0) {
      // Time-based alert rules (stage_duration) need a clock even when nothing arrives.
      ticker = setInterval(() => {
        checkAlerts();
        flushOutputs();
      }, 100);
    }
    for (const c of connections) c.start();
    return await done;
  } finally {
    if (ticker !== null) clearInterval(ticker);
    if (clockTimer !== null) clearTimeout(clockTimer);
    if (frameTimer !== null) clearTimeout(frameTimer);
    for (const signal of signals) Deno.removeSignalListener(signal, onSignal);
    if (!json && Deno.build.os !== "windows") Deno.removeSignalListener("SIGWINCH", onResize);
    renderer.stop();
    if (rawMode) {
      try {
        Deno.stdin.setRaw(false);
      } catch { /* ignore */ }
    }
    await Promise.race([
      Promise.all(connections.map((c) => c.close())),
      new Promise((resolve) => setTimeout(resolve, 2000)),
    ]);
    if (json) checkAlerts();
    flushOutputs();
    recorder?.close();
    if (recorder?.error) console.error(recorder.error);
    if (options.exportPath && options.history) {
      try {
        for (const h of options.history()) {
          const path = options.history().length > 1
            ? options.exportPath.replace(/(\.\w+)?$/, `.${h.service}$1`)
            : options.exportPath;
          exportHistory(path, h.service, options.accept ? h.entries.filter(options.accept) : h.entries);
        }
      } catch (error) {
        console.error(`export to ${options.exportPath} failed: ${error instanceof Error ? error.message : error}`);
      }
    }
    globalThis.removeEventListener("error", onError);
    globalThis.removeEventListener("unhandledrejection", onRejection);
    if (exitMessage) console.error(exitMessage);
  }
}

function sourceView(c: Feed, name: string): SourceView {
  return {
    name,
    status: c.status,
    messages: c.counters.messages,
    malformed: c.counters.malformed,
    reconnects: c.counters.reconnects,
  };
}

/** Reads stdin in the background and hands over key presses. */
function readKeys(onKeys: (keys: string[]) => void): void {
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(256);
  (async () => {
    while (true) {
      let n: number | null;
      try {
        n = await Deno.stdin.read(buffer);
      } catch {
        return;
      }
      if (n === null) return;
      const keys = parseKeys(decoder.decode(buffer.subarray(0, n)));
      if (keys.length > 0) onKeys(keys);
    }
  })();
}

/** Buffers JSON lines and writes them to stdout in chunks. */
class JsonLineWriter {
  #chunks: string[] = [];
  #size = 0;
  #encoder = new TextEncoder();
  onBrokenPipe: () => void = () => {};
  /** Called for every line, to schedule a flush. */
  onLine: () => void = () => {};
  #broken = false;

  line(value: unknown): void {
    if (this.#broken) return;
    const text = JSON.stringify(value) + "\n";
    this.onLine();
    this.#chunks.push(text);
    this.#size += text.length;
    if (this.#size >= 64 * 1024) this.flush();
  }

  flush(): void {
    if (this.#chunks.length === 0 || this.#broken) return;
    const bytes = this.#encoder.encode(this.#chunks.join(""));
    this.#chunks = [];
    this.#size = 0;
    try {
      let written = 0;
      while (written < bytes.length) written += Deno.stdout.writeSync(bytes.subarray(written));
    } catch {
      this.#broken = true;
      this.onBrokenPipe();
    }
  }
}
