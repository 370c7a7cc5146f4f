/**
 * Memory benchmark: RSS after parsing and reducing 10k events, then after
 * 1M, with default history sizes. Run with `--v8-flags=--expose-gc`.
 * Prints one JSON line.
 *
 * @module
 */

import { serverFrame } from "../lib/demo/server.ts";
import { seededRandom } from "../lib/transport/random.ts";
import { createPoolState, reducePool } from "../lib/model/pool_state.ts";
import { parseMessage } from "../lib/protocol/envelope.ts";
import { decodeMessage } from "../lib/protocol/decode.ts";

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const random = seededRandom(9);
const frames: string[] = [];
for (let i = 0; i < 5000; i++) {
  const w = `pool_local_w${Math.floor(random() * 200)}`;
  const r = random();
  frames.push(
    r < 0.4
      ? serverFrame("event", "worker.status_changed", {
        worker_id: w,
        status: ["idle", "busy", "error"][i % 3],
        pool_id: "pool_local",
      })
      : r < 0.7
      ? serverFrame("event", "task.assigned", { pool_id: "pool_local", worker_id: w, task: { id: `task_${i}` } })
      : serverFrame("event", "pool.status_changed", {
        pool_id: "pool_local",
        status: { worker_count: 200, queue_size: i % 50 },
      }),
  );
}
let state = createPoolState("pool_local");
function feed(n: number, offset: number): void {
  for (let i = 0; i < n; i++) {
    const r = parseMessage(frames[(offset + i) % frames.length]);
    if (r.ok) state = reducePool(state, decodeMessage(r.message), i);
  }
}
feed(10_000, 0);
gc();
const after10k = Deno.memoryUsage();
feed(90_000, 10_000);
gc();
const after100k = Deno.memoryUsage();
feed(900_000, 100_000);
gc();
const after1m = Deno.memoryUsage();
console.log(JSON.stringify({
  rss10k: after10k.rss,
  rss100k: after100k.rss,
  rss1m: after1m.rss,
  heap10k: after10k.heapUsed,
  heap1m: after1m.heapUsed,
  history: state.history.size,
  workers: state.workers.size,
}));
