/**
 * `--store TARGET`, `--store-password-file FILE` and `--retention AGE` for
 * every monitor and the collector, and parsing times such as `1h` or an ISO
 * date for `history.ts`.
 *
 * @module
 */

import { type Command, InvalidArgumentError } from "commander";
import { parseStoreTarget, type StoreTarget } from "../store/target.ts";
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

/** Adds `--store`, `--store-password-file` and `--retention`. */
export function addStoreOptions(command: Command): Command {
  return command
    .option(
      "--store <target>",
      "store every received message: events.db, sqlite:PATH or postgres://user@host:port/db",
      (v: string) => {
        try {
          parseStoreTarget(v);
        } catch (error) {
          throw new InvalidArgumentError((error as Error).message);
        }
        return v;
      },
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
