#!/usr/bin/env -S deno run --v8-flags=--optimize-for-size --allow-net=127.0.0.1,localhost --allow-env=MAHAVISHNU_TOKEN --allow-read
/**
 * Three services side by side: Mahavishnu workflows (`global`), one pool
 * (`pool:ID`) and Akosha insights, each on its own independent connection
 * with its own indicator, counters and history.
 *
 * Usage: `deno task dashboard [--mahavishnu-host H --mahavishnu-port 8690]
 * [--pool-host H --pool-port 8690 --pool-id pool_local]
 * [--akosha-host H --akosha-port 8692 --akosha-channels insights,anomalies]
 * [--token-env VAR] [--refresh 100ms] [--no-color] [--json]`
 *
 * Akosha's WebSocket port is 8692 (8682 is its HTTP port).
 *
 * Permissions: `--allow-net` to the server hosts; `--allow-env` for the
 * token variable; `--allow-read` only for `--token-file` / `--ca`.
 *
 * @module
 */

import { Command } from "commander";
import { dashboardMonitor } from "./lib/app/dashboard_monitor_def.ts";
import { parsePort, serverUrl } from "./lib/cli/cli.ts";
import { launchMonitor } from "./lib/cli/launch.ts";
import { addCommonOptions, type CommonOptions, resolveCommon, runMain } from "./lib/cli/monitor_cli.ts";

interface DashboardOptions extends CommonOptions {
  mahavishnuHost: string;
  mahavishnuPort: number;
  poolHost: string;
  poolPort: number;
  poolId: string;
  akoshaHost: string;
  akoshaPort: number;
  akoshaChannels: string;
}

/** Parses `args`, runs the dashboard, resolves to the exit code. */
export async function main(args: string[]): Promise<number> {
  const program = addCommonOptions(
    new Command()
      .name("multi_service_dashboard.ts")
      .description("Mahavishnu workflows, a pool and Akosha insights side by side")
      .option("--mahavishnu-host <host>", "Mahavishnu host", "127.0.0.1")
      .option("--mahavishnu-port <port>", "Mahavishnu WebSocket port", parsePort, 8690)
      .option("--pool-host <host>", "host of the pool's Mahavishnu server", "127.0.0.1")
      .option("--pool-port <port>", "port of the pool's Mahavishnu server", parsePort, 8690)
      .option("--pool-id <id>", "the pool to show", "pool_local")
      .option("--akosha-host <host>", "Akosha host", "127.0.0.1")
      .option("--akosha-port <port>", "Akosha WebSocket port (8682 is its HTTP port)", parsePort, 8692)
      .option("--akosha-channels <list>", "Akosha channels, comma separated", "insights,patterns,anomalies"),
  ).showHelpAfterError().parse(args, { from: "user" });
  const o = program.opts<DashboardOptions>();
  const common = resolveCommon(o);
  const monitor = dashboardMonitor({
    mahavishnuUrl: serverUrl(o.mahavishnuHost, o.mahavishnuPort, common.tls),
    poolUrl: serverUrl(o.poolHost, o.poolPort, common.tls),
    poolId: o.poolId,
    akoshaUrl: serverUrl(o.akoshaHost, o.akoshaPort, common.tls),
    akoshaChannels: o.akoshaChannels.split(",").map((c) => c.trim()).filter(Boolean),
    historySize: o.history,
    token: common.token,
    caCerts: common.caCerts,
  });
  return await launchMonitor(monitor, common);
}

if (import.meta.main) await runMain("multi_service_dashboard", main);
