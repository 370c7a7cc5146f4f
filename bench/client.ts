/**
 * Benchmark client, one mode per process so that its CPU time is its own:
 * - `bare URL N`: a minimal WebSocket client that only counts messages (the ceiling);
 * - `pipeline URL N`: connection -> parse -> pool reducer -> view -> renderer at 10 fps into a byte sink;
 * - `latency URL`: the same pipeline; for each event, time from the server's send to the frame that shows it;
 * - `idle URL SECONDS`: the pipeline connected to a silent server.
 * Prints one JSON line with the results.
 *
 * @module
 */

import process from "node:process";
import { Connection } from "../lib/transport/connection.ts";
import { createPoolState, reducePool } from "../lib/model/pool_state.ts";
import { decodeMessage } from "../lib/protocol/decode.ts";
import { poolView } from "../lib/ui/pool_view.ts";
import { LiveRenderer, type TerminalSink } from "../lib/ui/renderer.ts";
import { createStyle } from "../lib/ui/style.ts";

const [mode, url, arg] = Deno.args;
const clock = () => performance.timeOrigin + performance.now();
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

function bare(n: number): Promise<Record<string, number>> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    let count = 0;
    let start = 0;
    let cpu0 = 0;
    ws.onmessage = (e) => {
      if (count === 0) {
        start = clock();
        cpu0 = cpu();
      }
      count++;
      if (typeof e.data === "string" && e.data.includes('"bench.done"') || count > n) {
        const seconds = (clock() - start) / 1000;
        ws.close();
        resolve({ events: count, seconds, eventsPerSecond: count / seconds, cpuSeconds: cpu() - cpu0 });
      }
    };
  });
}

function pipeline(n: number, seconds: number | null): Promise<Record<string, number>> {
  return new Promise((resolve) => {
    let bytes = 0;
    const sink: TerminalSink = { write: (t) => void (bytes += t.length), size: () => ({ columns: 160, rows: 50 }) };
    const renderer = new LiveRenderer(sink);
    const style = createStyle(true);
    let state = createPoolState("pool_local");
    const pending: number[] = [];
    const latencies: number[] = [];
    let count = 0;
    let start = 0;
    let cpu0 = 0;
    let drawn = -1;
    const startedAt = Date.now();
    const status = { state: "connected" as const, url, attempt: 0, retryAt: null, reason: null, since: 0 };
    const draw = () => {
      if (state.version === drawn) return;
      drawn = state.version;
      renderer.render(poolView(state, {
        now: Date.now(),
        columns: 160,
        rows: 50,
        style,
        sources: [{ name: "pool", status, messages: count, malformed: 0, reconnects: 0 }],
        filter: "",
        scroll: 0,
        tableScroll: 0,
        startedAt,
      }));
      const t = clock();
      for (const sent of pending) latencies.push(t - sent);
      pending.length = 0;
    };
    renderer.start();
    const frames = setInterval(draw, 100);
    const finish = async () => {
      clearInterval(frames);
      draw();
      const elapsed = (clock() - start) / 1000;
      const used = cpu() - cpu0;
      await connection.close();
      latencies.sort((a, b) => a - b);
      const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
      resolve({
        events: count,
        seconds: elapsed,
        eventsPerSecond: count / elapsed,
        cpuSeconds: used,
        frames: renderer.frames,
        bytes,
        p50: q(0.5),
        p99: q(0.99),
        max: latencies.at(-1) ?? 0,
      });
    };
    const connection = new Connection(url, {
      channels: ["pool:pool_local"],
      onMessage: (m) => {
        if (count === 0 && seconds === null) {
          start = clock();
          cpu0 = cpu();
        }
        count++;
        if (m.event === "bench.done" || count > n) {
          finish();
          return;
        }
        state = reducePool(state, decodeMessage(m), Date.now());
        const sent = m.data.sent_at;
        if (typeof sent === "number") pending.push(sent);
      },
    });
    connection.start();
    if (seconds !== null) {
      // Measure after a 2 s warm-up (connect, first frame, JIT), for `seconds`.
      setTimeout(() => {
        start = clock();
        cpu0 = cpu();
        setTimeout(finish, seconds * 1000);
      }, 2000);
    }
  });
}

/** A bare WebSocket client connected to a silent server: the idle baseline. */
function bareIdle(seconds: number): Promise<Record<string, number>> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.onopen = () => {
      setTimeout(() => {
        const c0 = cpu();
        setTimeout(() => {
          const used = cpu() - c0;
          ws.close();
          resolve({ seconds, cpuSeconds: used });
        }, seconds * 1000);
      }, 2000);
    };
  });
}

let result: Record<string, number>;
if (mode === "bare") result = await bare(Number(arg));
else if (mode === "pipeline" || mode === "latency") result = await pipeline(Number(arg ?? 1e9), null);
else if (mode === "bareidle") result = await bareIdle(Number(arg));
else if (mode === "idle") result = await pipeline(1e9, Number(arg));
else throw new TypeError(`Cannot run benchmark client as mode is unknown: current value is ${mode}`);
result.rss = Deno.memoryUsage().rss;
console.log(JSON.stringify(result));
Deno.exit(0);
