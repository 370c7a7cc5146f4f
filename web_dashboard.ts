#!/usr/bin/env -S deno run --v8-flags=--max-semi-space-size=2 --allow-net=127.0.0.1,localhost --allow-env=MAHAVISHNU_TOKEN --allow-read
/**
 * The dashboard in a browser, and Prometheus metrics: Mahavishnu workflows
 * (`global`), one pool and Akosha, from the same monitor and reducers as the
 * terminal dashboard, served at `http://127.0.0.1:8700/` with `/pool/ID`,
 * `/workflow/ID`, `/metrics` and `/healthz`. One upstream connection per
 * service, however many pages are open.
 *
 * Usage: `deno task web [--listen 127.0.0.1:8700] [--web-token-file FILE]
 * [--mahavishnu-host H --mahavishnu-port 8690] [--pool-host H --pool-port 8690 --pool-id pool_local]
 * [--akosha-host H --akosha-port 8692 --akosha-channels insights,anomalies] [--subscribe CHANNEL]...
 * [--token-env VAR | --token-file FILE] [--tls] [--ca FILE] [--refresh 100ms] [--replay FILE] [--alert RULE]`
 *
 * Listening beyond loopback (e.g. `--listen 0.0.0.0:8700`) requires
 * `--web-token-file`: every request then carries the token (open the page
 * once as `/?token=TOKEN`; Prometheus sends `Authorization: Bearer TOKEN`).
 * Upstream tokens never reach the browser.
 *
 * Permissions: `--allow-net` to the server hosts and the listening address;
 * `--allow-env` for the token variable; `--allow-read` for the page assets
 * (in the project and its `node_modules/`) and the token/CA files.
 *
 * @module
 */

import { Command, InvalidArgumentError, Option } from "commander";
import { DASHBOARD_ALERT_FIELDS } from "./lib/app/dashboard_monitor_def.ts";
import type { Output } from "./lib/app/output.ts";
import { RecordOutput } from "./lib/app/record_output.ts";
import { runMonitor } from "./lib/app/runtime.ts";
import { parseListenPort } from "./lib/cli/cli.ts";
import {
  addDashboardOptions,
  dashboardMonitorOptions,
  type DashboardOptions,
  dashboardServers,
} from "./lib/cli/dashboard_options.ts";
import { addCommonOptions, resolveCommon, runMain } from "./lib/cli/monitor_cli.ts";
import { ConfigError } from "./lib/cli/usage.ts";
import { isLoopback } from "./lib/transport/loopback.ts";
import { webDashboard } from "./lib/web/web_monitor.ts";
import { WebOutput } from "./lib/web/web_output.ts";

interface WebOptions extends DashboardOptions {
  listen: { hostname: string; port: number };
  webTokenFile?: string;
}

/** Parses `HOST:PORT` (`[::1]:8700` for IPv6). */
export function parseListen(value: string): { hostname: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`expected HOST:PORT, e.g. 127.0.0.1:8700: current value is ${value}`);
  return { hostname: m[1] ?? m[2], port: parseListenPort(m[3]) };
}

/** Reads the browser token: the first line of `path`, at least 16 characters. */
function readWebToken(path: string): string {
  let text: string;
  try {
    text = Deno.readTextFileSync(path).split(/\r?\n/)[0].trim();
  } catch (error) {
    throw new ConfigError(`--web-token-file: ${(error as Error).message}`);
  }
  if (text.length < 16) throw new ConfigError(`--web-token-file: the token in ${path} is shorter than 16 characters`);
  return text;
}

/** Parses `args`, serves the dashboard until SIGINT/SIGTERM; resolves to the exit code. */
export async function main(args: string[]): Promise<number> {
  const o = addCommonOptions(
    addDashboardOptions(
      new Command()
        .name("web_dashboard.ts")
        .description("Mahavishnu workflows, a pool and Akosha in a browser, plus Prometheus /metrics")
        .addOption(
          new Option("--listen <host:port>", "address to serve the page on")
            .argParser(parseListen)
            .default({ hostname: "127.0.0.1", port: 8700 }, "127.0.0.1:8700"),
        )
        .option("--web-token-file <file>", "browsers and scrapers must present this token (required beyond loopback)"),
    ),
  ).parse(args, { from: "user" }).opts<WebOptions>();
  if (!isLoopback(o.listen.hostname) && !o.webTokenFile) {
    throw new ConfigError(
      `Cannot listen on ${o.listen.hostname} without --web-token-file: only loopback addresses may serve without a token`,
    );
  }
  const webToken = o.webTokenFile ? readWebToken(o.webTokenFile) : undefined;
  const common = resolveCommon(o, { alertFields: DASHBOARD_ALERT_FIELDS, servers: dashboardServers(o) });
  const web = webDashboard(dashboardMonitorOptions(o, common));
  const output = new WebOutput(web.model, {
    services: web.monitor.sources.map((s) => ({ name: s.name, url: s.url })),
    hostname: o.listen.hostname,
    port: o.listen.port,
    token: webToken,
    frameMs: common.refreshMs,
    onListen: (addr) => {
      const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
      console.log(`web dashboard on http://${host}:${addr.port}/ (metrics on /metrics)`);
    },
  });
  const outputs: Output[] = [output];
  if (common.recordPath) outputs.push(new RecordOutput(common.recordPath));
  return await runMonitor(web.monitor, { ...common.run, outputs });
}

if (import.meta.main) await runMain("web_dashboard", main);
