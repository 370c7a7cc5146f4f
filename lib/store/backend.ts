/**
 * What a store database offers the writer and the readers; SQLite and
 * PostgreSQL both implement it.
 *
 * @module
 */

import type { EventRow } from "./record.ts";
import type { FramePack } from "./frame_pack.ts";
import type { StoreError } from "./schema.ts";
import type { EventQuery, StatsRow } from "./query.ts";
import type { Dialect } from "./schema.ts";

/** A pack of frames handed to a store ahead of its insert (see {@link StoreBackend.stage}). */
export interface StagedPack {
  /** The store's number for the pack. */
  readonly staged: number;
  /** Frames in the pack. */
  readonly size: number;
}

/** What {@link StoreBackend.insertStaged} did. */
export interface StagedResult {
  /** Packs written, counted from the first (whole transactions only). */
  packs: number;
  /** New rows among them (the rest were duplicates or did not parse). */
  inserted: number;
  /** Why it stopped before the last pack (those packs stay staged), or null. */
  error: StoreError | null;
}

/** An open, migrated event store. */
export interface StoreBackend {
  readonly dialect: Dialect;
  /** The target for messages (no password). */
  readonly label: string;
  /** Inserts `rows` in one transaction (all or none); resolves to the number of new rows (duplicates are skipped). */
  insert(rows: readonly EventRow[]): Promise<number>;
  /**
   * Like {@link insert} for packs of frames as received, whose rows the store
   * builds itself (SQLite: on its own thread); optional: without it the writer
   * builds the rows. Frames that do not parse are not stored.
   */
  insertPacks?(packs: readonly FramePack[]): Promise<number>;
  /**
   * Optional, with {@link insertStaged}: takes a pack at once and keeps it (on
   * the store's own thread) until a later insert names it, so that waiting
   * frames take no room in the caller's memory. Staged packs are lost when the
   * store closes.
   */
  stage?(pack: FramePack): StagedPack;
  /**
   * Inserts staged packs in order, in transactions of at most `batchSize`
   * frames (whole packs), and stops at the first transaction that fails: its
   * packs and the later ones stay staged (for a retry).
   */
  insertStaged?(packs: readonly StagedPack[], batchSize: number): Promise<StagedResult>;
  /**
   * How many batches one {@link insertStaged} call may carry (default 1). More
   * keep the store's thread writing while the caller's thread is slow to ask
   * (a flood), so they suit a thread that yields the CPU to the caller.
   */
  readonly stagedBatches?: number;
  /** Rows matching `query`. */
  select(query: EventQuery): Promise<EventRow[]>;
  /** Counts per event and bucket. */
  stats(query: EventQuery, bucketMs: number): Promise<StatsRow[]>;
  /** Deletes at most `limit` rows received before `cutoff` (ms); resolves to the number deleted. */
  deleteBefore(cutoff: number, limit: number): Promise<number>;
  /** The schema version of the store. */
  version(): Promise<number>;
  /** Closes the database. */
  close(): Promise<void>;
}
