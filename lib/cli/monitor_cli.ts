/**
 * Command-line options the monitors share (server, token, TLS, colour,
 * refresh) and turning them into connection settings.
 *
 * @module
 */

import { type Command, InvalidArgumentError, Option } from "commander";
import { parseAlert } from "../model/alerts.ts";
import { createEventFilter } from "../model/event_filter.ts";
import type { Severity } from "../protocol/severity.ts";
import { durationInRange, intInRange, parsePort, positiveUpTo, readCaFile, readToken, VERSION } from "./cli.ts";
import { ConfigError, configureUsage, UsageError, usageFailure } from "./usage.ts";
import { checkTokenTransport } from "./tokens.ts";
import {
  checkAlertFields,
  checkOutputFiles,
  checkPermissions,
  checkRecording,
  type PermissionNeed,
} from "./preflight.ts";
import { colorWanted } from "../ui/style.ts";
import type { RunOptions } from "../app/runtime.ts";
import { addStoreOptions, resolveStoreRun, type StoreCliOptions, type StoreRun } from "./store_options.ts";

/** Adds `--token-env`, `--token-file`, `--ca`, `--tls`, `--no-color`, `--refresh`, `--history` and `--version`. */
export function addCommonOptions(command: Command): Command {
  return addStoreOptions(configureUsage(command), { replayRange: true })
    .version(VERSION)
    .option("--token-env <var>", "read the auth token from this environment variable (default MAHAVISHNU_TOKEN)")
    .option("--token-file <file>", "read the auth token from the first line of this file")
    .option("--tls", "connect with wss:// instead of ws://")
    .option("--allow-insecure-token", "allow sending a token over plain ws:// to a host that is not this machine")
    .option("--ca <file>", "trust this CA certificate (PEM) for wss:// (implies --tls)")
    .option("--no-color", "no colours (NO_COLOR is honoured too)")
    .option(
      "--refresh <duration>",
      "at most one screen update per this interval (10ms to 60s)",
      durationInRange(10, 60_000),
      100,
    )
    .option("--history <n>", "events kept in the history (1 to 100000)", intInRange(1, 100_000), 500)
    .option("--json", "print JSON lines even on a terminal")
    .option("--events <globs>", "show only these events, e.g. 'worker.*,task.completed'")
    .addOption(
      new Option("--severity <level>", "show only events of this severity or above").choices([
        "info",
        "warning",
        "error",
      ]),
    )
    .option("--record <file>", "append every received frame to this JSONL file (needs --allow-write)")
    .option("--replay <file>", "drive the monitor from a recording instead of a server (needs --allow-read)")
    .option("--speed <n>", "replay speed factor (up to 1000)", positiveUpTo(1000), 1)
    .option(
      "--alert <rule>",
      "alert when FIELD OP NUMBER[ms|s|m|h] holds, e.g. 'queue_size>50' (repeatable)",
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option("--export <file>", "write the event history to this .csv or .jsonl file on exit (needs --allow-write)")
    .option(
      "--subscribe <channel>",
      "also follow this channel, e.g. worker:w1, global, adapters (repeatable; restored after a reconnect)",
      parseChannel,
      [] as string[],
    );
}

/** Collects a `--subscribe` channel: non-blank, no spaces or control characters, at most 200 characters. */
function parseChannel(value: string, all: string[]): string[] {
  // deno-lint-ignore no-control-regex
  if (!/^[^\s\x00-\x1f\x7f]{1,200}$/.test(value)) {
    throw new InvalidArgumentError(`a channel is 1 to 200 characters without spaces: current value is ${value}`);
  }
  return all.includes(value) ? all : [...all, value];
}

/** Adds `--host` and `--port` with the given default port. */
export function addServerOptions(command: Command, defaultPort = 8690): Command {
  return command
    .option("--host <host>", "server host", "127.0.0.1")
    .option("--port <port>", "server WebSocket port", parsePort, defaultPort);
}

/** The parsed `--host`/`--port`. */
export interface ServerOptions {
  host: string;
  port: number;
}

/** The parsed common options. */
export interface CommonOptions extends StoreCliOptions {
  since?: string;
  until?: string;
  tokenEnv?: string;
  tokenFile?: string;
  tls?: boolean;
  allowInsecureToken?: boolean;
  ca?: string;
  subscribe: string[];
  color: boolean;
  refresh: number;
  history: number;
  json?: boolean;
  events?: string;
  severity?: Severity;
  record?: string;
  replay?: string;
  speed: number;
  export?: string;
  alert: string[];
}

/** Connection, display and run settings derived from the common options. */
export interface ResolvedCommon {
  token?: string;
  caCerts?: string[];
  tls: boolean;
  color: boolean;
  /** JSON lines instead of the live screen (`--json`, or stdout is not a terminal). */
  json: boolean;
  /** At most one screen update per this many ms (`--refresh`). */
  refreshMs: number;
  /** Append every received frame to this file (`--record`). */
  recordPath?: string;
  /** More channels to follow (`--subscribe`). */
  extraChannels: string[];
  /** `--store` (an output) and a `--replay` from a store (read before the run). */
  store: Pick<StoreRun, "store" | "replay">;
  /** Runtime options: filters, replay, export, alerts (outputs are added by `launchMonitor`). */
  run: Omit<RunOptions, "outputs">;
}

/** What a monitor tells {@link resolveCommon} to check before it starts. */
export interface StartChecks {
  /** The monitor's `--alert` fields (`workers.*` allows a family). */
  alertFields: readonly string[];
  /**
   * The servers it will connect to (skipped with `--replay`); `commonToken`
   * false for one that gets its own token (or none) instead of `--token-*`'s.
   */
  servers: { host: string; port: number; why: string; commonToken?: boolean }[];
}

/**
 * Reads token and CA files, decides colour and output mode, and checks
 * everything that can be checked before connecting: alert fields, output
 * files, the replay file, and the permissions the run needs. Throws
 * {@link UsageError} or {@link ConfigError} with a one-line message.
 */
export function resolveCommon(o: CommonOptions, checks: StartChecks): ResolvedCommon {
  const json = o.json === true || !Deno.stdout.isTerminal();
  const alerts = o.alert.map((rule) => {
    try {
      return parseAlert(rule);
    } catch (error) {
      throw new UsageError(`--alert: ${(error as Error).message}`);
    }
  });
  checkAlertFields(alerts, checks.alertFields);
  const stored = resolveStoreRun(o);
  const outputs = [
    ...(o.record ? [{ option: "--record", path: o.record }] : []),
    ...(o.export ? [{ option: "--export", path: o.export }] : []),
    ...stored.files,
  ];
  checkOutputFiles(outputs);
  const needs: PermissionNeed[] = [
    ...(o.replay ? [] : checks.servers.map((s) => ({ name: "net" as const, host: s.host, port: s.port, why: s.why }))),
    ...outputs.map((f) => ({ name: "write" as const, path: f.path, why: f.option })),
    ...(o.replay && !stored.replay ? [{ name: "read" as const, path: o.replay, why: "--replay" }] : []),
    ...stored.needs,
    ...(o.tokenFile && !o.replay ? [{ name: "read" as const, path: o.tokenFile, why: "--token-file" }] : []),
    ...(o.ca ? [{ name: "read" as const, path: o.ca, why: "--ca" }] : []),
    ...(o.tokenEnv && !o.replay ? [{ name: "env" as const, variable: o.tokenEnv, why: "--token-env" }] : []),
  ];
  let token: string | undefined;
  let caCerts: string[] | undefined;
  try {
    token = o.replay ? undefined : readToken(o);
    caCerts = readCaFile(o.ca);
  } catch (error) {
    throw new ConfigError(error instanceof Error ? error.message : String(error));
  }
  const tls = o.tls === true || o.ca !== undefined;
  for (const server of checks.servers) {
    if (server.commonToken === false) continue;
    checkTokenTransport({ name: server.why, host: server.host, tls, token }, o.allowInsecureToken === true);
  }
  checkPermissions(needs);
  if (o.replay && !stored.replay) checkRecording(o.replay);
  return {
    token,
    caCerts,
    tls,
    color: colorWanted(!json, !o.color),
    json,
    refreshMs: o.refresh,
    recordPath: o.record,
    extraChannels: o.subscribe,
    store: { store: stored.store, replay: stored.replay },
    run: {
      accept: o.events || o.severity ? createEventFilter({ events: o.events, severity: o.severity }) : undefined,
      replayPath: o.replay,
      replaySpeed: o.speed,
      exportPath: o.export,
      alerts,
    },
  };
}

/**
 * Runs an entry point's `main`: a usage error prints one line and exits 2, a
 * configuration error exits 4, any other thrown error prints its message and exits 1.
 */
export async function runMain(name: string, main: (args: string[]) => Promise<number>): Promise<never> {
  let code: number;
  try {
    code = await main(Deno.args);
  } catch (error) {
    const usage = usageFailure(error);
    if (usage) {
      if (usage.message) console.error(`${name}: ${usage.message}`);
      code = usage.code;
    } else {
      console.error(`${name}: ${error instanceof Error ? error.message : String(error)}`);
      code = 1;
    }
  }
  Deno.exit(code);
}
