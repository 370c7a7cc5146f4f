/**
 * The browser view as an output of the monitor runtime: counts events by
 * name, samples the charts once a second, and serves the page, the push
 * channel and `/metrics` (see `server.ts`) from the model state it reads.
 * It never opens an upstream connection: however many pages are open, the
 * runtime's one connection per service feeds them all.
 *
 * @module
 */

import type { AlertChange } from "../model/alerts.ts";
import { workerCounts } from "../model/pool_state.ts";
import type { Problem } from "../protocol/envelope.ts";
import { sanitizeText } from "../protocol/sanitize.ts";
import type { ConnectionStatus } from "../transport/connection.ts";
import type { Output, OutputHost, OutputSummary, Received } from "../app/output.ts";
import { prometheusText } from "./metrics.ts";
import { Series } from "./series.ts";
import { startWebServer, type WebServer } from "./server.ts";
import { ServiceStats } from "./service_stats.ts";
import { pageSnapshot } from "./snapshot.ts";
import type { WebModel } from "./web_monitor.ts";

/** Options for {@link WebOutput}. */
export interface WebOutputOptions {
  /** The services, in panel order, with their upstream URLs (never tokens). */
  services: { name: string; url: string }[];
  /** Interface to listen on. Default `127.0.0.1`. */
  hostname?: string;
  /** Port. Default 8700; 0 picks a free one. */
  port?: number;
  /** The browser token (`--web-token-file`); required beyond loopback. */
  token?: string;
  /** At most one pushed frame per this many ms. Default 100. */
  frameMs?: number;
  /** Clock. Default: the run's, else `Date.now`. */
  now?: () => number;
  /** Called once listening. */
  onListen?(addr: Deno.NetAddr): void;
}

const WORKER_STATES = ["idle", "busy", "error", "offline"];

/** Serves the model to browsers and Prometheus; the runtime feeds it through {@link Output}. */
export class WebOutput implements Output {
  /** People watch the page: the run outlives its sources. */
  readonly interactive = true;
  readonly stats: ServiceStats;
  readonly series: Series;
  readonly server: WebServer;
  #model: () => WebModel;
  #host: OutputHost | null = null;
  #now: () => number;
  #alerts: { at: number; kind: string; rule: string; value: number | null }[] = [];
  #lastEvents = new Map<string, number>();
  #lastTickAt: number;

  /** Starts listening at once (so a bad address fails before any connection opens). */
  constructor(model: () => WebModel, options: WebOutputOptions) {
    this.#model = model;
    this.#now = options.now ?? (() => this.#host?.now() ?? Date.now());
    this.#lastTickAt = this.#now();
    this.stats = new ServiceStats(options.services);
    this.series = new Series([
      ...options.services.map((s) => `events.${s.name}`),
      "queue",
      ...WORKER_STATES.map((s) => `workers.${s}`),
    ]);
    this.server = startWebServer({
      hostname: options.hostname,
      port: options.port,
      token: options.token,
      frameMs: options.frameMs,
      now: this.#now,
      onListen: options.onListen,
      snapshot: (page) => ({
        ...pageSnapshot(page, this.#model(), this.#services(), this.#now()),
        alerts: this.#alerts,
      }),
      metrics: () =>
        prometheusText(this.#model(), this.#services(), {
          clients: this.server.clients,
          sent: this.server.sent,
          skipped: this.server.skipped,
        }),
      series: () => ({ names: this.series.names, ...this.series.columns() }),
      health: () => ({
        status: "ok",
        services: this.#services().map((s) => ({ name: s.name, state: s.status?.state ?? "connecting" })),
      }),
      tick: () => this.sample(),
    });
  }

  /** Keeps the run, whose connection counters the page and `/metrics` show. */
  start(host: OutputHost): void {
    this.#host = host;
  }

  /** The services with the run's own counters and statuses (the terminal's numbers) when running. */
  #services() {
    for (const source of this.#host?.sources() ?? []) {
      const s = this.stats.get(source.name);
      s.status = source.status;
      s.messages = source.messages;
      s.malformed = source.malformed;
      s.reconnects = source.reconnects;
    }
    return this.stats.services;
  }

  /** Takes one chart sample now and returns it (the server pushes it to the pages). */
  sample(): { t: number; values: Record<string, number | null> } | null {
    const now = this.#now();
    const seconds = Math.max(0.001, (now - this.#lastTickAt) / 1000);
    this.#lastTickAt = now;
    const values: Record<string, number | null> = {};
    for (const s of this.stats.services) {
      const before = this.#lastEvents.get(s.name) ?? 0;
      this.#lastEvents.set(s.name, s.events);
      values[`events.${s.name}`] = Math.round((s.events - before) / seconds * 10) / 10;
    }
    let model: WebModel | null = null;
    try {
      model = this.#model();
    } catch { /* not started yet */ }
    if (model) {
      values.queue = model.pool.queueSize;
      const counts = workerCounts(model.pool);
      for (const state of WORKER_STATES) values[`workers.${state}`] = counts[state] ?? 0;
    }
    this.series.push(now, values);
    return this.series.last();
  }

  /** Counts a message by its cleaned event name. */
  received(r: Received): void {
    this.stats.received(r.service, r.message.type === "event" ? r.event.name : null);
  }

  /** Records a connection status and pushes it. */
  status(service: string, status: ConnectionStatus): void {
    this.stats.status(service, status);
    this.server.changed();
  }

  /** Counts a frame that could not be parsed. */
  problem(service: string, _problem: Problem, _receivedAt: number): void {
    this.stats.problem(service);
    this.server.changed();
  }

  /** Keeps the last 20 alert changes for the page. */
  alert(change: AlertChange, at: number): void {
    this.#alerts.unshift({
      at,
      kind: change.kind,
      rule: sanitizeText(change.alert.text, { maxLength: 120 }),
      value: change.actual ?? null,
    });
    if (this.#alerts.length > 20) this.#alerts.pop();
    this.server.changed();
  }

  /** The model changed: a frame follows (coalesced). */
  changed(): void {
    this.server.changed();
  }

  /** `web N pages` for the status line of other outputs. */
  summary(): OutputSummary {
    return { text: `web ${this.server.clients} pages`, ok: true };
  }

  /** Closes every page's push channel and the listener. */
  async close(): Promise<void> {
    await this.server.close();
  }
}
