/**
 * Bare baseline client: one WebSocket that subscribes to one channel and
 * only counts messages (no parsing): the ceiling of a Deno client.
 *
 * Usage: `deno run --allow-net=127.0.0.1 bench/bare_count.ts URL [CHANNEL]` (channel default
 * `pool:pool_local`). On SIGTERM it prints `{"messages":N,"rss":BYTES}` and exits.
 *
 * @module
 */

const [url, channel = "pool:pool_local"] = Deno.args;
let messages = 0;
const ws = new WebSocket(url);
ws.onopen = () =>
  ws.send(JSON.stringify({ type: "request", event: "subscribe", data: { channel }, id: "s1", correlation_id: "s1" }));
ws.onmessage = () => {
  messages++;
};
Deno.addSignalListener("SIGTERM", () => {
  console.log(JSON.stringify({ messages, rss: Deno.memoryUsage().rss }));
  Deno.exit(0);
});
