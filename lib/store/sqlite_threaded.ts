/**
 * An SQLite store on its own thread: the monitor's thread only hands rows
 * over (`postMessage`), the inserts run on another core, so writing never
 * holds up the display. Same behaviour and errors as {@link openSqliteStore}.
 *
 * @module
 */

import type { StagedPack, StagedResult, StoreBackend } from "./backend.ts";
import type { EventRow } from "./record.ts";
import { type FramePack, packSize } from "./frame_pack.ts";
import type { EventQuery, StatsRow } from "./query.ts";
import { StoreError } from "./schema.ts";
import type { SqliteStoreOptions } from "./sqlite.ts";
import type { StagedReply, WorkerReply, WorkerRequest } from "./sqlite_worker.ts";

const WORKER_URL = new URL("./sqlite_worker.ts", import.meta.url);

/**
 * True when a store thread can start here: Deno loads a worker's module with
 * the read permission of the process, which narrow `--allow-read=events.db`
 * runs do not grant (then the store runs on the monitor's thread).
 */
export function threadAvailable(): boolean {
  if (WORKER_URL.protocol !== "file:") return true;
  try {
    return Deno.permissions.querySync({ name: "read", path: WORKER_URL }).state === "granted";
  } catch {
    return false;
  }
}

/** The store thread itself failed (could not load or crashed), not the database: a new thread is needed. */
export class StoreThreadError extends StoreError {
  constructor(message: string) {
    super(message, { permanent: true });
    this.name = "StoreThreadError";
  }
}

/** Options for {@link openThreadedSqliteStore}: those of `openSqliteStore` that can cross threads. */
export type ThreadedSqliteStoreOptions = Omit<SqliteStoreOptions, "now">;

/** Opens an SQLite store in a worker thread. */
export async function openThreadedSqliteStore(
  path: string,
  options: ThreadedSqliteStoreOptions = {},
): Promise<StoreBackend> {
  const store = new ThreadedSqliteStore(path);
  try {
    const opened = await store.call<{ yields: boolean }>("open", [path, options]);
    // Several batches per request keep the thread writing while the display's thread is slow to answer (a
    // flood): only when the thread yields the CPU to the display, else it would take the display's core.
    if (opened.yields) store.stagedBatches = 8;
  } catch (error) {
    store.terminate();
    throw error;
  }
  return store;
}

class ThreadedSqliteStore implements StoreBackend {
  readonly dialect = "sqlite" as const;
  readonly label: string;
  #worker: Worker;
  #next = 1;
  #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  #closed = false;
  #failed: StoreThreadError | null = null;
  /** Batches per {@link insertStaged} request (see `StoreBackend.stagedBatches`). */
  stagedBatches = 1;
  #nextPack = 1;

  constructor(path: string) {
    this.label = path;
    this.#worker = new Worker(WORKER_URL.href, { type: "module" });
    this.#worker.onmessage = (e: MessageEvent<WorkerReply>) => {
      const reply = e.data;
      const p = this.#pending.get(reply.id);
      if (!p) return;
      this.#pending.delete(reply.id);
      if (reply.ok) p.resolve(reply.result);
      else p.reject(new StoreError(reply.message, { permanent: reply.permanent }));
    };
    this.#worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.#failed = new StoreThreadError(`Cannot use store ${path}: its thread failed (${e.message})`);
      this.#failAll(this.#failed);
    };
  }

  call<T>(op: WorkerRequest["op"], args: unknown[]): Promise<T> {
    if (this.#closed) return Promise.reject(new StoreError(`Cannot use store ${this.label} as it is closed`));
    if (this.#failed) return Promise.reject(this.#failed);
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#worker.postMessage({ id, op, args } satisfies WorkerRequest);
    });
  }

  #failAll(error: StoreError): void {
    for (const p of this.#pending.values()) p.reject(error);
    this.#pending.clear();
  }

  terminate(): void {
    this.#closed = true;
    this.#worker.terminate();
    this.#failAll(new StoreError(`store ${this.label} was closed`));
  }

  insert(rows: readonly EventRow[]): Promise<number> {
    return this.call("insert", [rows]);
  }

  /** Hands the pack to the store's thread now (one message, no answer); {@link insertStaged} inserts it later. */
  stage(pack: FramePack): StagedPack {
    const staged = this.#nextPack++;
    if (!this.#closed && !this.#failed) {
      this.#worker.postMessage({ id: 0, op: "stage", args: [staged, pack] } satisfies WorkerRequest);
    }
    return { staged, size: packSize(pack) };
  }

  /** Inserts staged packs, batch after batch on the store's thread (where their rows are built). */
  async insertStaged(packs: readonly StagedPack[], batchSize: number): Promise<StagedResult> {
    const r = await this.call<StagedReply>("insertStaged", [packs.map((p) => p.staged), batchSize]);
    const error = r.error ? new StoreError(r.error.message, { permanent: r.error.permanent }) : null;
    return { packs: r.packs, inserted: r.inserted, error };
  }

  /** Sends the packed frames as they came: the rows are built on the store's thread, off the display's. */
  insertPacks(packs: readonly FramePack[]): Promise<number> {
    return this.call("insertPacks", [packs]);
  }

  select(query: EventQuery): Promise<EventRow[]> {
    return this.call("select", [query]);
  }

  stats(query: EventQuery, bucketMs: number): Promise<StatsRow[]> {
    return this.call("stats", [query, bucketMs]);
  }

  deleteBefore(cutoff: number, limit: number): Promise<number> {
    return this.call("deleteBefore", [cutoff, limit]);
  }

  version(): Promise<number> {
    return this.call("version", []);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.call("close", []);
    } finally {
      this.terminate();
    }
  }
}
