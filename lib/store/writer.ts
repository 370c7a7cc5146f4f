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
import type { StagedPack, StoreBackend } from "./backend.ts";
import type { EventRow } from "./record.ts";
import { type FramePack, FramePacker, packRows, packSize } from "./frame_pack.ts";
import { StoreError } from "./schema.ts";

/** Options for {@link StoreWriter}. */
export interface StoreWriterOptions {
  /** Longest wait (ms) before queued rows are written. Default 100. */
  batchMs?: number;
  /** Most rows in one transaction. Default 5 000. */
  batchSize?: number;
  /** Most rows waiting; further rows are dropped and counted. Default 200 000. */
  maxBuffered?: number;
  /** Frames per pack (see `frame_pack.ts`); at most `batchSize`. Default 512. */
  packSize?: number;
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
  /** Rows and packs of frames (here, or staged in the store), oldest first, from {@link #head}. */
  #queue: Item[] = [];
  #head = 0;
  /** Rows and frames in the queue from the head (not counting the open pack). */
  #queued = 0;
  #packer: FramePacker;
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** When the pending timer fires (ms, the writer's clock). */
  #timerAt = 0;
  #running: Promise<void> | null = null;
  #closed = false;
  #backoff: Backoff;
  #retryAt = 0;
  #nextRetention = 0;
  #opts:
    & Required<Omit<StoreWriterOptions, "retentionMs" | "onError" | "onRecovered" | "retry" | "packSize">>
    & StoreWriterOptions;
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
    this.#packer = new FramePacker(Math.min(options.packSize ?? 512, batchSize));
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
    return { ...this.#counts, buffered: this.#waiting() };
  }

  #waiting(): number {
    return this.#queued + this.#packer.size;
  }

  /** Queues one row; false when the buffer was full and it was dropped. */
  add(row: EventRow): boolean {
    if (this.#closed || this.#waiting() >= this.#opts.maxBuffered) {
      this.#counts.dropped++;
      return false;
    }
    this.#seal(); // keep the order of frames and rows
    this.#queue.push(row);
    this.#queued++;
    this.#queuedMore();
    return true;
  }

  /**
   * Queues one frame as received; its row is built when its batch is written
   * (on the store's thread where it has one). Costs the caller a few stores
   * into the open pack; a frame that finds the buffer full costs nothing but
   * its count in `dropped`. False when it was dropped.
   */
  addFrame(service: string, receivedAt: number, raw: string): boolean {
    if (this.#closed || this.#queued + this.#packer.size >= this.#opts.maxBuffered) {
      this.#counts.dropped++;
      return false;
    }
    if (this.#packer.add(service, receivedAt, raw)) {
      this.#seal();
      this.#queuedMore();
    } else if (this.#packer.size === 1) this.#queuedMore();
    return true;
  }

  /** Moves the open pack into the queue, handing it to the store at once when it can keep it. */
  #seal(): void {
    const pack = this.#packer.take();
    if (pack === null) return;
    this.#queue.push(this.#backend?.stage ? this.#backend.stage(pack) : pack);
    this.#queued += packSize(pack);
  }

  /** Something was queued: a timer writes it after batchMs, or at once when a batch is full. */
  #queuedMore(): void {
    if (this.#running || this.#closed) return; // the write under way reschedules when done
    if (this.#waiting() >= this.#opts.batchSize) this.#schedule(0);
    else if (this.#timer === null) this.#schedule(this.#opts.batchMs);
  }

  /** Writes until the buffer is empty or a write fails; resolves either way (see {@link counts}). */
  async flush(): Promise<void> {
    while (this.#running) await this.#running;
    this.#cancel();
    this.#seal();
    this.#running = (async () => {
      while (this.#queued > 0) {
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
    this.#seal();
    while (this.#queued > 0 && this.#opts.now() < deadline) {
      const before = this.#counts.failures;
      await this.#step(true);
      if (this.#counts.failures !== before) {
        if (this.#lastPermanent) break; // retrying cannot help within the flush timeout
        const wait = Math.min(this.#retryAt - this.#opts.now(), deadline - this.#opts.now());
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
    }
    const left = this.#queued;
    if (left > 0) {
      this.#counts.dropped += left;
      this.#counts.error = this.#counts.error
        ? `${left} event(s) not stored: the store was still failing when the flush timed out (${this.#counts.error})`
        : `${left} event(s) not stored: the flush timed out before the store had written them`;
    }
    this.#queue = [];
    this.#head = 0;
    this.#queued = 0;
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
    const now = this.#opts.now();
    const wait = Math.max(delayMs, this.#retryAt - now, 0);
    if (this.#timer !== null) {
      if (this.#timerAt <= now + wait) return; // already due as soon
      this.#cancel();
    }
    this.#timerAt = now + wait;
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
    const waiting = this.#waiting();
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
    if (this.#queued < this.#opts.batchSize) this.#seal(); // the open pack goes with this batch
    // One kind per batch: rows, or packs of frames (staged in the store when it can keep them, then as many
    // batches per request as the store asks for).
    const staging = backend.stage !== undefined && backend.insertStaged !== undefined;
    const rows = this.#head < this.#queue.length && isRow(this.#queue[this.#head]);
    const limit = staging && !rows ? this.#opts.batchSize * (backend.stagedBatches ?? 1) : this.#opts.batchSize;
    let end = this.#head;
    let size = 0;
    while (end < this.#queue.length) {
      const item = this.#queue[end];
      const n = itemSize(item);
      if (end > this.#head && (size + n > limit || isRow(item) !== rows)) break;
      if (backend.stage && isPack(item)) this.#queue[end] = backend.stage(item);
      size += n;
      end++;
    }
    if (end > this.#head) {
      const batch = this.#queue.slice(this.#head, end);
      try {
        if (staging && !rows) {
          const r = await backend.insertStaged!(batch as StagedPack[], this.#opts.batchSize);
          let written = 0;
          for (let i = 0; i < r.packs; i++) written += (batch[i] as StagedPack).size;
          this.#done(r.packs, written, r.inserted);
          if (r.error) throw r.error;
        } else {
          this.#done(end - this.#head, size, await insertItems(backend, batch));
        }
        this.#succeeded();
      } catch (error) {
        const e = error instanceof StoreError ? error : new StoreError(String(error), { cause: error });
        if (e.permanent) {
          this.#backend = null;
          await backend.close().catch(() => {});
          this.#dropStaged(e);
        }
        this.#fail(e);
        return;
      }
    }
    await this.#retention(backend);
  }

  /** `items` queue entries (`size` rows and frames) were written, `inserted` of them new. */
  #done(items: number, size: number, inserted: number): void {
    this.#head += items;
    this.#queued -= size;
    this.#counts.stored += inserted;
    this.#counts.duplicates += size - inserted;
    this.#compact();
  }

  /** The store that kept the staged packs was closed: their frames are lost, and counted. */
  #dropStaged(error: StoreError): void {
    const kept: Item[] = [];
    let lost = 0;
    for (let i = this.#head; i < this.#queue.length; i++) {
      const item = this.#queue[i];
      if (isStaged(item)) lost += item.size;
      else kept.push(item);
    }
    if (lost === 0) return;
    this.#queue = kept;
    this.#head = 0;
    this.#queued -= lost;
    this.#counts.dropped += lost;
    error.message = `${lost} event(s) not stored: the store failed while holding them (${error.message})`;
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

/** What the writer queues: a row, a pack of frames, or a pack staged in the store. */
type Item = EventRow | FramePack | StagedPack;

function isPack(item: Item): item is FramePack {
  return "lengths" in item;
}

function isStaged(item: Item): item is StagedPack {
  return "staged" in item;
}

function isRow(item: Item): item is EventRow {
  return "receivedAt" in item && !isPack(item);
}

function itemSize(item: Item): number {
  return isPack(item) ? packSize(item) : isStaged(item) ? item.size : 1;
}

/**
 * Inserts a batch: packs of frames go as they are to a backend that builds
 * the rows itself (SQLite, on its own thread); otherwise the rows are built
 * here.
 */
function insertItems(backend: StoreBackend, batch: Item[]): Promise<number> {
  if (backend.insertPacks && batch.every(isPack)) return backend.insertPacks(batch);
  const rows: EventRow[] = [];
  for (const item of batch) {
    if (isStaged(item)) throw new StoreError("staged frames in a store that cannot insert them", { permanent: true });
    if (isPack(item)) packRows(item, rows);
    else rows.push(item);
  }
  return backend.insert(rows);
}
