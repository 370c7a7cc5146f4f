#!/usr/bin/env -S deno run --allow-net=127.0.0.1,localhost --allow-read --allow-write=. --allow-env=MAHAVISHNU_TOKEN,PG*
/**
 * Headless collector: connects to Mahavishnu (workflows, `global`), one pool
 * and Akosha like the dashboard, plus any `--subscribe` channels, and stores
 * every received message in an event store (SQLite file or PostgreSQL). No
 * display: a one-line status on stderr each minute, a clean flush on
 * SIGTERM/SIGINT. This is what a team runs as a service.
 *
 * Usage: `deno task collect --store events.db [--retention 7d]
 * [--mahavishnu-host H --mahavishnu-port 8690] [--pool-host H --pool-port 8690 --pool-id pool_local]
 * [--akosha-host H --akosha-port 8692 --akosha-channels insights,anomalies,metrics]
 * [--akosha-pattern-types code_pattern,...] [--no-akosha] [--no-pool] [--subscribe CHANNEL]...
 * [--token-env VAR | --token-file FILE] [--pool-token-env VAR | --pool-token-file FILE]
 * [--akosha-token-env VAR | --akosha-token-file FILE] [--tls] [--ca FILE] [--allow-insecure-token]
 * [--store-password-file FILE] [--status-interval 60s] [--flush-timeout 10s]`
 *
 * Permissions: `--allow-net` to the server hosts and the PostgreSQL host;
 * `--allow-read`/`--allow-write` for the SQLite file (and its `-wal`/`-shm`
 * companions) and the token/CA/password files; `--allow-env=PG*` for the
 * PostgreSQL client's standard variables (`PGPASSWORD`…) and the token variable.
 *
 * Exit codes: 0 stopped by a signal, everything stored; 2 usage error; 4
 * configuration error (a missing permission, an unsafe token setting); 5 the store cannot be used
 * (corrupt file, newer schema, read-only file) or some events could not be
 * stored (the last status line says how many).
 *
 * @module
 */

import { Command } from "commander";
import { parseDurationMs, parsePort, readCaFile, serverUrl, VERSION } from "./lib/cli/cli.ts";
import { checkTokenTransport, serviceToken } from "./lib/cli/tokens.ts";
import { addServiceTokenOptions, DEFAULT_PATTERN_TYPES, listOf, serviceTokens } from "./lib/cli/dashboard_options.ts";
import { ConfigError, configureUsage, EXIT_CODES, UsageError } from "./lib/cli/usage.ts";
import { addStoreOptions, resolveStoreRun, type StoreCliOptions } from "./lib/cli/store_options.ts";
import { checkOutputFiles, checkPermissions } from "./lib/cli/preflight.ts";
import { runMain } from "./lib/cli/monitor_cli.ts";
import { Connection } from "./lib/transport/connection.ts";
import { StoreOutput } from "./lib/store/store_output.ts";
import { StoreError } from "./lib/store/schema.ts";
import { getPoolStatusRequest } from "./lib/protocol/envelope.ts";

interface CollectorOptions extends StoreCliOptions {
  mahavishnuHost: string;
  mahavishnuPort: number;
  poolHost: string;
  poolPort: number;
  poolId: string;
  pool: boolean;
  akoshaHost: string;
  akoshaPort: number;
  akoshaChannels: string;
  akosha: boolean;
  akoshaPatternTypes: string;
  subscribe: string[];
  tokenEnv?: string;
  tokenFile?: string;
  poolTokenEnv?: string;
  poolTokenFile?: string;
  akoshaTokenEnv?: string;
  akoshaTokenFile?: string;
  allowInsecureToken?: boolean;
  tls?: boolean;
  ca?: string;
  statusInterval: number;
  flushTimeout: number;
}

/** Akosha's channels; every other `--subscribe` channel goes to Mahavishnu. */
export function isAkoshaChannel(channel: string): boolean {
  return /^(insights|anomalies|metrics|patterns(:.*)?)$/.test(channel);
}

/** Each service's token, as the dashboard reads them: the pool shares Mahavishnu's when it is the same server. */
function tokens(o: CollectorOptions, tls: boolean) {
  let mahavishnu: string | undefined;
  try {
    mahavishnu = serviceToken({
      service: "Mahavishnu",
      prefix: "--token",
      tokenEnv: o.tokenEnv,
      tokenFile: o.tokenFile,
      useDefault: true,
    });
  } catch (error) {
    throw new ConfigError(error instanceof Error ? error.message : String(error));
  }
  const allow = o.allowInsecureToken === true;
  checkTokenTransport({ name: "Mahavishnu", host: o.mahavishnuHost, tls, token: mahavishnu }, allow);
  return serviceTokens({ ...o, tls }, mahavishnu);
}

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

/** Parses `args`, collects until SIGINT/SIGTERM, resolves to the exit code. */
export async function main(args: string[]): Promise<number> {
  const base = configureUsage(new Command())
    .name("collector.ts")
    .description("store every event of the Mahavishnu services, headless")
    .version(VERSION)
    .option("--mahavishnu-host <host>", "Mahavishnu host", "127.0.0.1")
    .option("--mahavishnu-port <port>", "Mahavishnu WebSocket port", parsePort, 8690)
    .option("--pool-host <host>", "host of the pool's Mahavishnu server", "127.0.0.1")
    .option("--pool-port <port>", "port of the pool's Mahavishnu server", parsePort, 8690)
    .option("--pool-id <id>", "the pool to collect", "pool_local")
    .option("--no-pool", "no pool connection")
    .option("--akosha-host <host>", "Akosha host", "127.0.0.1")
    .option("--akosha-port <port>", "Akosha WebSocket port (8682 is its HTTP port)", parsePort, 8692)
    .option("--akosha-channels <list>", "Akosha channels, comma separated", "insights,anomalies,metrics")
    .option(
      "--akosha-pattern-types <list>",
      'pattern types to store, comma separated: one patterns:TYPE subscription each ("" for none)',
      DEFAULT_PATTERN_TYPES,
    )
    .option("--no-akosha", "no Akosha connection")
    .option(
      "--subscribe <channel>",
      "also subscribe to this channel (repeatable; Akosha channels go to Akosha)",
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option("--token-env <var>", "read the auth token from this environment variable (default MAHAVISHNU_TOKEN)")
    .option("--token-file <file>", "read the auth token from the first line of this file");
  const program = addStoreOptions(
    addServiceTokenOptions(base)
      .option("--allow-insecure-token", "allow sending a token over plain ws:// to a host that is not this machine")
      .option("--tls", "connect with wss:// instead of ws://")
      .option("--ca <file>", "trust this CA certificate (PEM) for wss:// (implies --tls)")
      .option("--status-interval <duration>", "time between status lines on stderr", parseDurationMs, 60_000)
      .option(
        "--flush-timeout <duration>",
        "longest time spent storing buffered events on exit",
        parseDurationMs,
        10_000,
      ),
  ).parse(args, { from: "user" });
  const o = program.opts<CollectorOptions>();
  const run = resolveStoreRun(o);
  const store = run.store;
  if (!store) throw new UsageError("Cannot collect without a store: give --store events.db or --store postgres://…");
  checkOutputFiles(run.files);
  let caCerts: string[] | undefined;
  try {
    caCerts = readCaFile(o.ca);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const tls = o.tls === true || o.ca !== undefined;
  const token = tokens(o, tls);
  // Every permission the run needs, checked now: a denial is one clear message, not a silent dead link.
  const servers = [
    { host: o.mahavishnuHost, port: o.mahavishnuPort, why: "Mahavishnu" },
    ...(o.pool ? [{ host: o.poolHost, port: o.poolPort, why: "the pool's server" }] : []),
    ...(o.akosha ? [{ host: o.akoshaHost, port: o.akoshaPort, why: "Akosha" }] : []),
  ];
  checkPermissions([...servers.map((s) => ({ name: "net" as const, ...s })), ...run.needs]);

  let lastError: string | null = null;
  let started = false; // before that, the start-up check below reports
  const output = new StoreOutput(store.target, {
    password: store.password,
    retentionMs: store.retentionMs,
    flushTimeoutMs: o.flushTimeout,
    reportOnClose: false,
    // One line per new failure, not one per retry; one line when it recovers.
    onError: (e) => {
      if (started && e.message !== lastError) {
        console.error(`collector: ${e.message} (retrying; events wait in the buffer)`);
      }
      lastError = e.message;
    },
    onRecovered: () => {
      lastError = null;
      console.error(`collector: store ${store.target.label} is writable again`);
    },
  });
  try {
    await output.ready();
  } catch (error) {
    if (error instanceof StoreError && error.permanent) {
      await output.close();
      console.error(`collector: ${error.message}`);
      return EXIT_CODES.output;
    }
    // A server that is not up yet: keep collecting into the buffer, the writer retries.
    console.error(`collector: ${(error as Error).message} (retrying; events wait in the buffer)`);
    lastError = (error as Error).message;
  }
  started = true;

  const mahavishnuChannels = ["global", ...o.subscribe.filter((c) => !isAkoshaChannel(c))];
  const akoshaChannels = listOf([
    o.akoshaChannels,
    ...listOf(o.akoshaPatternTypes).map((type) => `patterns:${type}`),
    ...o.subscribe.filter(isAkoshaChannel),
  ].join(","));
  const sources: {
    name: string;
    url: string;
    channels: string[];
    token: string | undefined;
    initial?: () => ReturnType<typeof getPoolStatusRequest>[];
  }[] = [
    {
      name: "mahavishnu",
      url: serverUrl(o.mahavishnuHost, o.mahavishnuPort, tls),
      channels: [...new Set(mahavishnuChannels)],
      token: token.mahavishnu,
    },
  ];
  if (o.pool) {
    sources.push({
      name: "pool",
      url: serverUrl(o.poolHost, o.poolPort, tls),
      channels: [`pool:${o.poolId}`],
      token: token.pool,
      initial: () => [getPoolStatusRequest(o.poolId)],
    });
  }
  if (o.akosha && akoshaChannels.length > 0) {
    sources.push({
      name: "akosha",
      url: serverUrl(o.akoshaHost, o.akoshaPort, tls),
      channels: akoshaChannels,
      token: token.akosha,
    });
  }
  const connections = sources.map((s) =>
    new Connection(s.url, {
      channels: s.channels,
      token: s.token,
      caCerts,
      initialRequests: s.initial,
      onMessage: (message, info) =>
        output.received({ service: s.name, receivedAt: info.receivedAt, raw: info.raw, message }),
    })
  );
  const statusLine = () => {
    const links = sources.map((s, i) => {
      const c = connections[i];
      return `${s.name} ${c.status.state} ${c.counters.messages} msgs` +
        (c.counters.malformed > 0 ? ` (${c.counters.malformed} malformed)` : "");
    });
    return `collector ${clock(Date.now())}: ${links.join(", ")}; ${output.describe()}`;
  };
  for (const c of connections) c.start();
  console.error(
    `collector: storing ${
      sources.map((s) => `${s.name} [${s.channels.join(",")}]`).join(", ")
    } in ${store.target.label}`,
  );
  const timer = setInterval(() => console.error(statusLine()), o.statusInterval);

  const signal = await new Promise<Deno.Signal>((resolve) => {
    const on = (s: Deno.Signal) => () => resolve(s);
    Deno.addSignalListener("SIGINT", on("SIGINT"));
    Deno.addSignalListener("SIGTERM", on("SIGTERM"));
  });
  clearInterval(timer);
  console.error(`collector: ${signal}: closing connections and storing what is buffered`);
  await Promise.all(connections.map((c) => c.close()));
  await output.close();
  console.error(statusLine().replace(/^collector \S+:/, "collector stopped:"));
  return output.counts.dropped > 0 ? EXIT_CODES.output : EXIT_CODES.ok;
}

if (import.meta.main) await runMain("collector", main);
