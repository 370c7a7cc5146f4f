/**
 * Command-line options the monitors share (server, token, TLS, colour,
 * refresh) and turning them into connection settings.
 *
 * @module
 */

import { type Command, Option } from "commander";
import { type Alert, parseAlert } from "../model/alerts.ts";
import { createEventFilter } from "../model/event_filter.ts";
import type { Severity } from "../protocol/severity.ts";
import { parseDurationMs, parsePort, parsePositive, parsePositiveInt, readCaFile, readToken, VERSION } from "./cli.ts";
import { colorWanted } from "../ui/style.ts";

/** Adds `--token-env`, `--token-file`, `--ca`, `--tls`, `--no-color`, `--refresh`, `--history` and `--version`. */
export function addCommonOptions(command: Command): Command {
  return command
    .version(VERSION)
    .option("--token-env <var>", "read the auth token from this environment variable (default MAHAVISHNU_TOKEN)")
    .option("--token-file <file>", "read the auth token from the first line of this file")
    .option("--tls", "connect with wss:// instead of ws://")
    .option("--ca <file>", "trust this CA certificate (PEM) for wss:// (implies --tls)")
    .option("--no-color", "no colours (NO_COLOR is honoured too)")
    .option("--refresh <duration>", "at most one frame per this interval", parseDurationMs, 100)
    .option("--history <n>", "events kept in the history", parsePositiveInt, 500)
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
    .option("--speed <n>", "replay speed factor", parsePositive, 1)
    .option(
      "--alert <rule>",
      "alert when FIELD OP NUMBER[ms|s|m|h] holds, e.g. 'queue_size>50' (repeatable)",
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option("--export <file>", "write the event history to this .csv or .jsonl file on exit (needs --allow-write)");
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
export interface CommonOptions {
  tokenEnv?: string;
  tokenFile?: string;
  tls?: boolean;
  ca?: string;
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

/** Connection and display settings derived from the common options. */
export interface ResolvedCommon {
  token?: string;
  caCerts?: string[];
  tls: boolean;
  color: boolean;
  json: boolean;
  /** Options for `runLiveApp`: filters, record, replay, export. */
  app: {
    accept?: ReturnType<typeof createEventFilter>;
    recordPath?: string;
    replayPath?: string;
    replaySpeed: number;
    exportPath?: string;
    alerts: Alert[];
  };
}

/** Reads token and CA files and decides colour and output mode. Throws TypeError with a clear message. */
export function resolveCommon(o: CommonOptions): ResolvedCommon {
  const json = o.json === true || !Deno.stdout.isTerminal();
  return {
    token: o.replay ? undefined : readToken(o),
    caCerts: readCaFile(o.ca),
    tls: o.tls === true || o.ca !== undefined,
    color: colorWanted(!json, !o.color),
    json,
    app: {
      accept: o.events || o.severity ? createEventFilter({ events: o.events, severity: o.severity }) : undefined,
      recordPath: o.record,
      replayPath: o.replay,
      replaySpeed: o.speed,
      exportPath: o.export,
      alerts: o.alert.map(parseAlert),
    },
  };
}

/** Runs an entry point's `main`, turning thrown errors into a message and exit code 1. */
export async function runMain(name: string, main: (args: string[]) => Promise<number>): Promise<never> {
  let code: number;
  try {
    code = await main(Deno.args);
  } catch (error) {
    console.error(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    code = 1;
  }
  Deno.exit(code);
}
