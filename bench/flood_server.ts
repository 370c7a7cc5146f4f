/**
 * Benchmark server: on each connection it sends frames according to the
 * URL query: `mode=flood&n=N` as fast as the socket takes them,
 * `mode=rate&rate=R&seconds=S` at a fixed rate, or `mode=idle` nothing.
 * Every frame carries `data.sent_at` (ms, performance clock of this process
 * plus its time origin) for latency. Prints `listening PORT`.
 *
 * @module
 */

import { seededRandom } from "../lib/transport/random.ts";
import { serverFrame } from "../lib/demo/server.ts";
import { Simulation } from "../lib/demo/simulation.ts";

const clock = () => performance.timeOrigin + performance.now();

/** Realistic event payloads from the demo simulation (pool, worker, task and workflow events). */
function payloads(count: number): { room: string; event: string; data: Record<string, unknown> }[] {
  const sim = new Simulation({ random: seededRandom(1), now: 0 });
  const out: { room: string; event: string; data: Record<string, unknown> }[] = [];
  let t = 0;
  while (out.length < count) {
    t += 50;
    for (const e of [...sim.poolStep(t), ...sim.workflowStep(t)]) {
      const room = e.rooms.find((r) => r.startsWith("pool:pool_local")) ?? e.rooms[0];
      out.push({ room: room.startsWith("pool:") ? "pool:pool_local" : room, event: e.event, data: e.data });
    }
  }
  return out.slice(0, count);
}

const templates = payloads(2000);

function frameAt(i: number): string {
  const t = templates[i % templates.length];
  return serverFrame("event", t.event, { ...t.data, pool_id: "pool_local", sent_at: clock() }, { room: t.room });
}

async function flood(ws: WebSocket, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    if (ws.readyState !== WebSocket.OPEN) return;
    ws.send(frameAt(i));
    if (ws.bufferedAmount > 4 * 1024 * 1024) {
      while (ws.bufferedAmount > 1024 * 1024 && ws.readyState === WebSocket.OPEN) {
        await new Promise((r) => setTimeout(r, 1));
      }
    }
  }
  ws.send(serverFrame("event", "bench.done", { n }));
}

async function steady(ws: WebSocket, rate: number, seconds: number): Promise<void> {
  const start = clock();
  let sent = 0;
  while (clock() - start < seconds * 1000 && ws.readyState === WebSocket.OPEN) {
    const due = Math.floor((clock() - start) * rate / 1000);
    while (sent < due) ws.send(frameAt(sent++));
    await new Promise((r) => setTimeout(r, 1));
  }
  ws.send(serverFrame("event", "bench.done", { n: sent }));
}

const server = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen: ({ port }) => console.log(`listening ${port}`) },
  (req) => {
    const url = new URL(req.url);
    const { socket, response } = Deno.upgradeWebSocket(req);
    socket.onopen = () => {
      socket.send(serverFrame("event", "session.created", { server: "bench" }));
      const mode = url.searchParams.get("mode");
      if (mode === "flood") flood(socket, Number(url.searchParams.get("n") ?? 100_000));
      if (mode === "rate") {
        steady(socket, Number(url.searchParams.get("rate") ?? 1000), Number(url.searchParams.get("seconds") ?? 5));
      }
    };
    socket.onmessage = (e) => {
      try {
        const m = JSON.parse(e.data);
        if (m.event === "subscribe") {
          socket.send(
            serverFrame("response", "subscribe", { status: "subscribed", channel: m.data?.channel }, {
              correlation_id: m.correlation_id,
            }),
          );
        }
      } catch { /* ignore */ }
    };
    return response;
  },
);

Deno.addSignalListener("SIGTERM", () => server.shutdown().then(() => Deno.exit(0)));
