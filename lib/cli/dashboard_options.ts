/**
 * The dashboard's service options, shared by the terminal dashboard
 * (`multi_service_dashboard.ts`) and the browser one (`web_dashboard.ts`):
 * `--mahavishnu-*`, `--pool-*`, `--akosha-*` and the per-service tokens, and
 * turning them into {@link DashboardMonitorOptions}.
 *
 * @module
 */

import type { Command } from "commander";
import type { DashboardMonitorOptions } from "../app/dashboard_monitor_def.ts";
import { parsePort, serverUrl } from "./cli.ts";
import type { CommonOptions, ResolvedCommon, StartChecks } from "./monitor_cli.ts";
import { checkTokenTransport, serviceToken } from "./tokens.ts";
import { ConfigError } from "./usage.ts";

/** The parsed dashboard options. */
export interface DashboardOptions extends CommonOptions {
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

/**
 * Pattern types watched by default: those Akosha's own code and tests name
 * (`code_pattern`, `anomaly_burst`) and those of the demo simulator.
 */
export const DEFAULT_PATTERN_TYPES = "code_pattern,anomaly_burst,temporal,error_cluster,load_spike";

/** Adds `--pool-token-env/-file` and `--akosha-token-env/-file` (read by {@link serviceTokens}). */
export function addServiceTokenOptions(command: Command): Command {
  return command
    .option(
      "--pool-token-env <var>",
      "the pool server's token from this variable (default: --token-* when same server)",
    )
    .option("--pool-token-file <file>", "the pool server's token from the first line of this file")
    .option("--akosha-token-env <var>", "Akosha's token from this variable (default: no token)")
    .option("--akosha-token-file <file>", "Akosha's token from the first line of this file");
}

/** Adds the service options of the dashboard. */
export function addDashboardOptions(command: Command): Command {
  command
    .option("--mahavishnu-host <host>", "Mahavishnu host", "127.0.0.1")
    .option("--mahavishnu-port <port>", "Mahavishnu WebSocket port", parsePort, 8690)
    .option("--pool-host <host>", "host of the pool's Mahavishnu server", "127.0.0.1")
    .option("--pool-port <port>", "port of the pool's Mahavishnu server", parsePort, 8690)
    .option("--pool-id <id>", "the pool to show", "pool_local")
    .option("--akosha-host <host>", "Akosha host", "127.0.0.1")
    .option("--akosha-port <port>", "Akosha WebSocket port (8682 is its HTTP port)", parsePort, 8692);
  return addServiceTokenOptions(command)
    .option("--akosha-channels <list>", "Akosha channels, comma separated (also: metrics)", "insights,anomalies")
    .option(
      "--akosha-pattern-types <list>",
      'pattern types to watch, comma separated: one patterns:TYPE subscription each ("" for none)',
      DEFAULT_PATTERN_TYPES,
    );
}

/** True when the pool panel talks to the Mahavishnu server itself (then it shares `--token-*`). */
function poolSharesMahavishnu(o: ServiceTokenOptions): boolean {
  return o.poolHost === o.mahavishnuHost && o.poolPort === o.mahavishnuPort;
}

/** The servers the dashboard connects to, for {@link StartChecks}. */
export function dashboardServers(o: DashboardOptions): StartChecks["servers"] {
  return [
    { host: o.mahavishnuHost, port: o.mahavishnuPort, why: "Mahavishnu" },
    { host: o.poolHost, port: o.poolPort, why: "the pool's server", commonToken: poolSharesMahavishnu(o) },
    { host: o.akoshaHost, port: o.akoshaPort, why: "Akosha", commonToken: false },
  ];
}

/** The options {@link serviceTokens} reads: the services' addresses and token sources. */
export type ServiceTokenOptions =
  & Pick<
    DashboardOptions,
    | "mahavishnuHost"
    | "mahavishnuPort"
    | "poolHost"
    | "poolPort"
    | "akoshaHost"
    | "poolTokenEnv"
    | "poolTokenFile"
    | "akoshaTokenEnv"
    | "akoshaTokenFile"
  >
  & { tls?: boolean; ca?: string; allowInsecureToken?: boolean; replay?: string };

/**
 * Each service's token: Mahavishnu `--token-*` (read by the caller); the
 * pool its own, else Mahavishnu's when it is the same server; Akosha only
 * its own. A service that was given no token gets none.
 */
export function serviceTokens(o: ServiceTokenOptions, mahavishnu: string | undefined) {
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

/** A comma-separated option as a list without blanks or repeats. */
export function listOf(option: string): string[] {
  return [...new Set(option.split(",").map((c) => c.trim()).filter(Boolean))];
}

/** The dashboard monitor's options from the parsed and resolved command line. */
export function dashboardMonitorOptions(o: DashboardOptions, common: ResolvedCommon): DashboardMonitorOptions {
  const patternTypes = listOf(o.akoshaPatternTypes);
  return {
    mahavishnuUrl: serverUrl(o.mahavishnuHost, o.mahavishnuPort, common.tls),
    poolUrl: serverUrl(o.poolHost, o.poolPort, common.tls),
    poolId: o.poolId,
    akoshaUrl: serverUrl(o.akoshaHost, o.akoshaPort, common.tls),
    akoshaChannels: listOf([o.akoshaChannels, ...patternTypes.map((type) => `patterns:${type}`)].join(",")),
    patternTypes,
    historySize: o.history,
    extraChannels: common.extraChannels,
    tokens: serviceTokens(o, common.token),
    caCerts: common.caCerts,
  };
}
