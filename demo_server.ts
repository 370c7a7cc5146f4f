#!/usr/bin/env -S deno run --allow-net=127.0.0.1,0.0.0.0,localhost --allow-read --allow-env=MAHAVISHNU_TOKEN
/**
 * Mahavishnu-compatible demo server: simulates pools, workers, tasks,
 * workflows (Mahavishnu, port 8690) and insights (Akosha, port 8692) so that
 * every monitor runs on a fresh machine. It is also the test fixture.
 *
 * It is as strict as the real servers (see `docs/PROTOCOL.md`): each service
 * answers only its own requests with the real answers, patterns go only to
 * `patterns:{type}` rooms, and only the real error codes are sent.
 *
 * Permissions: `--allow-net` for the listening interface; `--allow-read` only
 * for `--replay` and `--require-token-file`; `--allow-env` only for the
 * variable named by `--require-token-env` (the task allows `MAHAVISHNU_TOKEN`).
 *
 * Usage: `deno task server [--port 8690] [--akosha-port 8692] [--rate 8]
 * [--seed N] [--scenario steady|burst|failing] [--pool-status-shape flat|nested|mixed]
 * [--require-token-env VAR | --require-token-file FILE]
 * [--replay FILE.jsonl|events.db [--since 1h|ISO] [--until …] [--speed N]]`
 *
 * The token never comes from the command line, where `ps` would show it.
 *
 * @module
 */

import { Command, Option } from "commander";
import { plainHelp } from "./lib/cli/usage.ts";
import { parseListenPort, parsePositive, VERSION } from "./lib/cli/cli.ts";
import { startDemoServer } from "./lib/demo/server.ts";
import { readRecording, type RecordedFrame } from "./lib/app/recorder.ts";
import type { PoolStatusShape, Scenario } from "./lib/demo/simulation.ts";
import { parseTimeArg } from "./lib/cli/store_options.ts";
import { readStoreRecording } from "./lib/store/replay.ts";
import { isStoreTarget } from "./lib/store/target.ts";

/** Parses arguments and runs until SIGINT/SIGTERM. */
export async function main(args: string[]): Promise<void> {
  const program = plainHelp(new Command())
    .name("demo_server.ts")
    .description("Mahavishnu + Akosha compatible demo server for the monitors")
    .version(VERSION)
    .option("--host <host>", "interface to listen on", "127.0.0.1")
    .option("--port <port>", "Mahavishnu WebSocket port (0: any free port)", parseListenPort, 8690)
    .option("--akosha-port <port>", "Akosha WebSocket port (0: any free port)", parseListenPort, 8692)
    .option("--no-akosha", "run no Akosha server")
    .option("--no-mahavishnu", "run no Mahavishnu server")
    .option("--rate <n>", "pool events per second", parsePositive, 8)
    .option("--seed <n>", "random seed for a deterministic run", (v) => Number.parseInt(v, 10))
    .addOption(
      new Option("--scenario <name>", "what to simulate").choices(["steady", "burst", "failing"]).default("steady"),
    )
    .addOption(
      new Option("--pool-status-shape <shape>", "pool.status_changed payload shape")
        .choices(["flat", "nested", "mixed"]).default("mixed"),
    )
    .option("--require-token-env <var>", "require clients to authenticate with the token in this environment variable")
    .option("--require-token-file <file>", "require clients to authenticate with the token in this file")
    .option("--replay <file>", "serve a recording (a --record .jsonl file, or a .db event store) instead of simulating")
    .option("--since <time>", "with a store: replay from this time (an age like 1h, or ISO)")
    .option("--until <time>", "with a store: replay up to this time (an age like 1h, or ISO)")
    .option("--speed <n>", "replay speed factor", parsePositive, 1)
    .option("--max-connections <n>", "close further connections with 1013", parsePositive, 1000)
    .parse(args, { from: "user" });
  const o = program.opts<{
    host: string;
    port: number;
    akoshaPort: number;
    akosha: boolean;
    mahavishnu: boolean;
    rate: number;
    seed?: number;
    scenario: Scenario;
    poolStatusShape: PoolStatusShape;
    requireTokenEnv?: string;
    requireTokenFile?: string;
    maxConnections: number;
    replay?: string;
    since?: string;
    until?: string;
    speed: number;
  }>();
  const requireToken = readRequiredToken(o.requireTokenEnv, o.requireTokenFile);
  let replay: RecordedFrame[] | undefined;
  if (o.replay && isStoreTarget(o.replay)) {
    const now = Date.now();
    replay = await readStoreRecording(o.replay, {
      since: o.since !== undefined ? parseTimeArg(o.since, now) : undefined,
      until: o.until !== undefined ? parseTimeArg(o.until, now) : undefined,
    });
    console.error(`replay: ${replay.length} stored event(s) from ${o.replay}`);
  } else if (o.replay) {
    const recording = readRecording(Deno.readTextFileSync(o.replay));
    if (recording.skipped > 0) console.error(`replay: skipped ${recording.skipped} unreadable line(s) of ${o.replay}`);
    replay = recording.frames;
  }
  const server = startDemoServer({
    hostname: o.host,
    port: o.mahavishnu ? o.port : null,
    akoshaPort: o.akosha ? o.akoshaPort : null,
    rate: o.rate,
    seed: o.seed,
    scenario: o.scenario,
    poolStatusShape: o.poolStatusShape,
    requireToken,
    maxConnections: o.maxConnections,
    replay,
    replaySpeed: o.speed,
  });
  if (server.port !== null) console.log(`mahavishnu listening on ws://${o.host}:${server.port}`);
  if (server.akoshaPort !== null) console.log(`akosha listening on ws://${o.host}:${server.akoshaPort}`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    Deno.addSignalListener("SIGINT", stop);
    Deno.addSignalListener("SIGTERM", stop);
  });
  await server.close();
}

/** The token clients must present, from an environment variable or a file (never the command line). */
function readRequiredToken(variable?: string, file?: string): string | undefined {
  if (variable !== undefined && file !== undefined) {
    throw new TypeError("Cannot require a token as both --require-token-env and --require-token-file are given");
  }
  if (variable === undefined && file === undefined) return undefined;
  const token = variable !== undefined ? Deno.env.get(variable) : Deno.readTextFileSync(file!).trim();
  if (!token) {
    const where = variable !== undefined ? `environment variable ${variable}` : `file ${file}`;
    throw new TypeError(`Cannot require a token as the ${where} is empty or unset`);
  }
  return token;
}

if (import.meta.main) {
  try {
    await main(Deno.args);
    Deno.exit(0);
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    if (error instanceof Deno.errors.AddrInUse) {
      console.error(`demo_server: ${text}: is another server already running on that port? try --port 0`);
    } else {
      console.error(`demo_server: ${text}`);
    }
    Deno.exit(1);
  }
}
