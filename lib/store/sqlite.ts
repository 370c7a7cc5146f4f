/**
 * The embedded store: SQLite through Deno's built-in `node:sqlite`, in WAL
 * mode. Needs `--allow-read` and `--allow-write` for the file (and its
 * `-wal`/`-shm` companions).
 *
 * @module
 */

import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { StoreBackend } from "./backend.ts";
import { COLUMN_FIELDS, COLUMNS, type EventRow } from "./record.ts";
import { type FramePack, packRows } from "./frame_pack.ts";
import { type EventQuery, fromDbRow, selectStatement, type StatsRow, statsStatement } from "./query.ts";
import {
  checkReadable,
  type Migration,
  MIGRATIONS,
  pendingMigrations,
  type SchemaOptions,
  StoreError,
  VERSION_TABLE,
} from "./schema.ts";

/** Options for {@link openSqliteStore}. */
export interface SqliteStoreOptions extends SchemaOptions {
  /** How long (ms) to wait for a lock held by another process. Default 2 000. */
  busyTimeoutMs?: number;
  /** Caps the file at this many pages (tests: a full disk). Default none. */
  maxPageCount?: number;
}

/** Explains a SQLite or permission error in words for a person. */
export function describeSqliteError(error: unknown, path: string): StoreError {
  if (error instanceof StoreError) return error;
  const text = error instanceof Error ? error.message : String(error);
  if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
    return new StoreError(
      `Cannot use store ${path} as access was not granted: run with --allow-read=${path} --allow-write=${path} (${text})`,
      { permanent: true, cause: error },
    );
  }
  if (/not a database|malformed|corrupt/i.test(text)) {
    return new StoreError(`Cannot use store ${path} as it is not an SQLite database or is corrupt (${text})`, {
      permanent: true,
      cause: error,
    });
  }
  if (/readonly|read-only/i.test(text)) {
    return new StoreError(`Cannot write to store ${path} as the file is read-only (${text})`, {
      permanent: true,
      cause: error,
    });
  }
  if (/disk is full|disk I\/O/i.test(text)) {
    return new StoreError(`Cannot write to store ${path} as the disk is full (${text})`, { cause: error });
  }
  if (/locked|busy/i.test(text)) {
    return new StoreError(`Cannot write to store ${path} as another process holds its lock (${text})`, {
      cause: error,
    });
  }
  return new StoreError(`Cannot use store ${path}: ${text}`, { cause: error });
}

function fileIsReadOnly(path: string): boolean {
  try {
    const mode = Deno.statSync(path).mode;
    return mode !== null && (mode & 0o222) === 0;
  } catch {
    return false;
  }
}

/** Opens (creating and migrating when needed) an SQLite store at `path`. */
export function openSqliteStore(path: string, options: SqliteStoreOptions = {}): Promise<StoreBackend> {
  try {
    return Promise.resolve(new SqliteStore(path, options));
  } catch (error) {
    return Promise.reject(describeSqliteError(error, path));
  }
}

/** The {@link EventRow} field of each column, in column order. */
const FIELDS = COLUMNS.map((c) => COLUMN_FIELDS[c]);

class SqliteStore implements StoreBackend {
  readonly dialect = "sqlite" as const;
  readonly label: string;
  #db: DatabaseSync;
  #inserts = new Map<number, StatementSync>();

  constructor(path: string, options: SqliteStoreOptions) {
    this.label = path;
    const readOnly = options.readOnly ?? false;
    if (readOnly) {
      try {
        Deno.statSync(path);
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) {
          throw new StoreError(`Cannot read store ${path} as the file does not exist`, { permanent: true });
        }
        throw error;
      }
    } else if (fileIsReadOnly(path)) {
      throw new StoreError(`Cannot write to store ${path} as the file is read-only (mode without write bits)`, {
        permanent: true,
      });
    }
    this.#db = new DatabaseSync(path, { readOnly, timeout: options.busyTimeoutMs ?? 2000 });
    try {
      this.#db.prepare("SELECT count(*) FROM sqlite_master").get();
      if (!readOnly) {
        // Only a new, empty file takes it: 8 KiB pages made inserts ~5% cheaper than 4 KiB (measured).
        this.#db.exec("PRAGMA page_size = 8192");
        // Durability: in WAL mode with synchronous = NORMAL a commit is in the WAL file (the OS's page cache) when
        // insert() resolves, so a process crash loses nothing acknowledged; only a power cut or an OS crash can
        // roll back the last commits (never corrupting the file). FULL would add an fsync to every commit.
        this.#db.exec("PRAGMA journal_mode = WAL");
        this.#db.exec("PRAGMA synchronous = NORMAL");
        this.#db.exec("PRAGMA cache_size = -65536");
        // Checkpoint every ~40 MB of WAL (5,000 pages of 8 KiB) instead of 4 MB: fewer fsyncs of the database file
        // (measured 1.2-1.6x ingest).
        this.#db.exec("PRAGMA wal_autocheckpoint = 5000");
        if (options.maxPageCount !== undefined) this.#db.exec(`PRAGMA max_page_count = ${options.maxPageCount}`);
        this.#migrate(options.migrations ?? MIGRATIONS, options.now ?? Date.now);
      } else {
        checkReadable(this.#versionSync(), path, options.migrations ?? MIGRATIONS);
      }
    } catch (error) {
      this.#db.close();
      throw error;
    }
  }

  #versionSync(): number {
    const table = this.#db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'")
      .get();
    if (!table) return 0;
    const row = this.#db.prepare("SELECT MAX(version) AS v FROM schema_version").get() as { v: number | null };
    return Number(row.v ?? 0);
  }

  #migrate(migrations: readonly Migration[], now: () => number): void {
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      this.#db.exec(VERSION_TABLE);
      for (const m of pendingMigrations(this.#versionSync(), this.label, migrations)) {
        for (const statement of m.sqlite) this.#db.exec(statement);
        this.#db.prepare("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)").run(m.version, now());
      }
      this.#db.exec("COMMIT");
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      throw error;
    }
  }

  insert(rows: readonly EventRow[]): Promise<number> {
    try {
      return Promise.resolve(this.#insertSync(rows));
    } catch (error) {
      return Promise.reject(describeSqliteError(error, this.label));
    }
  }

  /** Builds the rows of the packs' frames (here, on the store's thread) and inserts them in one transaction. */
  insertPacks(packs: readonly FramePack[]): Promise<number> {
    try {
      const rows: EventRow[] = [];
      for (const pack of packs) packRows(pack, rows);
      return Promise.resolve(this.#insertSync(rows));
    } catch (error) {
      return Promise.reject(describeSqliteError(error, this.label));
    }
  }

  #insertSync(rows: readonly EventRow[]): number {
    if (rows.length === 0) return 0;
    let inserted = 0;
    const bound: (string | number)[] = [];
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      for (let r = 0; r < rows.length; r++) {
        const row = rows[r];
        // Bind only the non-null columns: in Deno's node:sqlite every bound parameter costs about as much as a
        // short string, so one statement per null pattern (a handful per event kind) is faster than binding
        // nulls, and single-row statements beat multi-row ones of 8 to 64 rows (measured).
        let mask = 0;
        bound.length = 0;
        for (let i = 0; i < FIELDS.length; i++) {
          const v = row[FIELDS[i]];
          if (v !== null) {
            mask |= 1 << i;
            bound.push(v);
          }
        }
        inserted += Number(this.#statement(mask).run(...bound).changes);
      }
      this.#db.exec("COMMIT");
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      throw error;
    }
    return inserted;
  }

  #statement(mask: number): StatementSync {
    let statement = this.#inserts.get(mask);
    if (!statement) {
      const columns = COLUMNS.filter((_, i) => (mask & (1 << i)) !== 0);
      statement = this.#db.prepare(
        `INSERT INTO events (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")}) ` +
          "ON CONFLICT DO NOTHING",
      );
      if (this.#inserts.size < 256) this.#inserts.set(mask, statement);
    }
    return statement;
  }

  select(query: EventQuery): Promise<EventRow[]> {
    try {
      const s = selectStatement(query, "sqlite");
      const rows = this.#db.prepare(s.sql).all(...s.params) as Record<string, unknown>[];
      return Promise.resolve(rows.map(fromDbRow));
    } catch (error) {
      return Promise.reject(describeSqliteError(error, this.label));
    }
  }

  stats(query: EventQuery, bucketMs: number): Promise<StatsRow[]> {
    try {
      const s = statsStatement(query, bucketMs, "sqlite");
      const rows = this.#db.prepare(s.sql).all(...s.params) as Record<string, unknown>[];
      return Promise.resolve(
        rows.map((r) => ({ event: String(r.event), bucket: Number(r.bucket), count: Number(r.count) })),
      );
    } catch (error) {
      return Promise.reject(describeSqliteError(error, this.label));
    }
  }

  deleteBefore(cutoff: number, limit: number): Promise<number> {
    try {
      const result = this.#db.prepare(
        "DELETE FROM events WHERE rowid IN (SELECT rowid FROM events WHERE received_at < ? ORDER BY received_at LIMIT ?)",
      ).run(cutoff, limit);
      return Promise.resolve(Number(result.changes));
    } catch (error) {
      return Promise.reject(describeSqliteError(error, this.label));
    }
  }

  version(): Promise<number> {
    try {
      return Promise.resolve(this.#versionSync());
    } catch (error) {
      return Promise.reject(describeSqliteError(error, this.label));
    }
  }

  close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
    return Promise.resolve();
  }
}
