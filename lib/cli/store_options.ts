/**
 * `--store TARGET`, `--store-password-file FILE` and `--retention AGE` for
 * every monitor and the collector, and parsing times such as `1h` or an ISO
 * date for `history.ts`.
 *
 * @module
 */

import { type Command, InvalidArgumentError } from "commander";
import { isStoreTarget, parseStoreTarget, type StoreTarget } from "../store/target.ts";
import type { OutputFile, PermissionNeed } from "./preflight.ts";
import { UsageError } from "./usage.ts";
import { StoreOutput, type StoreOutputOptions } from "../store/store_output.ts";

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Parses an age such as `90s`, `15m`, `1h`, `7d` or `2w` into ms. */
export function parseAge(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/.exec(value.trim());
  const ms = m ? Number(m[1]) * UNITS[m[2]] : NaN;
  if (!(ms > 0)) {
    throw new InvalidArgumentError(`expected an age like 30m, 1h, 7d or 2w: current value is ${value}`);
  }
  return ms;
}

/** Checks a `--store` value (events.db, sqlite:PATH, postgres://…) and returns it unchanged; commander reports a bad one. */
export function parseStoreArg(value: string): string {
  try {
    parseStoreTarget(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
  return value;
}

/** Parses `--since`/`--until`: an age before `now` (`1h`) or an ISO 8601 date/time. */
export function parseTimeArg(value: string, now: number = Date.now()): number {
  if (/^\d+(?:\.\d+)?\s*(ms|s|m|h|d|w)$/.test(value.trim())) return now - parseAge(value);
  const t = /^\d{4}-\d{2}-\d{2}/.test(value.trim()) ? Date.parse(value.trim()) : NaN;
  if (!Number.isFinite(t)) {
    throw new InvalidArgumentError(
      `expected an age like 1h or an ISO date like 2026-11-30T08:00Z: current value is ${value}`,
    );
  }
  return t;
}

/**
 * Adds `--store`, `--store-password-file` and `--retention`; with
 * `replayRange`, also `--since`/`--until` for `--replay` from a store.
 */
export function addStoreOptions(command: Command, options: { replayRange?: boolean } = {}): Command {
  if (options.replayRange) {
    command
      .option(
        "--since <time>",
        "with --replay from a store (.db, postgres://): from this time (an age like 1h, or ISO)",
      )
      .option("--until <time>", "with --replay from a store: up to this time (an age like 1h, or ISO)");
  }
  return command
    .option(
      "--store <target>",
      "store every received message: events.db, sqlite:PATH or postgres://user@host:port/db",
      parseStoreArg,
    )
    .option("--store-password-file <file>", "PostgreSQL password from the first line of this file (else PGPASSWORD)")
    .option("--retention <age>", "delete stored events older than this, e.g. 7d", parseAge);
}

/** The parsed store options. */
export interface StoreCliOptions {
  store?: string;
  storePasswordFile?: string;
  retention?: number;
}

/** What a store output needs, or undefined without `--store`. */
export interface ResolvedStore {
  target: StoreTarget;
  /** Read from `--store-password-file`; never printed. */
  password?: string;
  retentionMs?: number;
}

/** Resolves the options: reads the password file; `PGPASSWORD` is read by the PostgreSQL client itself. */
export function resolveStoreOptions(options: StoreCliOptions): ResolvedStore | undefined {
  if (!options.store) {
    if (options.storePasswordFile || options.retention !== undefined) {
      throw new TypeError("Cannot use --store-password-file or --retention without --store");
    }
    return undefined;
  }
  const target = parseStoreTarget(options.store);
  let password: string | undefined;
  if (options.storePasswordFile) {
    if (target.kind !== "postgres") {
      throw new TypeError(`Cannot use --store-password-file with an SQLite store: current value is ${target.label}`);
    }
    password = Deno.readTextFileSync(options.storePasswordFile).split(/\r?\n/)[0];
    if (!password) {
      throw new TypeError(
        `Cannot read the store password as the file is empty: current value is ${options.storePasswordFile}`,
      );
    }
  }
  return { target, password, retentionMs: options.retention };
}

/**
 * The store output for a monitor's `--store` options, or undefined without
 * `--store`: `outputs.push(...)` it in the runtime. It opens in the
 * background; failures go to `options.onError` and its summary, never stop the monitor.
 */
export function createStoreOutput(
  options: StoreCliOptions,
  extra: Omit<StoreOutputOptions, "password" | "retentionMs"> = {},
): StoreOutput | undefined {
  const resolved = resolveStoreOptions(options);
  if (!resolved) return undefined;
  return new StoreOutput(resolved.target, { ...extra, password: resolved.password, retentionMs: resolved.retentionMs });
}

/** A monitor's store settings and what to check before it starts (see {@link resolveStoreRun}). */
export interface StoreRun {
  /** `--store`: where to store every received message. */
  store?: ResolvedStore;
  /** `--replay` names a store: what to read. */
  replay?: { target: string; since?: number; until?: number; password?: string };
  /** Permissions the store and the replay need. */
  needs: PermissionNeed[];
  /** Files the store writes (checked like `--record`). */
  files: OutputFile[];
}

function targetNeeds(target: StoreTarget, why: string, write: boolean): PermissionNeed[] {
  if (target.kind === "sqlite") {
    return [
      { name: "read", path: target.path, why },
      ...(write ? [{ name: "write" as const, path: target.path, why }] : []),
    ];
  }
  const port = Number(new URL(target.url).port || 5432);
  return [
    { name: "net", host: target.host, port, why },
    // The PostgreSQL client reads the standard PG* variables (PGPASSWORD, PGAPPNAME…).
    { name: "env", variable: "PGAPPNAME", why: `${why} (grant --allow-env=PG*)` },
  ];
}

/**
 * Resolves `--store`, `--store-password-file`, `--retention` and a `--replay`
 * that names a store with its `--since`/`--until`, and lists the permissions
 * and files to check. Throws {@link UsageError} for a bad combination.
 */
export function resolveStoreRun(
  o: StoreCliOptions & { replay?: string; since?: string; until?: string },
  now: number = Date.now(),
): StoreRun {
  let store: ResolvedStore | undefined;
  try {
    store = resolveStoreOptions(o);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const run: StoreRun = { store, needs: [], files: [] };
  if (store) {
    run.needs.push(...targetNeeds(store.target, "--store", true));
    if (store.target.kind === "sqlite") run.files.push({ option: "--store", path: store.target.path });
  }
  if (o.replay && isStoreTarget(o.replay)) {
    const target = parseStoreTarget(o.replay);
    if (target.kind === "sqlite") {
      try {
        Deno.statSync(target.path);
      } catch {
        throw new UsageError(`--replay ${target.path}: the store does not exist`);
      }
    }
    run.needs.push(...targetNeeds(target, "--replay", false));
    run.replay = {
      target: o.replay,
      since: o.since !== undefined ? parseTimeArg(o.since, now) : undefined,
      until: o.until !== undefined ? parseTimeArg(o.until, now) : undefined,
      password: store?.password,
    };
  } else if (o.since !== undefined || o.until !== undefined) {
    throw new UsageError("--since and --until need --replay with a store (events.db or postgres://)");
  }
  return run;
}
