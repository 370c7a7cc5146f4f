/**
 * The team store: a PostgreSQL server through npm `postgres`. Batches go in
 * as one `INSERT … SELECT FROM unnest(…)` per transaction; the connection
 * comes back by itself after a server restart (a failed batch is retried by
 * the writer). Needs `--allow-net` to the server and `--allow-env=PG*`
 * (the client reads the standard `PG…` variables).
 *
 * @module
 */

import postgres from "postgres";
import type { StoreBackend } from "./backend.ts";
import { COLUMNS, type EventRow } from "./record.ts";
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

/** Options for {@link openPostgresStore}. */
export interface PostgresStoreOptions extends SchemaOptions {
  /** The password (from `PGPASSWORD` or `--store-password-file`); never printed. Default: the URL's or none. */
  password?: string;
  /** Label for messages (the URL without password). Default: the URL without password. */
  label?: string;
  /** Seconds to wait for a connection. Default 5. */
  connectTimeoutS?: number;
}

/** Explains a PostgreSQL or network error in words for a person. */
export function describePostgresError(error: unknown, label: string): StoreError {
  if (error instanceof StoreError) return error;
  const e = error as { message?: string; code?: string };
  const text = e?.message ?? String(error);
  if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
    return new StoreError(`Cannot use store ${label} as access was not granted: ${text}`, { permanent: true });
  }
  if (e?.code === "ECONNREFUSED" || /ECONNREFUSED|connection refused/i.test(text)) {
    return new StoreError(`Cannot reach store ${label}: the server refused the connection (is it running?)`, {
      cause: error,
    });
  }
  if (e?.code === "28P01" || e?.code === "28000") {
    return new StoreError(`Cannot use store ${label} as authentication failed (${text})`, { cause: error });
  }
  return new StoreError(`Cannot use store ${label}: ${text}`, { cause: error });
}

/** Opens (creating and migrating when needed) a PostgreSQL store. */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<StoreBackend> {
  const safe = new URL(url);
  safe.password = "";
  const label = options.label ?? safe.href;
  let user: string | undefined;
  if (!safe.username) {
    // The client would fall back to the OS user name, which needs --allow-sys: say what to do instead.
    const env = Deno.permissions.querySync({ name: "env", variable: "PGUSER" }).state === "granted"
      ? Deno.env.get("PGUSER")
      : undefined;
    if (!env) {
      throw new StoreError(
        `Cannot use store ${label} as it names no user: write postgres://USER@host/db or set PGUSER`,
        {
          permanent: true,
        },
      );
    }
    user = env;
  }
  const sql = postgres(url, {
    ...(user !== undefined ? { user } : {}),
    max: 2,
    connect_timeout: options.connectTimeoutS ?? 5,
    idle_timeout: 60,
    onnotice: () => {},
    ...(options.password !== undefined ? { password: options.password } : {}),
  });
  const store = new PostgresStore(sql, label);
  try {
    if (options.readOnly) {
      checkReadable(await store.version(), label, options.migrations ?? MIGRATIONS);
    } else {
      await store.migrate(options.migrations ?? MIGRATIONS, options.now ?? Date.now);
    }
  } catch (error) {
    await sql.end({ timeout: 1 }).catch(() => {});
    throw describePostgresError(error, label);
  }
  return store;
}

const CAST: Record<(typeof COLUMNS)[number], string> = {
  id: "text",
  received_at: "bigint",
  event_at: "bigint",
  service: "text",
  room: "text",
  type: "text",
  event: "text",
  severity: "text",
  pool_id: "text",
  workflow_id: "text",
  worker_id: "text",
  task_id: "text",
  correlation_id: "text",
  error_code: "text",
  error_message: "text",
  timestamp: "text",
  payload: "text",
};

const INSERT_SQL =
  `INSERT INTO events (${COLUMNS.join(", ")}) SELECT ${
    COLUMNS.map((c) => c === "payload" ? "payload::jsonb" : c).join(", ")
  } FROM unnest(${COLUMNS.map((c, i) => `$${i + 1}::${CAST[c]}[]`).join(", ")}) AS t(${COLUMNS.join(", ")}) ` +
  "ON CONFLICT DO NOTHING";

class PostgresStore implements StoreBackend {
  readonly dialect = "postgres" as const;
  readonly label: string;
  #sql: postgres.Sql;

  constructor(sql: postgres.Sql, label: string) {
    this.#sql = sql;
    this.label = label;
  }

  async migrate(migrations: readonly Migration[], now: () => number): Promise<void> {
    await this.#sql.begin(async (tx) => {
      // One migrating process at a time (several collectors may start together).
      await tx.unsafe("SELECT pg_advisory_xact_lock(7310215)");
      await tx.unsafe(VERSION_TABLE);
      const [row] = await tx.unsafe("SELECT COALESCE(MAX(version), 0) AS v FROM schema_version");
      for (const m of pendingMigrations(Number(row.v), this.label, migrations)) {
        for (const statement of m.postgres) await tx.unsafe(statement);
        await tx.unsafe("INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)", [m.version, now()]);
      }
    });
  }

  async insert(rows: readonly EventRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    const columns: (string | number | null)[][] = COLUMNS.map(() => new Array(rows.length));
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      columns[0][i] = r.id;
      columns[1][i] = r.receivedAt;
      columns[2][i] = r.eventAt;
      columns[3][i] = r.service;
      columns[4][i] = r.room;
      columns[5][i] = r.type;
      columns[6][i] = r.event;
      columns[7][i] = r.severity;
      columns[8][i] = r.poolId;
      columns[9][i] = r.workflowId;
      columns[10][i] = r.workerId;
      columns[11][i] = r.taskId;
      columns[12][i] = r.correlationId;
      columns[13][i] = r.errorCode;
      columns[14][i] = r.errorMessage;
      columns[15][i] = r.timestamp;
      columns[16][i] = r.payload;
    }
    try {
      // A single statement is its own transaction: all rows or none.
      const result = await this.#sql.unsafe(INSERT_SQL, columns as unknown as postgres.ParameterOrJSON<never>[]);
      return result.count;
    } catch (error) {
      throw describePostgresError(error, this.label);
    }
  }

  async select(query: EventQuery): Promise<EventRow[]> {
    const s = selectStatement(query, "postgres");
    try {
      const rows = await this.#sql.unsafe(s.sql, s.params);
      return rows.map((r) => fromDbRow(r as Record<string, unknown>));
    } catch (error) {
      throw describePostgresError(error, this.label);
    }
  }

  async stats(query: EventQuery, bucketMs: number): Promise<StatsRow[]> {
    const s = statsStatement(query, bucketMs, "postgres");
    try {
      const rows = await this.#sql.unsafe(s.sql, s.params);
      return rows.map((r) => ({ event: String(r.event), bucket: Number(r.bucket), count: Number(r.count) }));
    } catch (error) {
      throw describePostgresError(error, this.label);
    }
  }

  async deleteBefore(cutoff: number, limit: number): Promise<number> {
    try {
      const result = await this.#sql.unsafe(
        "DELETE FROM events WHERE ctid IN (SELECT ctid FROM events WHERE received_at < $1 ORDER BY received_at LIMIT $2)",
        [cutoff, limit],
      );
      return result.count;
    } catch (error) {
      throw describePostgresError(error, this.label);
    }
  }

  async version(): Promise<number> {
    const [table] = await this.#sql.unsafe("SELECT to_regclass('schema_version') IS NOT NULL AS present");
    if (!table.present) return 0;
    const [row] = await this.#sql.unsafe("SELECT COALESCE(MAX(version), 0) AS v FROM schema_version");
    return Number(row.v);
  }

  async close(): Promise<void> {
    await this.#sql.end({ timeout: 2 });
  }
}
