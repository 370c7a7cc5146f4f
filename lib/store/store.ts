/**
 * Opens the store a `--store` value names, SQLite or PostgreSQL, migrated
 * and ready.
 *
 * @module
 */

import type { StoreBackend } from "./backend.ts";
import { openPostgresStore } from "./postgres.ts";
import type { Migration } from "./schema.ts";
import { openSqliteStore } from "./sqlite.ts";
import { openThreadedSqliteStore, StoreThreadError, threadAvailable } from "./sqlite_threaded.ts";
import { parseStoreTarget, type StoreTarget } from "./target.ts";

/** Options for {@link openStore}. */
export interface OpenStoreOptions {
  /** PostgreSQL password (never printed). Default: from the URL, else `PGPASSWORD`. */
  password?: string;
  /** Read only: no migration, no writes (history, replay). Default false. */
  readOnly?: boolean;
  /** Migrations to apply (tests). */
  migrations?: readonly Migration[];
  /**
   * SQLite: run the database on its own thread (writers: the display never waits) when the
   * process may read the worker module (see `threadAvailable`). Default false.
   */
  threaded?: boolean;
}

/** Opens the store named by `target` (a `--store` value or a parsed {@link StoreTarget}). */
export async function openStore(target: string | StoreTarget, options: OpenStoreOptions = {}): Promise<StoreBackend> {
  const t = typeof target === "string" ? parseStoreTarget(target) : target;
  if (t.kind === "sqlite") {
    const sqliteOptions = { readOnly: options.readOnly, migrations: options.migrations };
    if (options.threaded && threadAvailable()) {
      try {
        return await openThreadedSqliteStore(t.path, sqliteOptions);
      } catch (error) {
        // No thread here (e.g. a compiled binary without the worker module): the monitor's own thread.
        if (!(error instanceof StoreThreadError)) throw error;
      }
    }
    return await openSqliteStore(t.path, sqliteOptions);
  }
  return await openPostgresStore(t.url, {
    label: t.label,
    password: options.password,
    readOnly: options.readOnly,
    migrations: options.migrations,
  });
}
