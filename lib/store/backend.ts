/**
 * What a store database offers the writer and the readers; SQLite and
 * PostgreSQL both implement it.
 *
 * @module
 */

import type { EventRow, RawFrame } from "./record.ts";
import type { EventQuery, StatsRow } from "./query.ts";
import type { Dialect } from "./schema.ts";

/** An open, migrated event store. */
export interface StoreBackend {
  readonly dialect: Dialect;
  /** The target for messages (no password). */
  readonly label: string;
  /** Inserts `rows` in one transaction (all or none); resolves to the number of new rows (duplicates are skipped). */
  insert(rows: readonly EventRow[]): Promise<number>;
  /**
   * Like {@link insert} for frames whose rows are built by the store itself
   * (on its own thread); optional: without it the writer builds the rows.
   */
  insertFrames?(frames: readonly RawFrame[]): Promise<number>;
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
