/**
 * `deno task bench:store`: the event store's numbers, side by side in one run:
 * SQLite and PostgreSQL ingest (events/s through the store output: row
 * building, cleaning and batched transactions), a query by event and time
 * range over 1,000,000 stored events, and bytes on disk per million events.
 * Prints a Markdown table (not part of the test run).
 *
 * PostgreSQL: `MAHAVISHNU_BENCH_PG_URL` (a database the benchmark may fill and
 * empty), else a throwaway cluster started here (needs `initdb`, as root runs
 * it as the `postgres` user).
 *
 * Options: `--events N` ingest events per store (default 200000), `--stored N`
 * rows for the query and size rows (default 1000000), `--no-postgres`.
 *
 * @module
 */

import process from "node:process";
import postgres from "postgres";
import { StoreOutput } from "../lib/store/store_output.ts";
import { openSqliteStore } from "../lib/store/sqlite.ts";
import { openThreadedSqliteStore } from "../lib/store/sqlite_threaded.ts";
import { openPostgresStore } from "../lib/store/postgres.ts";
import type { StoreBackend } from "../lib/store/backend.ts";
import type { ReceivedMessage } from "../lib/store/record.ts";
import type { Envelope } from "../lib/protocol/envelope.ts";
import { startCluster, type TestCluster } from "../lib/store/_test_pg.ts";
import { numberOption } from "./_harness.ts";

const args = Deno.args;
const INGEST = numberOption("--events", 200_000);
const STORED = numberOption("--stored", 1_000_000);
const WITH_PG = !args.includes("--no-postgres");
const T0 = Date.UTC(2026, 10, 1);

/** Demo-like messages: task, worker, pool and workflow events over 20 pools, 200 workers, 50 workflows. */
function message(i: number, at: number): ReceivedMessage {
  const pool = `pool_${i % 20}`;
  const worker = `${pool}_w${i % 10}`;
  const kind = i % 5;
  const stamp = new Date(at).toISOString();
  let event: string;
  let data: Record<string, unknown>;
  if (kind === 0) {
    event = "task.assigned";
    data = { pool_id: pool, worker_id: worker, task: { id: `task_${i}`, kind: "summarise", priority: i % 3 } };
  } else if (kind === 1) {
    event = "task.completed";
    data = { pool_id: pool, worker_id: worker, task_id: `task_${i - 1}`, duration: (i % 900) / 100 };
  } else if (kind === 2) {
    event = "worker.status_changed";
    data = { pool_id: pool, worker_id: worker, status: i % 7 === 0 ? "error" : "busy", timestamp: stamp };
  } else if (kind === 3) {
    event = "pool.status_changed";
    data = { pool_id: pool, status: { worker_count: 10, queue_size: i % 40, state: "running" }, timestamp: stamp };
  } else {
    event = "workflow.stage_completed";
    data = {
      workflow_id: `wf_${i % 50}`,
      stage_name: ["retrieve_context", "analyze", "generate", "review"][i % 4],
      result: { status: "ok", items: i % 40, duration_ms: 1200 + (i % 1600) },
      timestamp: stamp,
    };
  }
  const m: Envelope = {
    id: crypto.randomUUID(),
    correlation_id: null,
    type: "event",
    event,
    data,
    timestamp: stamp,
    room: event.startsWith("workflow") ? "global" : `pool:${pool}`,
    error_code: null,
    error_message: null,
  };
  return {
    service: event.startsWith("workflow") ? "mahavishnu" : "pool",
    receivedAt: at,
    raw: JSON.stringify(m),
    message: m,
  };
}

/**
 * Events/s through a StoreOutput: `received()` for every message, then a full
 * flush. Wall-clock rate, and the rate per CPU second of this process (the
 * machines are shared: the CPU rate is what an idle core would give).
 */
async function ingest(
  open: () => Promise<StoreBackend>,
  label: string,
  count: number,
  start: number,
): Promise<{ wall: number; cpu: number; queueUs: number }> {
  const messages = Array.from({ length: count }, (_, i) => message(i, start + i));
  const output = new StoreOutput(label, { open, maxBuffered: count + 1 });
  await output.ready();
  const c0 = process.cpuUsage();
  const t = performance.now();
  for (const m of messages) output.received(m);
  const queued = performance.now();
  await output.flush();
  const seconds = (performance.now() - t) / 1000;
  const c = process.cpuUsage(c0);
  await output.close();
  if (output.counts.stored !== count) throw new Error(`${label}: stored ${output.counts.stored} of ${count}`);
  return { wall: count / seconds, cpu: count / ((c.user + c.system) / 1e6), queueUs: (queued - t) * 1000 / count };
}

/**
 * What `received()` costs the monitor's thread for a frame that finds the
 * buffer full (a flood faster than the store): µs per frame, median of 5.
 */
async function dropUs(open: () => Promise<StoreBackend>, label: string, count: number): Promise<number> {
  const messages = Array.from({ length: count }, (_, i) => message(i, Date.now() + i));
  const output = new StoreOutput(label, { open, maxBuffered: 1000, reportOnClose: false });
  await output.ready();
  for (const m of messages.slice(0, 1000)) output.received(m);
  const times: number[] = [];
  for (let k = 0; k < 5; k++) {
    const t = performance.now();
    for (let i = 1000; i < count; i++) output.received(messages[i]);
    times.push((performance.now() - t) * 1000 / (count - 1000));
  }
  await output.close();
  const dropped = 5 * (count - 1000);
  if (output.counts.dropped !== dropped) throw new Error(`${label}: dropped ${output.counts.dropped} of ${dropped}`);
  return times.sort((a, b) => a - b)[2];
}

/** Fills `store` up to `total` rows (1 event per 10 ms from T0) in 5 000-row transactions. */
async function fill(store: StoreBackend, total: number): Promise<void> {
  const { toRow } = await import("../lib/store/record.ts");
  for (let i = 0; i < total; i += 5000) {
    const batch = [];
    for (let j = i; j < Math.min(total, i + 5000); j++) batch.push(toRow(message(j, T0 + j * 10)));
    await store.insert(batch);
  }
}

/** Median ms of a query by event and a one-hour time range (360 000 events an hour, 72 000 of that event; first 1 000). */
async function queryMs(store: StoreBackend): Promise<{ ms: number; rows: number }> {
  const times: number[] = [];
  let rows = 0;
  for (let k = 0; k < 15; k++) {
    const span = Math.max(0, STORED * 10 - 3_600_000);
    const since = T0 + Math.floor(((k * 0.381966) % 1) * span); // spread over the stored span
    const t = performance.now();
    const r = await store.select({ events: ["task.completed"], since, until: since + 3_600_000, limit: 1000 });
    times.push(performance.now() - t);
    rows = r.length;
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)], rows };
}

function dirBytes(path: string): number {
  let n = 0;
  for (const suffix of ["", "-wal", "-shm"]) {
    try {
      n += Deno.statSync(path + suffix).size;
    } catch { /* absent */ }
  }
  return n;
}

/** The 1-minute load average, or "?": the machines are shared, so say how busy this one was. */
function load(): string {
  try {
    return Deno.loadavg()[0].toFixed(1);
  } catch {
    return "?";
  }
}

const loadAtStart = load();
const results: string[][] = [];
const row = (what: string, value: string, target: string) => {
  results.push([what, value, target]);
  console.error(`${what}: ${value} (target ${target})`);
};
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

const dir = Deno.makeTempDirSync({ prefix: "bench_store_" });
let cluster: TestCluster | null = null;
try {
  // SQLite
  const ingestPath = `${dir}/ingest.db`;
  const sqliteRate = await ingest(() => openSqliteStore(ingestPath), ingestPath, INGEST, Date.now());
  row(
    "SQLite ingest (same thread)",
    `${fmt(sqliteRate.wall)} events/s (${fmt(sqliteRate.cpu)} per CPU second)`,
    "≥ 100,000 events/s",
  );
  const threadPath = `${dir}/ingest_thread.db`;
  const threadRate = await ingest(() => openThreadedSqliteStore(threadPath), threadPath, INGEST, Date.now());
  row(
    "SQLite ingest (writer thread, the monitors' default)",
    `${fmt(threadRate.wall)} events/s (${fmt(threadRate.cpu)} per CPU second, both threads)`,
    "≥ 100,000 events/s",
  );
  const dropPath = `${dir}/drop.db`;
  const drop = await dropUs(() => openThreadedSqliteStore(dropPath), dropPath, 100_000);
  row(
    "Store output's cost on the monitor's thread (writer thread)",
    `${threadRate.queueUs.toFixed(2)} µs per event queued, ${drop.toFixed(3)} µs per event dropped (buffer full)`,
    "as close to 0 as possible",
  );
  const bigPath = `${dir}/big.db`;
  const big = await openSqliteStore(bigPath);
  await fill(big, STORED);
  const q = await queryMs(big);
  row(
    `SQLite query by event + 1 h range over ${fmt(STORED)} events`,
    `${q.ms.toFixed(1)} ms (${q.rows} rows)`,
    "< 50 ms",
  );
  await big.close();
  row("SQLite bytes on disk per million events", `${fmt(dirBytes(bigPath) * 1_000_000 / STORED)} B`, "reported");

  if (WITH_PG) {
    let url = Deno.env.get("MAHAVISHNU_BENCH_PG_URL");
    if (!url) {
      cluster = await startCluster();
      url = cluster.url;
    }
    const reset = async () => {
      const sql = postgres(url!, { max: 1, onnotice: () => {} });
      await sql.unsafe("DROP TABLE IF EXISTS events; DROP TABLE IF EXISTS schema_version").simple();
      await sql.end();
    };
    await reset();
    const pgRate = await ingest(() => openPostgresStore(url!), url, INGEST, Date.now());
    row(
      "PostgreSQL ingest",
      `${fmt(pgRate.wall)} events/s (${fmt(pgRate.cpu)} per CPU second of the client)`,
      "≥ 20,000 events/s",
    );
    await reset();
    const pg = await openPostgresStore(url);
    await fill(pg, STORED);
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    await sql.unsafe("VACUUM ANALYZE events");
    const [size] = await sql.unsafe("SELECT pg_total_relation_size('events')::bigint AS b");
    await sql.end();
    const pq = await queryMs(pg);
    row(
      `PostgreSQL query by event + 1 h range over ${fmt(STORED)} events`,
      `${pq.ms.toFixed(1)} ms (${pq.rows} rows)`,
      "< 50 ms",
    );
    row("PostgreSQL bytes on disk per million events", `${fmt(Number(size.b) * 1_000_000 / STORED)} B`, "reported");
    await pg.close();
    await reset();
  }
} finally {
  if (cluster) await cluster.destroy();
  Deno.removeSync(dir, { recursive: true });
}

console.log(`Load average ${loadAtStart} at start, ${load()} at the end, on ${navigator.hardwareConcurrency} CPUs.\n`);
console.log("| measure | result | target |");
console.log("| --- | --- | --- |");
for (const r of results) console.log(`| ${r.join(" | ")} |`);
