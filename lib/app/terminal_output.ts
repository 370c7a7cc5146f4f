/**
 * The terminal output: draws the monitor's view live with the renderer, at
 * most one screen update per `refreshMs`, and reads keys (pause, filter, scroll,
 * help, clear, quit) and resizes. Adds the alert banners, the pause, help
 * and filter overlays and the metrics line around the view, and rings the
 * bell when the monitor or an alert asks. Gives the terminal back (main
 * screen, cursor, cooked mode) the moment the run ends.
 *
 * Like vim and less: Ctrl+Z and SIGTSTP give the terminal back and stop the
 * process, SIGCONT (`fg`) takes it again and redraws everything. Raw mode is
 * set before the first byte is drawn, so a monitor started in the
 * background (`&`) is stopped by the terminal (SIGTTOU) until `fg` instead
 * of drawing over the shell. When the terminal goes away (end of file or an
 * error on the keyboard, a write error on the screen) the run ends.
 *
 * @module
 */

import type { AlertChange } from "../model/alerts.ts";
import type { ConnectionStatus } from "../transport/status.ts";
import { eventsPerSecond, latencyPercentiles, sparkline } from "../model/metrics.ts";
import { formatClock } from "../protocol/timestamp.ts";
import { HELP_LINES, initialUi, parseKeys, reduceUi, type UiState } from "../ui/keys.ts";
import { LiveRenderer, stdoutSink, type TerminalSink } from "../ui/renderer.ts";
import { createStyle, type Style } from "../ui/style.ts";
import { fit, truncate } from "../ui/text.ts";
import { spread, type ViewContext } from "../ui/view_parts.ts";
import { EXIT_CODES } from "./exit_codes.ts";
import type { Output, OutputHost } from "./output.ts";

/** Options for {@link TerminalOutput}. */
export interface TerminalOutputOptions {
  /** Where screen updates go. Default stdout. */
  sink?: TerminalSink;
  /** At most one screen update per this many ms. Default 100. */
  refreshMs?: number;
  /** Colours. Default true (the caller honours NO_COLOR and --no-color). */
  color?: boolean;
  /** Read keys from stdin in raw mode. Default: when stdin is a terminal (or a `keyboard` is given). */
  keys?: boolean;
  /** Where keys come from. Default `Deno.stdin`. */
  keyboard?: Keyboard;
}

/** What the terminal output needs of the keyboard: raw mode and bytes. */
export type Keyboard = Pick<typeof Deno.stdin, "read" | "setRaw">;

/** How many messages the message path lets pass between two looks at the clock for a frame that is due. */
const FLOOD_CHECK = 128;

/** Ms from `now` to just past the wall clock's next second boundary, plus `extra` whole seconds. */
function untilNextSecond(now: number, extra: number): number {
  return 1000 - (((now % 1000) + 1000) % 1000) + 2 + extra * 1000;
}

/** Draws the monitor on a terminal and takes keys. */
export class TerminalOutput implements Output {
  readonly interactive = true;
  #sink: TerminalSink;
  /** The terminal could not be written or read: it is gone. */
  #gone = false;
  /** Between Ctrl+Z (or SIGTSTP) and SIGCONT. */
  #suspended = false;
  #renderer: LiveRenderer;
  #style: Style;
  #refreshMs: number;
  #keys: boolean;
  #keyboard: Keyboard;
  #host: OutputHost | null = null;
  #ui: UiState = initialUi();
  /** The view as it was when the display was paused. */
  #frozen: string[] | null = null;
  #drawTimer: ReturnType<typeof setTimeout> | null = null;
  #clockTimer: ReturnType<typeof setTimeout> | null = null;
  #lastDrawAt = 0;
  /** Messages since the message path last read the clock (see {@link FLOOD_CHECK}). */
  #sinceClockCheck = 0;
  #dirty = true;
  #statusDrawQueued = false;
  #rawMode = false;
  #ended = false;
  /** The view threw: no more screen updates. */
  #failed = false;
  #onResize = () => {
    this.#renderer.invalidate();
    // A paused screen is laid out again for the new size (from the current state).
    this.#frozen = null;
    this.#requestDraw();
  };
  #onSuspend = () => this.#suspend();
  #onContinue = () => this.#resume();

  constructor(options: TerminalOutputOptions = {}) {
    this.#sink = options.sink ?? stdoutSink();
    const guarded: TerminalSink = {
      write: (text) => {
        if (this.#gone) return;
        try {
          this.#sink.write(text);
        } catch {
          this.#terminalGone();
        }
      },
      size: () => this.#sink.size(),
    };
    this.#renderer = new LiveRenderer(guarded);
    this.#style = createStyle(options.color ?? true);
    this.#refreshMs = options.refreshMs ?? 100;
    this.#keyboard = options.keyboard ?? Deno.stdin;
    this.#keys = options.keys ?? (options.keyboard !== undefined || Deno.stdin.isTerminal());
  }

  start(host: OutputHost): void {
    this.#host = host;
    if (Deno.build.os !== "windows") {
      Deno.addSignalListener("SIGWINCH", this.#onResize);
      Deno.addSignalListener("SIGTSTP", this.#onSuspend);
      Deno.addSignalListener("SIGCONT", this.#onContinue);
    }
    // Raw mode first: in the background this stops the process (SIGTTOU) before anything is drawn.
    this.#enterRaw();
    this.#renderer.start();
    if (this.#keys) readKeys(this.#keyboard, (keys) => this.#onKeys(keys), () => this.#terminalGone());
    this.#clockTimer = setTimeout(() => this.#tick(-1), untilNextSecond(host.now(), 0));
    this.#draw();
  }

  received(): void {
    this.#requestDraw();
    // Under a flood every message is ready before the event loop turns, so the draw timer (and the
    // clock tick) may wait for seconds: every FLOOD_CHECK messages, draw here once a frame is due.
    if (++this.#sinceClockCheck >= FLOOD_CHECK) {
      this.#sinceClockCheck = 0;
      if (this.#drawTimer !== null && this.#host!.now() - this.#lastDrawAt >= this.#refreshMs) this.#draw();
    }
  }

  status(_service: string, status: ConnectionStatus): void {
    // A connection's state is what a person waits for at start-up: show it in this turn, not at the next frame
    // slot (status changes are few: the connection reports only changes a view shows, and backs off between
    // attempts). After the current message, so that changes made together (connected, then refused) draw as one;
    // not while subscriptions are unanswered (that reads "connected" before a refusal could be shown).
    if (status.phase === "subscribing") return this.#requestDraw();
    this.#dirty = true;
    if (this.#statusDrawQueued || !this.#host) return;
    this.#statusDrawQueued = true;
    queueMicrotask(() => {
      this.#statusDrawQueued = false;
      if (this.#dirty) this.#draw();
    });
  }

  problem(): void {
    this.#requestDraw();
  }

  changed(): void {
    this.#requestDraw();
  }

  alert(change: AlertChange): void {
    if (change.kind === "triggered") this.bell();
    this.#requestDraw();
  }

  bell(): void {
    if (!this.#ended) this.#renderer.bell();
  }

  ending(): void {
    if (this.#ended) return;
    if (this.#dirty && this.#host && !this.#failed) this.#draw();
    this.#ended = true;
    if (this.#drawTimer !== null) clearTimeout(this.#drawTimer);
    if (this.#clockTimer !== null) clearTimeout(this.#clockTimer);
    this.#drawTimer = this.#clockTimer = null;
    if (this.#host && Deno.build.os !== "windows") {
      Deno.removeSignalListener("SIGWINCH", this.#onResize);
      Deno.removeSignalListener("SIGTSTP", this.#onSuspend);
      Deno.removeSignalListener("SIGCONT", this.#onContinue);
    }
    this.#renderer.stop();
    this.#leaveRaw();
  }

  close(): Promise<void> {
    this.ending();
    return Promise.resolve();
  }

  #onKeys(keys: string[]): void {
    const host = this.#host;
    if (!host || this.#ended) return;
    for (const key of keys) {
      const page = Math.max(1, this.#sink.size().rows - 10);
      const [next, effect] = reduceUi(this.#ui, key, host.messages(), page);
      if (next.paused !== this.#ui.paused) this.#frozen = null;
      this.#ui = this.#stopAtEnd(host, this.#ui, next);
      if (effect === "quit") host.quit(EXIT_CODES.ok);
      if (effect === "clear") host.clear();
      if (effect === "suspend") return this.#suspend();
    }
    this.#dirty = true;
    this.#draw();
  }

  /**
   * Scrolling stops at the end of a list: a move down goes no further than
   * the first position from which the view no longer changes (the views clamp
   * what they show), found with a few view calls (binary search). So the
   * first key back up always moves.
   */
  #stopAtEnd(host: OutputHost, from: UiState, to: UiState): UiState {
    if (to.help || to.paused) return to;
    const key = to.scroll !== from.scroll ? "scroll" : to.tableScroll !== from.tableScroll ? "tableScroll" : null;
    if (key === null || to[key] < from[key]) return to;
    try {
      const now = host.now();
      const at = (n: number) => host.view(this.#context(host, { ...to, [key]: n }, now).ctx).join("\n");
      const end = at(to[key]);
      let lo = from[key];
      let hi = to[key];
      while (lo < hi) {
        const mid = Math.floor((lo + hi) / 2);
        if (at(mid) === end) hi = mid;
        else lo = mid + 1;
      }
      return { ...to, [key]: hi };
    } catch {
      return to; // The view fails: the next screen update reports it.
    }
  }

  /** Ctrl+Z, SIGTSTP: give the terminal back, then stop the process until SIGCONT. */
  #suspend(): void {
    if (this.#ended || !this.#host) return;
    this.#suspended = true;
    this.#renderer.stop();
    this.#leaveRaw();
    // A listener replaces SIGTSTP's default action, so stop with the signal that cannot be caught.
    if (Deno.build.os !== "windows") Deno.kill(Deno.pid, "SIGSTOP");
  }

  /** SIGCONT (`fg`, `bg`): take the terminal again and redraw everything. */
  #resume(): void {
    if (this.#ended || !this.#host) return;
    this.#suspended = false;
    this.#enterRaw();
    this.#renderer.stop();
    this.#renderer.start();
    this.#renderer.invalidate();
    this.#dirty = true;
    this.#draw();
  }

  #enterRaw(): void {
    if (!this.#keys || this.#rawMode) return;
    try {
      this.#keyboard.setRaw(true);
      this.#rawMode = true;
    } catch { /* not a tty after all */ }
  }

  #leaveRaw(): void {
    if (!this.#rawMode) return;
    try {
      this.#keyboard.setRaw(false);
    } catch { /* the terminal is gone */ }
    this.#rawMode = false;
  }

  /** The keyboard or the screen is gone (hangup, closed window, dropped SSH): end the run. */
  #terminalGone(): void {
    if (this.#gone) return;
    this.#gone = true;
    this.#host?.quit(EXIT_CODES.ok);
  }

  /**
   * Clocks on screen (uptime, time in state, countdowns) advance every second
   * while messages flow and every two seconds when the link is quiet: each
   * wake-up costs CPU. The tick comes just after a wall-clock second boundary,
   * where the whole-second clocks change (`formatElapsed`), so that a frame
   * drawn for a message later in that second has no clock left to rewrite.
   */
  #tick(seen: number): void {
    const host = this.#host!;
    const total = host.messages();
    const busy = total !== seen || host.sources().some((s) => s.status.state !== "connected");
    this.#requestDraw();
    this.#clockTimer = setTimeout(() => this.#tick(total), untilNextSecond(host.now(), busy ? 0 : 1));
  }

  #requestDraw(): void {
    this.#dirty = true;
    if (this.#drawTimer !== null || this.#ended || this.#failed || !this.#host) return;
    const wait = Math.max(0, this.#lastDrawAt + this.#refreshMs - this.#host.now());
    this.#drawTimer = setTimeout(() => this.#draw(), wait);
  }

  #draw(): void {
    const host = this.#host!;
    if (this.#drawTimer !== null) clearTimeout(this.#drawTimer);
    this.#drawTimer = null;
    this.#lastDrawAt = host.now();
    if (!this.#dirty || this.#ended || this.#failed || this.#suspended || this.#gone) return;
    this.#dirty = false;
    try {
      this.#renderer.render(this.#compose(host));
    } catch (error) {
      this.#failed = true;
      host.quit(1, `the view failed: ${error instanceof Error ? error.stack ?? error.message : error}`);
    }
  }

  /** The alert banners and what the view gets: the screen below the banners, less the metrics line. */
  #context(host: OutputHost, ui: UiState, now = host.now()): { ctx: ViewContext; banners: string[] } {
    const style = this.#style;
    const { columns, rows } = this.#sink.size();
    const banners = host.alerts.filter((a) => a.active).slice(0, 3).map((a) =>
      style.alert(fit(` ALERT ${a.text} since ${a.since !== null ? formatClock(a.since) : "?"} `, columns))
    );
    const ctx: ViewContext = {
      now,
      columns,
      rows: rows - 1 - banners.length,
      style,
      sources: host.sources(),
      filter: ui.filter,
      accept: host.accept,
      scroll: ui.scroll,
      tableScroll: ui.tableScroll,
      startedAt: host.startedAt,
    };
    return { ctx, banners };
  }

  /** Banners, the view (or an overlay), the filter bar and the metrics line. */
  #compose(host: OutputHost): string[] {
    const style = this.#style;
    const ui = this.#ui;
    const { ctx, banners } = this.#context(host, ui);
    const { now, columns } = ctx;
    let lines: string[];
    if (ui.help) {
      lines = HELP_LINES.map((l, i) => i === 0 ? style.bold(l) : l);
    } else if (ui.paused) {
      this.#frozen ??= host.view(ctx);
      const fresh = host.messages() - ui.pausedAtCount;
      lines = [
        style.alert(fit(` PAUSED: ${fresh} new messages since the pause (p to resume) `, columns)),
        ...this.#frozen.slice(1),
      ];
    } else {
      this.#frozen = null;
      lines = host.view(ctx);
    }
    lines = lines.slice(0, ctx.rows);
    while (lines.length < ctx.rows) lines.push("");
    if (ui.editingFilter) lines[ctx.rows - 1] = style.inverse(fit(`/${ui.filter}▌  (Enter keep, Esc clear)`, columns));
    lines.push(truncate(this.#metricsLine(host, now, columns), columns));
    return [...banners, ...lines];
  }

  /** Events per second with a sparkline, latency, reconnects and the outputs' summaries. */
  #metricsLine(host: OutputHost, now: number, width: number): string {
    const style = this.#style;
    const m = host.metrics;
    const lat = latencyPercentiles(m);
    const left = `${style.bold(String(eventsPerSecond(m, now)))} events/s ${style.cyan(sparkline(m, now, 30))}  ` +
      `latency ${lat ? `p50 ${Math.round(lat.p50)}ms p99 ${Math.round(lat.p99)}ms` : "n/a"}`;
    // Malformed messages are in every view's footer, counted with the payloads the reducer could not use.
    const reconnects = host.sources().reduce((n, s) => n + s.reconnects, 0);
    const focus = this.#ui.focus === "history" ? "↕ history" : "↕ table";
    const right = [focus, `reconnects ${reconnects}`, ...host.summaries().map((s) => s.ok ? s.text : style.red(s.text))]
      .join(" · ");
    return spread(left, right, width);
  }
}

/** Reads stdin in the background and hands over key presses; `onEnd` on end of file or a read error. */
function readKeys(keyboard: Keyboard, onKeys: (keys: string[]) => void, onEnd: () => void): void {
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(256);
  (async () => {
    while (true) {
      let n: number | null;
      try {
        n = await keyboard.read(buffer);
      } catch {
        return onEnd();
      }
      if (n === null) return onEnd();
      const keys = parseKeys(decoder.decode(buffer.subarray(0, n), { stream: true }));
      if (keys.length > 0) onKeys(keys);
    }
  })();
}
