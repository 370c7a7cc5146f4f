/**
 * Parse-only baseline client over the monitors' own transport: like
 * `bare_parse.ts` (count, `JSON.parse`, read two fields), but over
 * `lib/transport/ws_client.ts` (`Deno.connect`, the HTTP Upgrade by hand,
 * frames parsed from large chunks, one decode per chunk) instead of Deno's
 * `WebSocket` (one async op and one DOM event per message). The difference
 * between the two is what the transport saves per message.
 *
 * Usage: `deno run --allow-net=127.0.0.1 bench/bare_parse_raw.ts URL [CHANNELS] [URL CHANNELS ...]`
 * (channels default `pool:pool_local`). On SIGTERM it prints
 * `{"messages":N,"events":E,"rss":BYTES}` and exits.
 *
 * @module
 */

import { WsClient } from "../lib/transport/ws_client.ts";

let messages = 0;
let events = 0;
for (let i = 0; i < Deno.args.length; i += 2) {
  const channels = (Deno.args[i + 1] ?? "pool:pool_local").split(",");
  const ws = new WsClient(Deno.args[i]);
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
  ws.onmessage = (e) => {
    messages++;
    const m = JSON.parse(e.data as string);
    if (m.type === "event") events++;
  };
}
Deno.addSignalListener("SIGTERM", () => {
  console.log(JSON.stringify({ messages, events, rss: Deno.memoryUsage().rss }));
  Deno.exit(0);
});
