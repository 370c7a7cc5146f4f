/**
 * The event store schema: one `events` table with a row per received
 * message, a `schema_version` table, and forward migrations for SQLite and
 * PostgreSQL. A store whose version is newer than {@link SCHEMA_VERSION} is
 * refused rather than guessed at.
 *
 * @module
 */

/** The two SQL dialects the store speaks. */
export type Dialect = "sqlite" | "postgres";

/** One forward migration: the statements that take a store from `version - 1` to `version`. */
export interface Migration {
  version: number;
  /** What it does, in words. */
  description: string;
  sqlite: string[];
  postgres: string[];
}

/** How a store being opened treats its schema; both store kinds take these. */
export interface SchemaOptions {
  /** Open for reading only (history, replay): check the version, no migration, no writes. Default false. */
  readOnly?: boolean;
  /** Migrations to apply (tests). Default {@link MIGRATIONS}. */
  migrations?: readonly Migration[];
  /** Clock for the version table. Default `Date.now`. */
  now?: () => number;
}

const INDEXES = [
  "CREATE INDEX IF NOT EXISTS events_time ON events (received_at)",
  "CREATE INDEX IF NOT EXISTS events_event_time ON events (event, received_at)",
  "CREATE INDEX IF NOT EXISTS events_workflow ON events (workflow_id, received_at) WHERE workflow_id IS NOT NULL",
  "CREATE INDEX IF NOT EXISTS events_pool ON events (pool_id, received_at) WHERE pool_id IS NOT NULL",
  "CREATE INDEX IF NOT EXISTS events_worker ON events (worker_id, received_at) WHERE worker_id IS NOT NULL",
];

/**
 * What makes a delivery a duplicate (schema version 2): the same event id
 * with the same timestamp as sent. A second delivery of a message is stored
 * once; an id that a server hands out again at another time (a counter that
 * restarts with the server) is another event. Keyed by the timestamp first,
 * new keys land at the end of the index instead of at random places (a random
 * UUID key rewrote a page of the index per row: a third of the insert cost,
 * and growing with the table).
 */
const EVENT_KEY = "CREATE UNIQUE INDEX IF NOT EXISTS events_key ON events ((COALESCE(timestamp, '')), id)";

/** The `events` table, in a dialect's type for epoch-millisecond times and for the payload. */
function eventsTable(name: string, millis: "INTEGER" | "BIGINT", payload: "TEXT" | "JSONB", idKey: string): string {
  return `CREATE TABLE ${name} (
        id TEXT NOT NULL${idKey},
        received_at ${millis} NOT NULL,
        event_at ${millis},
        service TEXT NOT NULL,
        room TEXT,
        type TEXT NOT NULL,
        event TEXT,
        severity TEXT NOT NULL,
        pool_id TEXT,
        workflow_id TEXT,
        worker_id TEXT,
        task_id TEXT,
        correlation_id TEXT,
        error_code TEXT,
        error_message TEXT,
        timestamp TEXT,
        payload ${payload} NOT NULL
      )`;
}

const ALL_COLUMNS = "id, received_at, event_at, service, room, type, event, severity, pool_id, workflow_id, " +
  "worker_id, task_id, correlation_id, error_code, error_message, timestamp, payload";

/** Every migration, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "events table with time, event, workflow, pool and worker indexes",
    sqlite: [eventsTable("events", "INTEGER", "TEXT", " PRIMARY KEY"), ...INDEXES],
    postgres: [eventsTable("events", "BIGINT", "JSONB", " PRIMARY KEY"), ...INDEXES],
  },
  {
    version: 2,
    description: "a duplicate is the same event id with the same timestamp (an index in time order, not a random one)",
    // SQLite cannot drop a primary key: the table is rebuilt (its indexes go with the old one).
    sqlite: [
      eventsTable("events_v2", "INTEGER", "TEXT", ""),
      `INSERT INTO events_v2 (${ALL_COLUMNS}) SELECT ${ALL_COLUMNS} FROM events ORDER BY rowid`,
      "DROP TABLE events",
      "ALTER TABLE events_v2 RENAME TO events",
      ...INDEXES,
      EVENT_KEY,
    ],
    postgres: ["ALTER TABLE events DROP CONSTRAINT IF EXISTS events_pkey", EVENT_KEY],
  },
];

/** The schema version this code writes and reads. */
export const SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1].version;

/** The version table, the same in both dialects. */
export const VERSION_TABLE =
  "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL PRIMARY KEY, applied_at BIGINT NOT NULL)";

/** Thrown when a store cannot be used; the message is for a person. */
export class StoreError extends Error {
  /** True when retrying cannot help (corrupt file, newer schema, read-only file). */
  readonly permanent: boolean;
  constructor(message: string, options: { permanent?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "StoreError";
    this.permanent = options.permanent ?? false;
  }
}

/**
 * The migrations to apply to a store at `current`, or a {@link StoreError}
 * when the store is newer than `migrations` know.
 */
export function pendingMigrations(
  current: number,
  label: string,
  migrations: readonly Migration[] = MIGRATIONS,
): Migration[] {
  const known = migrations[migrations.length - 1]?.version ?? 0;
  if (current > known) {
    throw new StoreError(
      `Cannot use store ${label} as its schema version ${current} is newer than this program knows (${known}): ` +
        "upgrade the monitors",
      { permanent: true },
    );
  }
  return migrations.filter((m) => m.version > current);
}

/** Refuses to read a store that was never written (no schema yet), or one newer than the code. */
export function checkReadable(current: number, label: string, migrations: readonly Migration[] = MIGRATIONS): void {
  if (current === 0) {
    throw new StoreError(`Cannot read store ${label} as nothing was ever stored in it (no schema)`, {
      permanent: true,
    });
  }
  pendingMigrations(current, label, migrations);
}
