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
 * [--akosha-host H --akosha-port 8692 --akosha-channels insights,anomalies] [--no-akosha] [--no-pool]
 * [--subscribe CHANNEL]... [--token-env VAR | --token-file FILE] [--tls] [--ca FILE]
 * [--store-password-file FILE] [--status-interval 60s] [--flush-timeout 10s]`
 *
 * Permissions: `--allow-net` to the server hosts and the PostgreSQL host;
 * `--allow-read`/`--allow-write` for the SQLite file (and its `-wal`/`-shm`
 * companions) and the token/CA/password files; `--allow-env=PG*` for the
 * PostgreSQL client's standard variables (`PGPASSWORD`…) and the token variable.
 *
 * Exit status: 0 all stored; 1 bad options; 2 the store cannot be used
 * (corrupt file, newer schema, read-only); 3 some events could not be stored.
 *
 * @module
 */

import { Command } from "commander";
import { parseDurationMs, parsePort, readCaFile, readToken, serverUrl, VERSION } from "./lib/cli/cli.ts";
import { addStoreOptions, resolveStoreOptions, type StoreCliOptions } from "./lib/cli/store_options.ts";
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
  subscribe: string[];
  tokenEnv?: string;
  tokenFile?: string;
  tls?: boolean;
  ca?: string;
  statusInterval: number;
  flushTimeout: number;
}

/** Akosha's channels; every other `--subscribe` channel goes to Mahavishnu. */
export function isAkoshaChannel(channel: string): boolean {
  return /^(insights|anomalies|metrics|patterns(:.*)?)$/.test(channel);
}

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

/** Parses `args`, collects until SIGINT/SIGTERM, resolves to the exit code. */
export async function main(args: string[]): Promise<number> {
  const program = addStoreOptions(
    new Command()
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
      .option("--no-akosha", "no Akosha connection")
      .option(
        "--subscribe <channel>",
        "also subscribe to this channel (repeatable; Akosha channels go to Akosha)",
        (v: string, all: string[]) => [...all, v],
        [] as string[],
      )
      .option("--token-env <var>", "read the auth token from this environment variable (default MAHAVISHNU_TOKEN)")
      .option("--token-file <file>", "read the auth token from the first line of this file")
      .option("--tls", "connect with wss:// instead of ws://")
      .option("--ca <file>", "trust this CA certificate (PEM) for wss:// (implies --tls)")
      .option("--status-interval <duration>", "time between status lines on stderr", parseDurationMs, 60_000)
      .option(
        "--flush-timeout <duration>",
        "longest time spent storing buffered events on exit",
        parseDurationMs,
        10_000,
      ),
  ).showHelpAfterError().parse(args, { from: "user" });
  const o = program.opts<CollectorOptions>();
  const store = resolveStoreOptions(o);
  if (!store) throw new TypeError("Cannot collect without a store: give --store events.db or --store postgres://…");
  const token = readToken(o);
  const caCerts = readCaFile(o.ca);
  const tls = o.tls === true || o.ca !== undefined;

  const output = new StoreOutput(store.target, {
    password: store.password,
    retentionMs: store.retentionMs,
    flushTimeoutMs: o.flushTimeout,
    onError: (e) => console.error(`collector: ${e.message}`),
    onRecovered: () => console.error(`collector: store ${store.target.label} is writable again`),
  });
  try {
    await output.ready();
  } catch (error) {
    if (error instanceof StoreError && error.permanent) {
      await output.close();
      console.error(`collector: ${error.message}`);
      return 2;
    }
    // A server that is not up yet: keep collecting into the buffer, the writer retries.
  }

  const mahavishnuChannels = ["global", ...o.subscribe.filter((c) => !isAkoshaChannel(c))];
  const akoshaChannels = [
    ...o.akoshaChannels.split(",").map((c) => c.trim()).filter(Boolean),
    ...o.subscribe.filter(isAkoshaChannel),
  ];
  const sources: {
    name: string;
    url: string;
    channels: string[];
    initial?: () => ReturnType<typeof getPoolStatusRequest>[];
  }[] = [
    {
      name: "mahavishnu",
      url: serverUrl(o.mahavishnuHost, o.mahavishnuPort, tls),
      channels: [...new Set(mahavishnuChannels)],
    },
  ];
  if (o.pool) {
    sources.push({
      name: "pool",
      url: serverUrl(o.poolHost, o.poolPort, tls),
      channels: [`pool:${o.poolId}`],
      initial: () => [getPoolStatusRequest(o.poolId)],
    });
  }
  if (o.akosha && akoshaChannels.length > 0) {
    sources.push({
      name: "akosha",
      url: serverUrl(o.akoshaHost, o.akoshaPort, tls),
      channels: [...new Set(akoshaChannels)],
    });
  }
  const connections = sources.map((s) =>
    new Connection(s.url, {
      channels: s.channels,
      token,
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
    return `collector ${clock(Date.now())}: ${links.join(", ")}; ${output.summary()}`;
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
  return output.counts.dropped > 0 ? 3 : 0;
}

if (import.meta.main) await runMain("collector", main);
