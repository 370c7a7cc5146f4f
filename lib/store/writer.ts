/**
 * Writes rows to a store off the display path: `add()` only queues; a timer
 * writes one transaction per ≤100 ms or ≤5,000 rows. A failed batch stays at
 * the head of the queue and is retried with backoff (never half-written: each
 * batch is one transaction, and duplicates are skipped on retry). While the
 * database is away rows wait in a bounded buffer; what does not fit is
 * dropped and counted. Optional retention deletes old rows in small batches.
 *
 * @module
 */

import { Backoff, type BackoffOptions } from "../transport/backoff.ts";
import type { StoreBackend } from "./backend.ts";
import { type EventRow, isRawFrame, itemRow, type RawFrame, type StoreItem } from "./record.ts";
import { StoreError } from "./schema.ts";

/** Options for {@link StoreWriter}. */
export interface StoreWriterOptions {
  /** Longest wait (ms) before queued rows are written. Default 100. */
  batchMs?: number;
  /** Most rows in one transaction. Default 5 000. */
  batchSize?: number;
  /** Most rows waiting; further rows are dropped and counted. Default 200 000. */
  maxBuffered?: number;
  /** Retry delays after a failure. Default 250 ms doubling to 5 s. */
  retry?: BackoffOptions;
  /** Delete rows received longer ago than this (ms). Default: keep everything. */
  retentionMs?: number;
  /** Rows per retention delete. Default 1 000. */
  retentionBatch?: number;
  /** Time (ms) between retention runs. Default 60 000. */
  retentionEveryMs?: number;
  /** Clock. Default `Date.now`. */
  now?: () => number;
  /** Called when opening or writing fails (the writer keeps retrying). */
  onError?: (error: StoreError) => void;
  /** Called when a write succeeds after failures. */
  onRecovered?: () => void;
}

/** What the writer has done so far. */
export interface StoreCounts {
  /** Rows written (new). */
  stored: number;
  /** Rows the store already had (duplicate deliveries). */
  duplicates: number;
  /** Rows waiting to be written. */
  buffered: number;
  /** Rows lost: buffer full, or still waiting when close timed out. */
  dropped: number;
  /** Failed open or write attempts. */
  failures: number;
  /** Rows deleted by retention. */
  expired: number;
  /** The last failure, in words; null once a write succeeds again. */
  error: string | null;
}

/** Batches rows into a {@link StoreBackend}; never throws on {@link StoreWriter.add}. */
export class StoreWriter {
  #open: () => Promise<StoreBackend>;
  #backend: StoreBackend | null = null;
  #queue: StoreItem[] = [];
  #head = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #running: Promise<void> | null = null;
  #closed = false;
  #backoff: Backoff;
  #retryAt = 0;
  #nextRetention = 0;
  #opts: Required<Omit<StoreWriterOptions, "retentionMs" | "onError" | "onRecovered" | "retry">> & StoreWriterOptions;
  #counts: StoreCounts = { stored: 0, duplicates: 0, buffered: 0, dropped: 0, failures: 0, expired: 0, error: null };
  #ready: { promise: Promise<StoreBackend>; resolve: (b: StoreBackend) => void; reject: (e: unknown) => void };
  #readySettled = false;
  #lastPermanent = false;

  /** `open` is called to (re)open the store: first on demand, again after a permanent failure. */
  constructor(open: () => Promise<StoreBackend>, options: StoreWriterOptions = {}) {
    const batchSize = options.batchSize ?? 5000;
    const maxBuffered = options.maxBuffered ?? 200_000;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(
        `Cannot create writer as batchSize is not a positive whole number: current value is ${batchSize}`,
      );
    }
    if (!Number.isInteger(maxBuffered) || maxBuffered < 1) {
      throw new RangeError(
        `Cannot create writer as maxBuffered is not a positive whole number: current value is ${maxBuffered}`,
      );
    }
    if (options.retentionMs !== undefined && !(options.retentionMs > 0)) {
      throw new RangeError(
        `Cannot create writer as retention is not positive: current value is ${options.retentionMs}`,
      );
    }
    this.#open = open;
    this.#opts = {
      batchMs: 100,
      retentionBatch: 1000,
      retentionEveryMs: 60_000,
      now: Date.now,
      ...options,
      batchSize,
      maxBuffered,
    };
    this.#backoff = new Backoff({ initialMs: 250, maxMs: 5000, ...options.retry });
    this.#ready = Promise.withResolvers<StoreBackend>();
    this.#ready.promise.catch(() => {});
  }

  /** Resolves once the store is open (rejects with the first open failure: callers that must fail fast use it). */
  ready(): Promise<StoreBackend> {
    if (!this.#backend && !this.#running && !this.#readySettled) this.#schedule(0);
    return this.#ready.promise;
  }

  /** A copy of the counts. */
  get counts(): StoreCounts {
    return { ...this.#counts, buffered: this.#queue.length - this.#head };
  }

  /** Queues one row or raw frame; false when the buffer was full and it was dropped. */
  add(row: StoreItem): boolean {
    if (this.#closed) {
      this.#counts.dropped++;
      return false;
    }
    if (this.#queue.length - this.#head >= this.#opts.maxBuffered) {
      this.#counts.dropped++;
      return false;
    }
    this.#queue.push(row);
    const waiting = this.#queue.length - this.#head;
    if (waiting >= this.#opts.batchSize) this.#schedule(0);
    else this.#schedule(this.#opts.batchMs);
    return true;
  }

  /** Writes until the buffer is empty or a write fails; resolves either way (see {@link counts}). */
  async flush(): Promise<void> {
    while (this.#running) await this.#running;
    this.#cancel();
    this.#running = (async () => {
      while (this.#queue.length - this.#head > 0) {
        const before = this.#counts.failures;
        await this.#step(true);
        if (this.#counts.failures !== before) break;
      }
    })();
    try {
      await this.#running;
    } finally {
      this.#running = null;
      this.#afterStep();
    }
  }

  /**
   * Writes what is buffered, for at most `timeoutMs`, then closes the store.
   * Rows still waiting at the deadline are counted as dropped.
   */
  async close(timeoutMs = 5000): Promise<StoreCounts> {
    if (this.#closed) return this.counts;
    this.#closed = true;
    this.#cancel();
    const deadline = this.#opts.now() + timeoutMs;
    while (this.#running) await this.#running;
    this.#cancel();
    while (this.#queue.length - this.#head > 0 && this.#opts.now() < deadline) {
      const before = this.#counts.failures;
      await this.#step(true);
      if (this.#counts.failures !== before) {
        if (this.#lastPermanent) break; // retrying cannot help within the flush timeout
        const wait = Math.min(this.#retryAt - this.#opts.now(), deadline - this.#opts.now());
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
    }
    const left = this.#queue.length - this.#head;
    if (left > 0) {
      this.#counts.dropped += left;
      this.#counts.error = `${left} event(s) not stored: the store was still failing when the flush timed out` +
        (this.#counts.error ? ` (${this.#counts.error})` : "");
    }
    this.#queue = [];
    this.#head = 0;
    const backend = this.#backend;
    this.#backend = null;
    if (backend) await backend.close().catch(() => {});
    if (!this.#readySettled) {
      this.#readySettled = true;
      this.#ready.reject(new StoreError("the store was closed before it opened"));
    }
    return this.counts;
  }

  #cancel(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #schedule(delayMs: number): void {
    if (this.#closed || this.#running) return;
    const wait = Math.max(delayMs, this.#retryAt - this.#opts.now(), 0);
    if (this.#timer !== null) {
      if (wait > 0) return;
      this.#cancel();
    }
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (this.#running || this.#closed) return; // a flush or close is writing; it reschedules when done
      this.#running = this.#step(false).finally(() => {
        this.#running = null;
        this.#afterStep();
      });
    }, wait);
  }

  #afterStep(): void {
    if (this.#closed) return;
    const waiting = this.#queue.length - this.#head;
    if (waiting >= this.#opts.batchSize) this.#schedule(0);
    else if (waiting > 0) this.#schedule(this.#opts.batchMs);
    else if (this.#opts.retentionMs !== undefined) {
      this.#schedule(Math.max(0, this.#nextRetention - this.#opts.now()));
    }
  }

  async #backendOrNull(): Promise<StoreBackend | null> {
    if (this.#backend) return this.#backend;
    try {
      this.#backend = await this.#open();
      if (!this.#readySettled) {
        this.#readySettled = true;
        this.#ready.resolve(this.#backend);
      }
      return this.#backend;
    } catch (error) {
      const e = error instanceof StoreError ? error : new StoreError(String(error), { cause: error });
      if (!this.#readySettled) {
        this.#readySettled = true;
        this.#ready.reject(e);
      }
      this.#fail(e);
      return null;
    }
  }

  #fail(error: StoreError): void {
    this.#lastPermanent = error.permanent;
    this.#counts.failures++;
    this.#counts.error = error.message;
    this.#retryAt = this.#opts.now() + this.#backoff.next();
    this.#opts.onError?.(error);
  }

  /** One batch (and one retention slice when due). */
  async #step(ignoreRetryTime: boolean): Promise<void> {
    if (!ignoreRetryTime && this.#opts.now() < this.#retryAt) return;
    const backend = await this.#backendOrNull();
    if (!backend) return;
    const end = Math.min(this.#queue.length, this.#head + this.#opts.batchSize);
    if (end > this.#head) {
      const batch = this.#queue.slice(this.#head, end);
      try {
        const inserted = await insertItems(backend, batch);
        this.#head = end;
        this.#counts.stored += inserted;
        this.#counts.duplicates += batch.length - inserted;
        this.#compact();
        this.#succeeded();
      } catch (error) {
        const e = error instanceof StoreError ? error : new StoreError(String(error), { cause: error });
        if (e.permanent) {
          this.#backend = null;
          await backend.close().catch(() => {});
        }
        this.#fail(e);
        return;
      }
    }
    await this.#retention(backend);
  }

  #succeeded(): void {
    if (this.#counts.error !== null || this.#backoff.attempt > 0) {
      this.#counts.error = null;
      this.#backoff.reset();
      this.#retryAt = 0;
      this.#opts.onRecovered?.();
    }
  }

  async #retention(backend: StoreBackend): Promise<void> {
    const keep = this.#opts.retentionMs;
    if (keep === undefined || this.#closed) return;
    const now = this.#opts.now();
    if (now < this.#nextRetention) return;
    try {
      const deleted = await backend.deleteBefore(now - keep, this.#opts.retentionBatch);
      this.#counts.expired += deleted;
      // A full batch means more may be due: come back soon, between insert batches.
      this.#nextRetention = deleted >= this.#opts.retentionBatch ? now : now + this.#opts.retentionEveryMs;
    } catch (error) {
      this.#nextRetention = now + this.#opts.retentionEveryMs;
      this.#fail(error instanceof StoreError ? error : new StoreError(String(error), { cause: error }));
    }
  }

  #compact(): void {
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 50_000 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }
}

/**
 * Inserts a batch: raw frames go to a backend that builds rows on its own
 * thread as they are; otherwise the rows are built here.
 */
function insertItems(backend: StoreBackend, batch: StoreItem[]): Promise<number> {
  if (backend.insertFrames && batch.every(isRawFrame)) return backend.insertFrames(batch as RawFrame[]);
  return backend.insert(batch.map(itemRow).filter((row): row is EventRow => row !== null));
}
