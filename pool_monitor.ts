#!/usr/bin/env -S deno run --v8-flags=--max-semi-space-size=2 --allow-net=127.0.0.1,localhost --allow-env=MAHAVISHNU_TOKEN --allow-read
/**
 * Live monitor for one Mahavishnu worker pool: status, workers, queue,
 * tasks and recent events.
 *
 * Usage: `deno run --allow-net=HOST --allow-env=MAHAVISHNU_TOKEN pool_monitor.ts POOL_ID
 * [--host 127.0.0.1] [--port 8690] [--token-env VAR | --token-file FILE] [--tls] [--ca FILE]
 * [--history N] [--refresh 100ms] [--no-color] [--json]`
 *
 * Permissions: `--allow-net` to the server host; `--allow-env` for the token
 * variable; `--allow-read` only for `--token-file` / `--ca`.
 * When stdout is not a terminal it prints one JSON line per message.
 *
 * @module
 */

import { Command } from "commander";
import { POOL_ALERT_FIELDS, poolMonitor } from "./lib/app/pool_monitor_def.ts";
import { serverUrl } from "./lib/cli/cli.ts";
import { launchMonitor } from "./lib/cli/launch.ts";
import {
  addCommonOptions,
  addServerOptions,
  type CommonOptions,
  resolveCommon,
  runMain,
  type ServerOptions,
} from "./lib/cli/monitor_cli.ts";

/** Parses `args`, runs the monitor, resolves to the exit code. */
export async function main(args: string[]): Promise<number> {
  const program = addCommonOptions(addServerOptions(
    new Command()
      .name("pool_monitor.ts")
      .description("Live monitor for one Mahavishnu worker pool")
      .argument("<pool_id>", "the pool to watch, e.g. pool_local"),
  ))
    .parse(args, { from: "user" });
  const o = program.opts<CommonOptions & ServerOptions>();
  const poolId = program.args[0];
  const common = resolveCommon(o, {
    alertFields: POOL_ALERT_FIELDS,
    servers: [{ host: o.host, port: o.port, why: "the server" }],
  });
  const monitor = poolMonitor(poolId, {
    url: serverUrl(o.host, o.port, common.tls),
    historySize: o.history,
    token: common.token,
    caCerts: common.caCerts,
    extraChannels: common.extraChannels,
  });
  return await launchMonitor(monitor, common);
}

if (import.meta.main) await runMain("pool_monitor", main);
