/**
 * The event store as an output of the monitor runtime: every received
 * message becomes a row (see `record.ts`), written in batches by a
 * {@link StoreWriter} so the display never waits for the database (SQLite
 * runs on its own thread; PostgreSQL is a socket away).
 *
 * @module
 */

import type { ReceivedMessage } from "./record.ts";
import { openStore } from "./store.ts";
import { parseStoreTarget, type StoreTarget } from "./target.ts";
import { type StoreCounts, StoreWriter, type StoreWriterOptions } from "./writer.ts";
import type { StoreBackend } from "./backend.ts";
import type { Output, OutputSummary } from "../app/output.ts";

/** Options for {@link StoreOutput}. */
export interface StoreOutputOptions extends StoreWriterOptions {
  /** PostgreSQL password (from `--store-password-file`); never printed. Default: URL or `PGPASSWORD`. */
  password?: string;
  /** Longest time (ms) `close()` spends flushing. Default 5 000. */
  flushTimeoutMs?: number;
  /** SQLite on its own thread, so inserts never hold up the display. Default true. */
  threaded?: boolean;
  /** Print {@link StoreOutput.describe} on stderr at close when events were lost or the store failed. Default true. */
  reportOnClose?: boolean;
  /** Opens the backend instead of {@link openStore} (tests). */
  open?: () => Promise<StoreBackend>;
}

/** Stores every received message. */
export class StoreOutput implements Output {
  /** The target, for messages (no password). */
  readonly label: string;
  #writer: StoreWriter;
  #flushTimeoutMs: number;
  #closed: Promise<StoreCounts> | null = null;
  #report: boolean;

  /** `target` is a `--store` value (`events.db`, `sqlite:PATH`, `postgres://…`) or a parsed one. */
  constructor(target: string | StoreTarget, options: StoreOutputOptions = {}) {
    const t = typeof target === "string" ? parseStoreTarget(target) : target;
    this.label = t.label;
    this.#flushTimeoutMs = options.flushTimeoutMs ?? 5000;
    this.#report = options.reportOnClose ?? true;
    const open = options.open ??
      (() => openStore(t, { password: options.password, threaded: options.threaded ?? true }));
    this.#writer = new StoreWriter(open, options);
  }

  /** Resolves when the store is open; rejects with the first failure (with a message for a person). */
  async ready(): Promise<void> {
    await this.#writer.ready();
  }

  /** Queues the message for storing (never blocks, never throws). */
  received(r: ReceivedMessage): void {
    try {
      // The frame is packed as it came (a full buffer drops it at once); its row is built when its batch is
      // written, on the store's thread where it has one.
      this.#writer.addFrame(r.service, r.receivedAt, r.raw);
    } catch {
      // Only a frame that is not text could fail here; never let the store break the monitor.
    }
  }

  /** Counts so far. */
  get counts(): StoreCounts {
    return this.#writer.counts;
  }

  /** The full line: `store events.db: 1200 stored, 3 duplicate, 0 waiting, 0 dropped[; last error]`. */
  describe(): string {
    const c = this.counts;
    const parts = [`${c.stored} stored`, `${c.duplicates} duplicate`, `${c.buffered} waiting`, `${c.dropped} dropped`];
    if (c.expired > 0) parts.push(`${c.expired} expired`);
    return `store ${this.label}: ${parts.join(", ")}${c.error ? `; ${c.error}` : ""}`;
  }

  /** For the status line: `store 1200`, plus what waits or was lost; not ok while failing or after a loss. */
  summary(): OutputSummary {
    const c = this.counts;
    let text = `store ${c.stored}`;
    if (c.buffered > 0) text += `, ${c.buffered} waiting`;
    if (c.dropped > 0) text += `, ${c.dropped} lost`;
    if (c.error !== null) text += " (failing)";
    return { text, ok: c.error === null && c.dropped === 0 };
  }

  /** Writes everything buffered now (resolves even when the write fails; see {@link counts}). */
  flush(): Promise<void> {
    return this.#writer.flush();
  }

  /** Flushes (at most the flush timeout) and closes. */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = this.#writer.close(this.#flushTimeoutMs);
      const c = await this.#closed;
      if (this.#report && (c.dropped > 0 || c.error !== null)) console.error(this.describe());
    }
    await this.#closed;
  }
}
