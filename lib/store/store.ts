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
import { openThreadedSqliteStore, threadAvailable } from "./sqlite_threaded.ts";
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
export function openStore(target: string | StoreTarget, options: OpenStoreOptions = {}): Promise<StoreBackend> {
  const t = typeof target === "string" ? parseStoreTarget(target) : target;
  if (t.kind === "sqlite") {
    const open = options.threaded && threadAvailable() ? openThreadedSqliteStore : openSqliteStore;
    return open(t.path, { readOnly: options.readOnly, migrations: options.migrations });
  }
  return openPostgresStore(t.url, {
    label: t.label,
    password: options.password,
    readOnly: options.readOnly,
    migrations: options.migrations,
  });
}
