#!/usr/bin/env -S deno run --v8-flags=--max-semi-space-size=2 --allow-net=127.0.0.1,localhost --allow-env=MAHAVISHNU_TOKEN --allow-read
/**
 * Three services side by side: Mahavishnu workflows (`global`), one pool
 * (`pool:ID`) and Akosha insights, each on its own independent connection
 * with its own indicator, counters and history.
 *
 * Usage: `deno task dashboard [--mahavishnu-host H --mahavishnu-port 8690]
 * [--pool-host H --pool-port 8690 --pool-id pool_local]
 * [--akosha-host H --akosha-port 8692 --akosha-channels insights,anomalies]
 * [--akosha-pattern-types code_pattern,anomaly_burst,...]
 * [--token-env VAR] [--refresh 100ms] [--no-color] [--json]`
 *
 * Akosha's WebSocket port is 8692 (8682 is its HTTP port). Akosha sends each
 * pattern only to the room of its type, `patterns:{type}` (there is no
 * wildcard), so the dashboard subscribes to one room per watched type.
 *
 * Permissions: `--allow-net` to the server hosts; `--allow-env` for the
 * token variable; `--allow-read` only for `--token-file` / `--ca`.
 *
 * @module
 */

import { Command } from "commander";
import { DASHBOARD_ALERT_FIELDS, dashboardMonitor } from "./lib/app/dashboard_monitor_def.ts";
import { launchMonitor } from "./lib/cli/launch.ts";
import {
  addDashboardOptions,
  dashboardMonitorOptions,
  type DashboardOptions,
  dashboardServers,
} from "./lib/cli/dashboard_options.ts";
import { addCommonOptions, resolveCommon, runMain } from "./lib/cli/monitor_cli.ts";

/** Parses `args`, runs the dashboard, resolves to the exit code. */
export async function main(args: string[]): Promise<number> {
  const program = addCommonOptions(
    addDashboardOptions(
      new Command()
        .name("multi_service_dashboard.ts")
        .description("Mahavishnu workflows, a pool and Akosha insights side by side"),
    ),
  ).parse(args, { from: "user" });
  const o = program.opts<DashboardOptions>();
  const common = resolveCommon(o, { alertFields: DASHBOARD_ALERT_FIELDS, servers: dashboardServers(o) });
  return await launchMonitor(dashboardMonitor(dashboardMonitorOptions(o, common)), common);
}

if (import.meta.main) await runMain("multi_service_dashboard", main);
