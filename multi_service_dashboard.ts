#!/usr/bin/env -S deno run --v8-flags=--optimize-for-size --allow-net=127.0.0.1,localhost --allow-env=MAHAVISHNU_TOKEN --allow-read
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
import { parsePort, serverUrl } from "./lib/cli/cli.ts";
import { checkTokenTransport, serviceToken } from "./lib/cli/tokens.ts";
import { ConfigError } from "./lib/cli/usage.ts";
import { dashboardView } from "./lib/ui/dashboard_view.ts";
import { runLiveApp } from "./lib/app/live_app.ts";
import { addCommonOptions, type CommonOptions, resolveCommon, runMain } from "./lib/cli/monitor_cli.ts";
import {
  activeWorkflows,
  createAkoshaOverview,
  createWorkflowsOverview,
  reduceAkoshaOverview,
  reduceWorkflowsOverview,
} from "./lib/model/overview_state.ts";
import { clearHistory, noteHistory } from "./lib/model/history.ts";
import { createPoolState, poolAlertValues, reducePool } from "./lib/model/pool_state.ts";
import { getPoolStatusRequest } from "./lib/protocol/envelope.ts";

interface DashboardOptions extends CommonOptions {
  mahavishnuHost: string;
  mahavishnuPort: number;
  poolHost: string;
  poolPort: number;
  poolId: string;
  akoshaHost: string;
  akoshaPort: number;
  akoshaChannels: string;
  poolTokenEnv?: string;
  poolTokenFile?: string;
  akoshaTokenEnv?: string;
  akoshaTokenFile?: string;
  akoshaPatternTypes: string;
}

/** True when the pool panel talks to the Mahavishnu server itself (then it shares `--token-*`). */
function poolSharesMahavishnu(o: DashboardOptions): boolean {
  return o.poolHost === o.mahavishnuHost && o.poolPort === o.mahavishnuPort;
}

/**
 * Each service's token: Mahavishnu `--token-*`; the pool its own, else
 * Mahavishnu's when it is the same server; Akosha only its own. A service
 * that was given no token gets none.
 */
function serviceTokens(o: DashboardOptions, mahavishnu: string | undefined) {
  const tls = o.tls === true || o.ca !== undefined;
  const allow = o.allowInsecureToken === true;
  const read = (service: string, prefix: string, env?: string, file?: string) => {
    try {
      return o.replay
        ? undefined
        : serviceToken({ service, prefix, tokenEnv: env, tokenFile: file, useDefault: false });
    } catch (error) {
      throw new ConfigError(error instanceof Error ? error.message : String(error));
    }
  };
  const ownPool = read("the pool's server", "--pool-token", o.poolTokenEnv, o.poolTokenFile);
  const pool = ownPool ?? (poolSharesMahavishnu(o) ? mahavishnu : undefined);
  const akosha = read("Akosha", "--akosha-token", o.akoshaTokenEnv, o.akoshaTokenFile);
  checkTokenTransport({ name: "the pool's server", host: o.poolHost, tls, token: ownPool }, allow);
  checkTokenTransport({ name: "Akosha", host: o.akoshaHost, tls, token: akosha }, allow);
  return { mahavishnu, pool, akosha };
}

/**
 * Pattern types watched by default: those Akosha's own code and tests name
 * (`code_pattern`, `anomaly_burst`) and those of the demo simulator.
 */
const DEFAULT_PATTERN_TYPES = "code_pattern,anomaly_burst,temporal,error_cluster,load_spike";

/** A comma-separated option as a list without blanks or repeats. */
function listOf(option: string): string[] {
  return [...new Set(option.split(",").map((c) => c.trim()).filter(Boolean))];
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
      .option(
        "--pool-token-env <var>",
        "the pool server's token from this variable (default: --token-* when same server)",
      )
      .option("--pool-token-file <file>", "the pool server's token from the first line of this file")
      .option("--akosha-token-env <var>", "Akosha's token from this variable (default: no token)")
      .option("--akosha-token-file <file>", "Akosha's token from the first line of this file")
      .option("--akosha-channels <list>", "Akosha channels, comma separated (also: metrics)", "insights,anomalies")
      .option(
        "--akosha-pattern-types <list>",
        'pattern types to watch, comma separated: one patterns:TYPE subscription each ("" for none)',
        DEFAULT_PATTERN_TYPES,
      ),
  ).parse(args, { from: "user" });
  const o = program.opts<DashboardOptions>();
  const common = resolveCommon(o, {
    alertFields: [
      ...Object.keys(poolAlertValues(createPoolState(o.poolId))),
      "workers.*",
      "workflows.active",
      "workflows.failed",
      "workflows.completed",
      "insights",
      "patterns",
      "anomalies",
      "anomalies.critical",
      "anomalies.high",
    ],
    servers: [
      { host: o.mahavishnuHost, port: o.mahavishnuPort, why: "Mahavishnu" },
      { host: o.poolHost, port: o.poolPort, why: "the pool's server", commonToken: poolSharesMahavishnu(o) },
      { host: o.akoshaHost, port: o.akoshaPort, why: "Akosha", commonToken: false },
    ],
  });
  const patternTypes = listOf(o.akoshaPatternTypes);
  const akoshaChannels = listOf([o.akoshaChannels, ...patternTypes.map((type) => `patterns:${type}`)].join(","));
  const state = {
    workflows: createWorkflowsOverview(o.history),
    pool: createPoolState(o.poolId, { historySize: o.history }),
    akosha: createAkoshaOverview(o.history, { channels: listOf(o.akoshaChannels), patternTypes }),
  };
  const tokens = serviceTokens(o, common.token);
  const shared = { caCerts: common.caCerts };
  return await runLiveApp({
    sources: [
      {
        name: "mahavishnu",
        url: serverUrl(o.mahavishnuHost, o.mahavishnuPort, common.tls),
        channels: ["global"],
        apply: (m, now) => state.workflows = reduceWorkflowsOverview(state.workflows, m, now),
        token: tokens.mahavishnu,
        ...shared,
      },
      {
        name: "pool",
        url: serverUrl(o.poolHost, o.poolPort, common.tls),
        channels: [`pool:${o.poolId}`],
        initialRequests: () => [getPoolStatusRequest(o.poolId)],
        apply: (m, now) => state.pool = reducePool(state.pool, m, now),
        token: tokens.pool,
        ...shared,
      },
      {
        name: "akosha",
        url: serverUrl(o.akoshaHost, o.akoshaPort, common.tls),
        channels: akoshaChannels.length > 0 ? akoshaChannels : ["insights"],
        apply: (m, now) => state.akosha = reduceAkoshaOverview(state.akosha, m, now),
        token: tokens.akosha,
        ...shared,
      },
    ],
    version: () => state.workflows.version + state.pool.version + state.akosha.version,
    view: (ctx) => dashboardView(state, ctx),
    clear: () => {
      state.workflows = clearHistory(state.workflows);
      state.akosha = clearHistory(state.akosha);
      state.pool = clearHistory(state.pool);
    },
    refreshMs: o.refresh,
    color: common.color,
    json: common.json,
    ...common.app,
    alertValues: () => ({
      ...poolAlertValues(state.pool),
      "workflows.active": activeWorkflows(state.workflows),
      "workflows.failed": state.workflows.failed,
      "workflows.completed": state.workflows.completed,
      insights: state.akosha.insights,
      patterns: state.akosha.patterns,
      anomalies: state.akosha.anomalies,
      "anomalies.critical": state.akosha.anomalyLevels.critical,
      "anomalies.high": state.akosha.anomalyLevels.high,
    }),
    note: (entry) => state.pool = noteHistory(state.pool, entry),
    history: () => [
      { service: "mahavishnu", entries: state.workflows.history.newestFirst() },
      { service: "pool", entries: state.pool.history.newestFirst() },
      { service: "akosha", entries: state.akosha.history.newestFirst() },
    ],
  });
}

if (import.meta.main) await runMain("multi_service_dashboard", main);
