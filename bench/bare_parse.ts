/**
 * Parse-only baseline client: like `bare_count.ts`, and also `JSON.parse`s
 * every message (and reads two fields of it). When events carry
 * `data.sent_at` (the flood sender's paced mode) it also keeps the
 * send-to-receive latency of each. Several `URL CHANNELS` pairs open several
 * connections in this one process (CHANNELS comma separated), as the
 * dashboard does.
 *
 * With `--raw` first it does the same over the monitors' own transport,
 * `lib/transport/ws_client.ts` (`Deno.connect`, frames parsed from large
 * chunks, one decode per chunk), instead of Deno's `WebSocket` (one async op
 * and one DOM event per message): the difference between the two runs is
 * what the transport saves per message.
 *
 * Usage: `deno run --allow-net=127.0.0.1 bench/bare_parse.ts [--raw] URL [CHANNELS] [URL CHANNELS ...]` (channels
 * default `pool:pool_local`). On SIGTERM it prints
 * `{"messages":N,"events":E,"rss":BYTES,"p50":MS,"p99":MS}` and exits.
 *
 * @module
 */

import { WsClient } from "../lib/transport/ws_client.ts";

const clock = () => performance.timeOrigin + performance.now();
const raw = Deno.args[0] === "--raw";
const args = raw ? Deno.args.slice(1) : Deno.args;
let messages = 0;
let events = 0;
const latencies: number[] = [];
for (let i = 0; i < args.length; i += 2) {
  const channels = (args[i + 1] ?? "pool:pool_local").split(",");
  const ws = raw ? new WsClient(args[i]) : new WebSocket(args[i]);
  ws.onopen = () => {
    for (const channel of channels) {
      ws.send(
        JSON.stringify({
          type: "request",
          event: "subscribe",
          data: { channel },
          id: channel,
          correlation_id: channel,
        }),
      );
    }
  };
  ws.onmessage = (e: { data: unknown }) => {
    messages++;
    const m = JSON.parse(e.data as string);
    if (m.type === "event") {
      events++;
      const sent = m.data?.sent_at;
      if (typeof sent === "number") latencies.push(clock() - sent);
    }
  };
}
Deno.addSignalListener("SIGTERM", () => {
  latencies.sort((a, b) => a - b);
  const q = (p: number) =>
    latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : null;
  console.log(JSON.stringify({ messages, events, rss: Deno.memoryUsage().rss, p50: q(0.5), p99: q(0.99) }));
  Deno.exit(0);
});
