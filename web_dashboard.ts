#!/usr/bin/env -S deno run --v8-flags=--optimize-for-size --allow-net=127.0.0.1,localhost --allow-env=MAHAVISHNU_TOKEN --allow-read
/**
 * The dashboard in a browser, and Prometheus metrics: Mahavishnu workflows
 * (`global`), one pool and Akosha, from the same reducers as the terminal
 * dashboard, served at `http://127.0.0.1:8700/` with `/pool/ID`,
 * `/workflow/ID`, `/metrics` and `/healthz`. One upstream connection per
 * service, however many pages are open.
 *
 * Usage: `deno task web [--listen 127.0.0.1:8700] [--web-token-file FILE]
 * [--mahavishnu-host H --mahavishnu-port 8690] [--pool-host H --pool-port 8690 --pool-id pool_local]
 * [--akosha-host H --akosha-port 8692 --akosha-channels insights,patterns,anomalies]
 * [--subscribe CHANNEL]... [--token-env VAR | --token-file FILE] [--tls] [--ca FILE]`
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

import { Command, InvalidArgumentError } from "commander";
import {
  parseDurationMs,
  parsePort,
  parsePositiveInt,
  readCaFile,
  readToken,
  serverUrl,
  VERSION,
} from "./lib/cli/cli.ts";
import { runMain } from "./lib/cli/monitor_cli.ts";
import { getPoolStatusRequest } from "./lib/protocol/envelope.ts";
import { applyWebModel, createWebModel, webModelVersion } from "./lib/web/web_model.ts";
import { WebOutput } from "./lib/web/web_output.ts";
import { connectUpstream } from "./lib/web/_upstream.ts";

interface WebOptions {
  listen: { hostname: string; port: number };
  webTokenFile?: string;
  mahavishnuHost: string;
  mahavishnuPort: number;
  poolHost: string;
  poolPort: number;
  poolId: string;
  akoshaHost: string;
  akoshaPort: number;
  akoshaChannels: string;
  subscribe: string[];
  tokenEnv?: string;
  tokenFile?: string;
  tls?: boolean;
  ca?: string;
  history: number;
  frame: number;
}

/** Parses `HOST:PORT` (`[::1]:8700` for IPv6). */
export function parseListen(value: string): { hostname: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`expected HOST:PORT, e.g. 127.0.0.1:8700: current value is ${value}`);
  return { hostname: m[1] ?? m[2], port: parsePort(m[3]) };
}

/** Parses `args`, serves the dashboard until SIGINT/SIGTERM; resolves to the exit code. */
export async function main(args: string[]): Promise<number> {
  const o = new Command()
    .name("web_dashboard.ts")
    .description("Mahavishnu workflows, a pool and Akosha in a browser, plus Prometheus /metrics")
    .version(VERSION)
    .option("--listen <host:port>", "address to serve the page on", parseListen, { hostname: "127.0.0.1", port: 8700 })
    .option("--web-token-file <file>", "browsers and scrapers must present this token (required beyond loopback)")
    .option("--mahavishnu-host <host>", "Mahavishnu host", "127.0.0.1")
    .option("--mahavishnu-port <port>", "Mahavishnu WebSocket port", parsePort, 8690)
    .option("--pool-host <host>", "host of the pool's Mahavishnu server", "127.0.0.1")
    .option("--pool-port <port>", "port of the pool's Mahavishnu server", parsePort, 8690)
    .option("--pool-id <id>", "the pool to show", "pool_local")
    .option("--akosha-host <host>", "Akosha host", "127.0.0.1")
    .option("--akosha-port <port>", "Akosha WebSocket port (8682 is its HTTP port)", parsePort, 8692)
    .option("--akosha-channels <list>", "Akosha channels, comma separated", "insights,patterns,anomalies")
    .option(
      "--subscribe <channel>",
      "also subscribe the Mahavishnu connection to this channel (repeatable)",
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option(
      "--token-env <var>",
      "read the upstream auth token from this environment variable (default MAHAVISHNU_TOKEN)",
    )
    .option("--token-file <file>", "read the upstream auth token from the first line of this file")
    .option("--tls", "connect upstream with wss:// instead of ws://")
    .option("--ca <file>", "trust this CA certificate (PEM) for wss:// (implies --tls)")
    .option("--history <n>", "events kept in each history", parsePositiveInt, 500)
    .option("--frame <duration>", "at most one pushed frame per this interval", parseDurationMs, 100)
    .showHelpAfterError()
    .parse(args, { from: "user" })
    .opts<WebOptions>();

  const webToken = o.webTokenFile ? readWebToken(o.webTokenFile) : undefined;
  const token = readToken(o);
  const caCerts = readCaFile(o.ca);
  const tls = o.tls === true || o.ca !== undefined;
  const akoshaChannels = o.akoshaChannels.split(",").map((c) => c.trim()).filter(Boolean);
  const sources = [
    {
      name: "mahavishnu",
      url: serverUrl(o.mahavishnuHost, o.mahavishnuPort, tls),
      channels: [...new Set(["global", ...o.subscribe])],
    },
    {
      name: "pool",
      url: serverUrl(o.poolHost, o.poolPort, tls),
      channels: [`pool:${o.poolId}`],
      initialRequests: () => [getPoolStatusRequest(o.poolId)],
    },
    {
      name: "akosha",
      url: serverUrl(o.akoshaHost, o.akoshaPort, tls),
      channels: akoshaChannels.length > 0 ? akoshaChannels : ["insights"],
    },
  ];
  const model = createWebModel(o.poolId, { historySize: o.history });
  const output = new WebOutput(model, {
    services: sources.map((s) => ({ name: s.name, url: s.url })),
    hostname: o.listen.hostname,
    port: o.listen.port,
    token: webToken,
    frameMs: o.frame,
    onListen: (addr) => {
      const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
      console.log(`web dashboard on http://${host}:${addr.port}/ (metrics on /metrics)`);
    },
  });
  const upstream = connectUpstream(sources.map((s) => ({ ...s, token, caCerts })), [output], {
    apply: (service, message, now) => applyWebModel(model, service, message, now),
    version: () => webModelVersion(model),
  });
  await new Promise<void>((resolve) => {
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) Deno.addSignalListener(signal, () => resolve());
  });
  await upstream.close();
  await output.close();
  return 0;
}

/** Reads the browser token: the first line of `path`, at least 16 characters. */
function readWebToken(path: string): string {
  const text = Deno.readTextFileSync(path).split(/\r?\n/)[0].trim();
  if (text.length < 16) {
    throw new TypeError(`Cannot use web token as it is shorter than 16 characters: current file is ${path}`);
  }
  return text;
}

if (import.meta.main) await runMain("web_dashboard", main);
