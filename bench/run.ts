/**
 * `deno task bench`: measures the monitors as shipped — the real entry
 * scripts with the flags of their `deno.json` tasks, in a 120x40
 * pseudo-terminal — against baselines measured in the same run, and writes
 * `BENCHMARKS.md`.
 *
 * Options: `--window S` flood measuring window (default 8), `--warm S` warm-up
 * before it (default 2), `--idle-seconds S` (default 30), `--only a,b` run only
 * these sections (flood, profile, latency, idle, memory, bytes, startup),
 * `--clients a,b` flood only these clients (bare_count, bare_parse, pool, …),
 * `--rounds N` flood rounds, the best of each client kept (default 3),
 * `--no-write` (print only), `--out FILE` (default BENCHMARKS.md), `--keep` (keep the
 * terminal recordings and profiles, and say where).
 *
 * What it reads from the screen: the `msgs N` counter of each connection (pool
 * and workflow header, dashboard panels; latency, memory, bytes per change and
 * the cross-check depend on it), the word `connected` (start-up) and `PAUSED`
 * (keys). A view that renames them needs `parseFrames` in `_harness.ts` or the
 * checks here changed with it; a section that cannot find them fails on its own
 * row of the report and the others still run.
 *
 * Needs Linux (`/proc`), `python3` (the pseudo-terminal runner) and, to take
 * the socket queues off the sender's counts, `ss` from iproute2 (without it the
 * counts are the sender's, and the report says so).
 *
 * @module
 */

import {
  cpuOf,
  epochMs,
  type Frame,
  inflightBytes,
  median,
  numberOption,
  PlainRun,
  PtyRun,
  quantile,
  ROOT,
  rssOf,
  Sender,
  type SenderConnection,
  type SenderStats,
  shippedArgs,
  sleep,
} from "./_harness.ts";
import { type FunctionCost, topFunctions } from "./cpuprofile_top.ts";

const args = Deno.args;
const WINDOW = numberOption("--window", 8);
const WARM = numberOption("--warm", 2);
const IDLE = numberOption("--idle-seconds", 30);
const ROUNDS = numberOption("--rounds", 3);
/** How long to wait for the frame that answers a key. */
const KEY_WAIT_MS = 3000;
const only = args.includes("--only") ? args[args.indexOf("--only") + 1].split(",") : null;
const onlyClients = args.includes("--clients") ? args[args.indexOf("--clients") + 1].split(",") : null;
const section = (name: string) => only === null || only.includes(name);
const outFile = args.includes("--out") ? args[args.indexOf("--out") + 1] : `${ROOT}BENCHMARKS.md`;
const tmp = await Deno.makeTempDir({ prefix: "bench_" });
const log = (...a: unknown[]) => console.error(...a);

/** The clients of the flood table. */
type Monitor = "pool" | "workflow" | "dashboard";
type Client = "bare_count" | "bare_parse" | "bare_parse_raw" | "bare_parse_v8" | "bare_parse3" | "pool_store" | Monitor;
/** The V8 flags the monitors ship with (from the `pool` task), for a bare client that runs with them too. */
const SHIPPED_V8_FLAGS = shippedArgs("pool").filter((a) => a.startsWith("--v8-flags"));
/** The dashboard's connections: one per service, with its default channels. */
const DASHBOARD_CHANNELS = ["global", "pool:pool_local", "insights,patterns,anomalies"];
const SCRIPT: Record<string, string> = {
  pool: "pool_monitor.ts",
  workflow: "workflow_monitor.ts",
  dashboard: "multi_service_dashboard.ts",
};

/** The shipped command line of a monitor against the sender on `port`. */
function monitorCommand(client: "pool" | "workflow" | "dashboard", port: number, flags: string[] = []): string[] {
  const server = client === "dashboard"
    ? ["--mahavishnu-port", String(port), "--pool-port", String(port), "--akosha-port", String(port)]
    : ["--host", "127.0.0.1", "--port", String(port)];
  return [Deno.execPath(), ...shippedArgs(client, flags), ...server];
}

/** A running client of any kind. */
interface Running {
  pid: number;
  pty: PtyRun | null;
  stop(): Promise<Record<string, number | null>>;
}

let runs = 0;
async function startClient(
  client: Client,
  port: number,
  flags: string[] = [],
  name: string = client,
): Promise<Running> {
  if (client === "pool_store") {
    // The shipped pool monitor with an SQLite event store (the write permission is the store file's folder).
    const db = `${tmp}/${name}_${++runs}.db`;
    const argv = [...monitorCommand("pool", port, [`--allow-write=${tmp}`, ...flags]), "--store", db];
    const pty = await PtyRun.start(argv, { outFile: `${tmp}/${name}_${runs}.out` });
    return { pid: pty.pid, pty, stop: async () => ({ code: await pty.stop() }) };
  }
  if (client !== "pool" && client !== "workflow" && client !== "dashboard") {
    const url = `ws://127.0.0.1:${port}`;
    const targets = client === "bare_parse3" ? DASHBOARD_CHANNELS.flatMap((c) => [url, c]) : [url];
    const script = client === "bare_count" ? ["bench/bare_count.ts"] : ["bench/bare_parse.ts"];
    if (client === "bare_parse_raw") script.push("--raw");
    const v8 = client === "bare_parse_v8" ? SHIPPED_V8_FLAGS : [];
    const run = new PlainRun(["run", ...v8, "--allow-net=127.0.0.1", ...script, ...targets]);
    return { pid: run.pid, pty: null, stop: () => run.stop() };
  }
  const pty = await PtyRun.start(monitorCommand(client, port, flags), { outFile: `${tmp}/${name}_${++runs}.out` });
  return {
    pid: pty.pid,
    pty,
    stop: async () => ({ code: await pty.stop() }),
  };
}

/** What one flood measured. */
interface FloodResult {
  client: Client;
  seconds: number;
  /** Events the client consumed in the window: written by the sender, less those still in the socket queues. */
  events: number;
  /** Events the sender wrote in the window. */
  written: number;
  /** Whether the socket queues could be read (`ss`); when not, `events` is `written`. */
  corrected: boolean;
  rate: number;
  perConnection: { channels: string[]; rate: number }[];
  clientCpu: number;
  senderCpu: number;
  frames: number | null;
  /** Rate from the monitor's own `msgs` counter on screen (first counter of a frame). */
  screenRate: number | null;
  /** Key press (`p`, pause) to the frame that shows it, ms. */
  keyMs: number | null;
  profile?: FunctionCost[];
}

/**
 * Floods one client: waits until it subscribed, warms up, then measures over
 * the window the events the sender wrote (backpressure: what the client
 * consumed), the client's and the sender's CPU, and the frames drawn.
 */
async function flood(sender: Sender, client: Client, options: { profile?: boolean; key?: boolean } = {}) {
  await sender.cmd({ cmd: "plan", mode: "flood" });
  const after = await sender.lastId();
  const profDir = `${tmp}/prof_${client}`;
  const flags = options.profile ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`] : [];
  const run = await startClient(client, sender.port, flags, options.profile ? `${client}_prof` : client);
  try {
    const expected = client === "dashboard" || client === "bare_parse3" ? 3 : 1;
    const conns = await sender.waitFlooding(after, expected);
    const ids = new Set(conns.map((c) => c.id));
    await sleep(WARM * 1000);
    const s1 = await sender.stats();
    const q1 = consumed(sender.port, s1, ids);
    const c1 = cpuOf(run.pid);
    await sleep(WINDOW * 1000);
    const s2 = await sender.stats();
    const q2 = consumed(sender.port, s2, ids);
    const c2 = cpuOf(run.pid);
    // After the window (pausing changes the work): type `p` and see how soon a frame shows it.
    let keyAt: number | null = null;
    let keyFrame: Frame | undefined;
    if (options.key && run.pty) {
      keyAt = epochMs();
      await run.pty.keys("p");
      for (let waited = 0; waited < KEY_WAIT_MS && !keyFrame; waited += 100) {
        await sleep(100);
        keyFrame = run.pty.frames().find((f) => f.tBegin >= keyAt! && f.text.includes("PAUSED"));
      }
    }
    const seconds = (s2.t - s1.t) / 1000;
    const perConnection = q2.map((c, i) => ({ channels: c.channels, rate: (c.events - q1[i].events) / seconds }));
    const events = q2.reduce((n, c, i) => n + c.events - q1[i].events, 0);
    const written = q2.reduce((n, c, i) => n + c.written - q1[i].written, 0);
    let frames: number | null = null;
    let screenRate: number | null = null;
    let keyMs: number | null = null;
    if (run.pty) {
      const all = run.pty.frames();
      frames = all.filter((f) => f.tEnd >= s1.t && f.tEnd <= s2.t).length;
      screenRate = counterRate(all, s1.t, s2.t, expected);
      if (keyAt !== null) keyMs = keyFrame ? keyFrame.tEnd - keyAt : null;
    }
    const result: FloodResult = {
      client,
      seconds,
      events,
      written,
      corrected: q1.every((c) => c.corrected) && q2.every((c) => c.corrected),
      rate: events / seconds,
      perConnection,
      clientCpu: c2 - c1,
      senderCpu: s2.cpu - s1.cpu,
      frames,
      screenRate,
      keyMs,
    };
    return result;
  } finally {
    await run.stop();
    if (options.profile) await attachProfile(profDir);
  }
}

/** The last profile read (top functions) and its file. */
const prof: { top: FunctionCost[] | null; file: string } = { top: null, file: "" };
async function attachProfile(dir: string): Promise<void> {
  try {
    for await (const e of Deno.readDir(dir)) {
      if (!e.name.endsWith(".cpuprofile")) continue;
      prof.file = `${dir}/${e.name}`;
      prof.top = topFunctions(JSON.parse(await Deno.readTextFile(prof.file)), { count: 10, root: ROOT });
    }
  } catch (error) {
    log("no profile:", error);
  }
}

/**
 * Events each connection in `ids` has consumed at the time of `stats`: what
 * the sender wrote, less what still sits in the two socket queues.
 */
function consumed(port: number, stats: SenderStats, ids: Set<number>) {
  return stats.conns.filter((c) => ids.has(c.id)).map((c) => {
    const queued = inflightBytes(port, c.peerPort);
    const events = queued === null || !c.frameBytes ? c.events : c.events - queued / c.frameBytes;
    return { channels: c.channels, events, written: c.events, corrected: queued !== null };
  });
}

/** Events/s from the `msgs` counters (one per connection, summed) of the frames drawn inside [t1, t2]. */
function counterRate(frames: Frame[], t1: number, t2: number, connections: number): number | null {
  const inside = frames.filter((f) => f.tEnd >= t1 && f.tEnd <= t2 && f.msgs.length === connections);
  if (inside.length < 2) return null;
  const sum = (f: Frame) => f.msgs.reduce((a, b) => a + b, 0);
  const first = inside[0];
  const last = inside.at(-1)!;
  return (sum(last) - sum(first)) / ((last.tEnd - first.tEnd) / 1000);
}

/** Send -> drawn-frame latency of the pool monitor at `rate` events/s, and the parse-only client's receive latency. */
async function latency(sender: Sender, rate: number) {
  await sender.cmd({ cmd: "plan", mode: "rate", rate });
  const after = await sender.lastId();
  const run = await startClient("pool", sender.port, [], "latency");
  let conn: SenderConnection;
  let t1 = 0;
  let t2 = 0;
  try {
    [conn] = await sender.waitFlooding(after, 1);
    await sleep(WARM * 1000);
    t1 = epochMs();
    await sleep(5000);
    t2 = epochMs();
    await sleep(500);
  } finally {
    await run.stop();
  }
  const sent = (await sender.cmd({ cmd: "log", id: conn.id })).sent as [number, number, number][];
  const frames = run.pty!.frames().filter((f) => f.msgs.length > 0);
  if (frames.length === 0) {
    throw new Error("no frame drew a 'msgs N' counter (read by parseFrames in bench/_harness.ts)");
  }
  const latencies: number[] = [];
  let missing = 0;
  let fi = 0;
  for (const [seq, at] of sent) {
    if (at < t1 || at > t2) continue;
    while (fi < frames.length && (frames[fi].msgs[0] < seq || frames[fi].tEnd < at)) fi++;
    if (fi === frames.length) {
      missing++;
      continue;
    }
    latencies.push(frames[fi].tEnd - at);
  }
  latencies.sort((a, b) => a - b);
  // Baseline: the parse-only client's send -> receive latency at the same rate.
  const after2 = await sender.lastId();
  const bare = await startClient("bare_parse", sender.port);
  let bareResult: Record<string, number | null>;
  try {
    await sender.waitFlooding(after2, 1);
    await sleep((WARM + 5) * 1000);
  } finally {
    bareResult = await bare.stop();
  }
  return {
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    max: latencies.at(-1) ?? NaN,
    measured: latencies.length,
    missing,
    bareP50: bareResult.p50 ?? NaN,
    bareP99: bareResult.p99 ?? NaN,
  };
}

/** CPU share of each monitor and of the count-only client, connected to a silent sender, after a 5 s warm-up. */
async function idle(sender: Sender) {
  await sender.cmd({ cmd: "plan", mode: "idle" });
  const clients: Client[] = ["bare_count", "pool", "workflow", "dashboard"];
  const runs: Running[] = [];
  try {
    for (const c of clients) runs.push(await startClient(c, sender.port, [], `idle_${c}`));
    await sleep(5000);
    const c1 = runs.map((r) => cpuOf(r.pid));
    await sleep(IDLE * 1000);
    const c2 = runs.map((r) => cpuOf(r.pid));
    const t2 = epochMs();
    const t1 = t2 - IDLE * 1000;
    const frames = runs.map((r) => r.pty ? r.pty.frames().filter((f) => f.tEnd >= t1 && f.tEnd <= t2).length : null);
    return Object.fromEntries(
      clients.map((c, i) => [c, { share: (c2[i] - c1[i]) / IDLE, frames: frames[i] }]),
    ) as Record<Client, { share: number; frames: number | null }>;
  } finally {
    for (const r of runs) await r.stop();
  }
}

/** Waits until the monitor's screen counter reaches what the sender wrote on `id`; returns false on timeout. */
async function drained(sender: Sender, run: PtyRun, id: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const conn = (await sender.stats()).conns.find((c) => c.id === id)!;
    const shown = run.frames().findLast((f) => f.msgs.length > 0)?.msgs[0] ?? 0;
    if (shown >= conn.frames) return true;
    await sleep(250);
  }
  return false;
}

/** RSS of the pool monitor after 10k and after 1M events (each fully drawn). */
async function memory(sender: Sender) {
  await sender.cmd({ cmd: "plan", mode: "quota", n: 10_000 });
  const after = await sender.lastId();
  const run = await startClient("pool", sender.port, [], "memory");
  try {
    const [conn] = await sender.waitFlooding(after, 1);
    if (!await drained(sender, run.pty!, conn.id, 60_000)) throw new Error("10k events not drawn in 60 s");
    await sleep(1000);
    const rss10k = rssOf(run.pid);
    await sender.cmd({ cmd: "more", n: 990_000 });
    await sleep(500);
    const t0 = epochMs();
    if (!await drained(sender, run.pty!, conn.id, 180_000)) throw new Error("1M events not drawn in 180 s");
    const drainSeconds = (epochMs() - t0) / 1000;
    await sleep(1000);
    const rss1m = rssOf(run.pid);
    return { rss10k, rss1m, drainSeconds };
  } finally {
    await sender.cmd({ cmd: "plan", mode: "flood" });
    await run.stop();
  }
}

/** Bytes the pool monitor writes to the terminal for one worker change, against a full redraw. */
async function bytesPerChange(sender: Sender) {
  await sender.cmd({ cmd: "plan", mode: "idle" });
  const after = await sender.lastId();
  const run = await startClient("pool", sender.port, [], "bytes");
  const changes: number[] = [];
  let fullAt = 0;
  try {
    const [conn] = await sender.waitFlooding(after, 1);
    // Fill the screen: 30 more workers (the table) and their events (the history).
    const fill = Array.from({ length: 30 }, (_, i) => ({
      event: "worker.status_changed",
      room: "pool:pool_local",
      data: { worker_id: `pool_local_w${10 + i}`, status: i % 3 ? "idle" : "busy", pool_id: "pool_local" },
    }));
    await sender.cmd({ cmd: "send", events: fill });
    await sleep(1500);
    fullAt = epochMs();
    Deno.kill(run.pid, "SIGWINCH"); // the renderer forgets the screen and redraws it all
    await sleep(700);
    for (let i = 0; i < 5; i++) {
      await sender.cmd({
        cmd: "send",
        events: [{
          event: "worker.status_changed",
          room: "pool:pool_local",
          data: { worker_id: "pool_local_w2", status: i % 2 ? "idle" : "busy", pool_id: "pool_local" },
        }],
      });
      await sleep(50);
      changes.push((await sender.stats()).conns.find((c) => c.id === conn.id)!.frames);
      await sleep(450);
    }
  } finally {
    await run.stop();
  }
  const frames = run.pty!.frames();
  const full = frames.find((f) => f.tBegin >= fullAt && f.full);
  const sizes = changes.map((seq) => frames.find((f) => f.msgs.length > 0 && f.msgs[0] >= seq)?.bytes ?? NaN);
  return { full: full?.bytes ?? NaN, change: median(sizes), sizes };
}

/** Process start to the first drawn frame, and to the first frame showing "connected", in the pty (median and best of 5). */
async function startup(sender: Sender) {
  await sender.cmd({ cmd: "plan", mode: "idle" });
  const result = {} as Record<
    "pool" | "workflow" | "dashboard",
    { frame: number; connected: number; bestFrame: number; bestConnected: number }
  >;
  for (const client of ["pool", "workflow", "dashboard"] as const) {
    const frame: number[] = [];
    const connected: number[] = [];
    for (let i = 0; i < 5; i++) {
      const run = await PtyRun.start(monitorCommand(client, sender.port), {
        outFile: `${tmp}/start_${client}_${i}.out`,
      });
      try {
        const until = Date.now() + 15_000;
        while (Date.now() < until) {
          const frames = run.frames();
          const c = frames.find((f) => /\bconnected\b/.test(f.text));
          if (c) {
            frame.push(frames[0].tEnd - run.startedAt);
            connected.push(c.tEnd - run.startedAt);
            break;
          }
          await sleep(20);
        }
        if (connected.length <= i) throw new Error(`${SCRIPT[client]}: no frame said "connected" within 15 s`);
      } finally {
        await run.stop();
      }
    }
    result[client] = {
      frame: median(frame),
      connected: median(connected),
      bestFrame: Math.min(...frame),
      bestConnected: Math.min(...connected),
    };
  }
  const bare: number[] = [];
  for (let i = 0; i < 5; i++) {
    const run = await PtyRun.start([Deno.execPath(), "eval", "console.log(1)"], {
      outFile: `${tmp}/start_eval_${i}.out`,
    });
    await run.exited();
    const first = run.firstOutputAt();
    if (first !== null) bare.push(first - run.startedAt);
  }
  // One more pool start-up under the profiler, ended once connected: where the start-up time goes.
  const dir = `${tmp}/prof_startup`;
  const run = await PtyRun.start(monitorCommand("pool", sender.port, ["--cpu-prof", `--cpu-prof-dir=${dir}`]), {
    outFile: `${tmp}/start_prof.out`,
  });
  try {
    const until = Date.now() + 15_000;
    while (Date.now() < until && !run.frames().some((f) => /\bconnected\b/.test(f.text))) await sleep(20);
  } finally {
    await run.stop();
  }
  let profile: FunctionCost[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.name.endsWith(".cpuprofile")) {
      profile = topFunctions(JSON.parse(await Deno.readTextFile(`${dir}/${e.name}`)), { count: 8, root: ROOT });
    }
  }
  return { ...result, denoEval: median(bare), bestDenoEval: Math.min(...bare), profile };
}

// ---------------------------------------------------------------------------

const startedAt = new Date();
const t0 = performance.now();
const sender = await Sender.start();
log(`flood sender on port ${sender.port} (pid ${sender.pid}); window ${WINDOW} s after ${WARM} s warm-up`);
const floods: FloodResult[] = [];
/** What each section measured (absent when it did not run or failed). */
const got: {
  lat?: Awaited<ReturnType<typeof latency>>;
  idle?: Awaited<ReturnType<typeof idle>>;
  mem?: Awaited<ReturnType<typeof memory>>;
  bytes?: Awaited<ReturnType<typeof bytesPerChange>>;
  start?: Awaited<ReturnType<typeof startup>>;
  profiled?: FloodResult;
} = {};
/** Sections that failed, with why: the report says so instead of the run ending. */
const failures: string[] = [];
/** Runs one section; a failure is logged and reported, and the next section runs. */
async function attempt(name: string, body: () => Promise<unknown>): Promise<void> {
  if (!section(name)) return;
  try {
    log(name, JSON.stringify(await body()));
  } catch (error) {
    failures.push(`${name}: ${error instanceof Error ? error.message : error}`);
    log(`${name} FAILED:`, error);
  }
}
try {
  await attempt("flood", async () => {
    // Rounds in turn, the best round of each client kept: other load on the machine only ever slows a client down.
    for (let round = 0; round < ROUNDS; round++) {
      for (
        const client of [
          "bare_count",
          "bare_parse",
          "bare_parse_raw",
          "bare_parse_v8",
          "pool",
          "pool_store",
          "workflow",
          "bare_parse3",
          "dashboard",
        ].filter((c) => onlyClients === null || onlyClients.includes(c)) as Client[]
      ) {
        const r = await flood(sender, client, { key: client === "pool" || client === "dashboard" });
        log(`round ${round + 1}`, client, JSON.stringify(r));
        const i = floods.findIndex((f) => f.client === client);
        if (i < 0) floods.push(r);
        else if (r.rate > floods[i].rate) floods[i] = r;
      }
    }
    return floods.map((f) => `${f.client} ${Math.round(f.rate)}/s`);
  });
  await attempt("profile", async () => {
    const profiled = got.profiled = await flood(sender, "pool", { profile: true });
    for (const f of prof.top ?? []) log(`  ${f.selfMs.toFixed(0)} ms self  ${f.name}`);
    return { rate: profiled.rate, file: prof.file };
  });
  await attempt("latency", async () => got.lat = await latency(sender, 1000));
  await attempt("memory", async () => got.mem = await memory(sender));
  await attempt("bytes", async () => got.bytes = await bytesPerChange(sender));
  await attempt("startup", async () => got.start = await startup(sender));
  await attempt("idle", async () => got.idle = await idle(sender));
} finally {
  await sender.stop();
}
const totalSeconds = (performance.now() - t0) / 1000;
const { lat, idle: idleResult, mem, bytes, start, profiled } = got;

// --- report ------------------------------------------------------------------

const n0 = (x: number) => Number.isFinite(x) ? Math.round(x).toLocaleString("en") : "?";
const f1 = (x: number) => Number.isFinite(x) ? x.toFixed(1) : "?";
const f2 = (x: number) => Number.isFinite(x) ? x.toFixed(2) : "?";
const pct = (x: number) => Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : "?";
const table = (head: string[], rows: string[][]) =>
  [`| ${head.join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${r.join(" | ")} |`)]
    .join("\n");

const byClient = (c: Client) => floods.find((f) => f.client === c);
const parseRate = byClient("bare_parse")?.rate ?? NaN;
const perCpu = (f: FloodResult | undefined) => f ? f.events / f.clientCpu : NaN;
const parsePerCpu = perCpu(byClient("bare_parse"));
const label: Record<Client, string> = {
  bare_count: "bare client, count only (`bench/bare_count.ts`)",
  bare_parse: "bare client, count + `JSON.parse` (`bench/bare_parse.ts`)",
  bare_parse_raw:
    "bare client, count + `JSON.parse`, over a raw socket read in large chunks (`bench/bare_parse.ts --raw`)",
  bare_parse_v8: `bare client, count + \`JSON.parse\`, with the monitors' V8 flags (\`${SHIPPED_V8_FLAGS.join(" ")}\`)`,
  bare_parse3: "bare parse client with the dashboard's 3 connections in one process, 3 services flooded",
  pool: "`pool_monitor.ts pool_local` (`deno task pool`)",
  pool_store:
    "`pool_monitor.ts pool_local --store flood.db` (`deno task pool` + `--allow-write` for the store, SQLite)",
  workflow: "`workflow_monitor.ts wf_123` (`deno task workflow`)",
  dashboard: "`multi_service_dashboard.ts`, 3 services flooded (`deno task dashboard`)",
};
const floodTable = table(
  [
    "client",
    "events/s",
    "vs parse-only",
    "CPU s / 1M events",
    "events per CPU-second (vs parse-only)",
    "client CPU",
    "frames drawn (/s)",
    "own counter on screen",
    "sender CPU",
  ],
  floods.map((f) => [
    label[f.client],
    n0(f.rate),
    pct(f.rate / parseRate),
    f2(f.clientCpu / f.events * 1e6),
    `${n0(perCpu(f))} (${pct(perCpu(f) / parsePerCpu)})`,
    `${pct(f.clientCpu / f.seconds)} of a core`,
    f.frames === null ? "-" : `${f.frames} (${f1(f.frames / f.seconds)})`,
    f.screenRate === null ? "-" : `${n0(f.screenRate)}/s (${pct(f.screenRate / f.rate)} of the sender's count)`,
    `${pct(f.senderCpu / f.seconds)} of a core, ${f2(f.senderCpu / f.events * 1e6)} s / 1M`,
  ]),
);

const dash = byClient("dashboard");
const bare3 = byClient("bare_parse3");
const shareOf = (f: FloodResult, i: number) => f.perConnection[i].rate / (f.rate / f.perConnection.length);
const fairRows = dash
  ? dash.perConnection.map((c, i) => [
    c.channels.join(", "),
    n0(c.rate),
    pct(shareOf(dash, i)),
    Math.abs(shareOf(dash, i) - 1) <= 0.2 ? "yes" : "NO",
    bare3 && bare3.perConnection[i] ? `${n0(bare3.perConnection[i].rate)} (${pct(shareOf(bare3, i))})` : "-",
  ])
  : [];
const fairness = dash
  ? table(
    ["service (channels)", "dashboard events/s", "of its fair share", "within 20%", "bare 3-connection client (share)"],
    fairRows,
  )
  : "";

const rows: string[][] = [];
const pool = byClient("pool");
if (pool && Number.isFinite(parseRate)) {
  const r = pool.rate / parseRate;
  rows.push([
    "Pool monitor ingest, as shipped",
    `${n0(pool.rate)} events/s`,
    `${pct(r)} of the parse-only client (${n0(parseRate)}/s); per CPU-second ${pct(perCpu(pool) / parsePerCpu)}`,
    `>= 75%: ${r >= 0.75 ? "met" : "NOT met"} (per CPU-second: ${
      perCpu(pool) / parsePerCpu >= 0.75 ? "met" : "NOT met"
    })`,
  ]);
}
const pooledStore = byClient("pool_store");
if (pool && pooledStore) {
  const r = pooledStore.rate / pool.rate;
  rows.push([
    "Pool monitor with `--store` (SQLite), as shipped",
    `${n0(pooledStore.rate)} events/s`,
    `${pct(r)} of the same monitor without a store (${n0(pool.rate)}/s)`,
    `>= 85%: ${r >= 0.85 ? "met" : "NOT met"}`,
  ]);
}
const countRate = byClient("bare_count")?.rate ?? NaN;
if (floods.length > 0) {
  const fastest = Math.max(...floods.filter((f) => f.client !== "bare_count").map((f) => f.rate));
  const senderMax = Math.max(...floods.map((f) => f.senderCpu / f.seconds));
  rows.push([
    "Sender is not the bottleneck",
    `count-only client ${n0(countRate)} events/s; sender at most ${pct(senderMax)} of a core`,
    `${f2(countRate / fastest)}x the fastest other client`,
    countRate / fastest >= 1.5 && senderMax < 0.7 ? "yes" : "CHECK",
  ]);
}
if (dash) {
  const shares = dash.perConnection.map((c) => c.rate / (dash.rate / dash.perConnection.length));
  const worst = shares.length ? Math.max(...shares.map((s) => Math.abs(s - 1))) : NaN;
  rows.push([
    "Dashboard, 3 services flooded at once",
    `${n0(dash.rate)} events/s in all`,
    `worst service ${pct(worst)} off its fair share`,
    `each within 20%: ${worst <= 0.2 ? "met" : "NOT met"}`,
  ]);
}
for (const f of [pool, dash]) {
  if (!f || f.frames === null) continue;
  rows.push([
    `Key \`p\` under flood, ${f.client === "pool" ? "pool monitor" : "dashboard"}`,
    f.keyMs === null
      ? `no frame showed PAUSED within ${KEY_WAIT_MS} ms`
      : `${n0(f.keyMs)} ms to the frame that shows it`,
    `frame interval under flood: ${n0(f.seconds * 1000 / Math.max(1, f.frames))} ms`,
    `within one frame (100 ms): ${f.keyMs !== null && f.keyMs <= 100 ? "met" : "NOT met"}`,
  ]);
}
if (lat) {
  rows.push([
    "Latency send -> drawn frame at 1k events/s, pool monitor",
    `p50 ${f1(lat.p50)} ms, p99 ${f1(lat.p99)} ms, max ${f1(lat.max)} ms (${lat.measured} events${
      lat.missing ? `, ${lat.missing} never drawn` : ""
    })`,
    `parse-only client send -> receive: p50 ${f2(lat.bareP50)} ms, p99 ${f2(lat.bareP99)} ms; p99 = ${
      f2(lat.p99 / 100)
    } x refresh interval`,
    `p99 < 120 ms: ${lat.p99 < 120 ? "met" : "NOT met"}`,
  ]);
}
if (idleResult) {
  const base = idleResult.bare_count.share;
  rows.push([
    `Idle CPU, ${IDLE} s silent server, in the terminal`,
    (["pool", "workflow", "dashboard"] as Client[]).map((c) =>
      `${c} ${(idleResult![c].share * 100).toFixed(2)}% (${idleResult![c].frames} frames)`
    ).join("; "),
    `bare idle client: ${(base * 100).toFixed(2)}% of a core`,
    `< 1%: ${
      Math.max(idleResult.pool.share, idleResult.workflow.share, idleResult.dashboard.share) < 0.01 ? "met" : "NOT met"
    }`,
  ]);
}
if (mem) {
  rows.push([
    "RSS of the pool monitor after 1M vs 10k events",
    `${f1(mem.rss1m / 2 ** 20)} MiB vs ${f1(mem.rss10k / 2 ** 20)} MiB`,
    `${pct(mem.rss1m / mem.rss10k - 1)} growth`,
    `< 10%: ${mem.rss1m / mem.rss10k - 1 < 0.1 ? "met" : "NOT met"}`,
  ]);
}
if (bytes) {
  rows.push([
    "Bytes to the terminal for one worker change, pool monitor",
    `${n0(bytes.change)} bytes (median of ${bytes.sizes.map(n0).join(", ")})`,
    `${pct(bytes.change / bytes.full)} of a full redraw (${n0(bytes.full)} bytes)`,
    `< 10%: ${bytes.change / bytes.full < 0.1 ? "met" : "NOT met"}`,
  ]);
}
if (start) {
  for (const c of ["pool", "workflow", "dashboard"] as const) {
    rows.push([
      `Start-up of ${SCRIPT[c]} (process start -> frame)`,
      `first frame ${n0(start[c].frame)} ms (best ${n0(start[c].bestFrame)}); first frame showing "connected" ${
        n0(start[c].connected)
      } ms (best ${n0(start[c].bestConnected)})`,
      `${f1(start[c].frame / start.denoEval)}x a bare \`deno eval\` (${
        n0(start.denoEval)
      } ms to its first output, best ${n0(start.bestDenoEval)})`,
      `first frame <= 100 ms: ${start[c].frame <= 100 ? "met" : "NOT met"}`,
    ]);
  }
}
for (const f of failures) rows.push([`FAILED: ${f.split(":")[0]}`, f.slice(f.indexOf(":") + 2), "", ""]);
const summary = table(["measure", "result", "against the baseline", "target"], rows);

const startupProfile = start && start.profile.length > 0
  ? table(
    ["#", "function (file:line)", "self ms", "self share", "total ms"],
    start.profile.map((f, i) => [String(i + 1), `\`${f.name}\``, n0(f.selfMs), pct(f.selfShare), n0(f.totalMs)]),
  )
  : "";
const profileTable = profiled && prof.top
  ? table(
    ["#", "function (file:line)", "self ms", "self share", "total ms"],
    prof.top.filter((f) => f.name !== "(program)" && f.name !== "(garbage collector)").slice(0, 5).map((
      f,
      i,
    ) => [String(i + 1), `\`${f.name}\``, n0(f.selfMs), pct(f.selfShare), n0(f.totalMs)]),
  ) +
    `\n\nV8's own rows in the same profile: ${
      prof.top.filter((f) => f.name === "(program)" || f.name === "(garbage collector)").map((f) =>
        `${f.name} ${n0(f.selfMs)} ms (${pct(f.selfShare)})`
      ).join(", ") || "none in the top 10"
    }.\nThe profiled run reached ${n0(profiled.rate)} events/s under the profiler.`
  : "";

const doc = `# Benchmarks

Produced by \`deno task bench\` on ${startedAt.toISOString().slice(0, 16).replace("T", " ")} UTC (${
  Math.round(totalSeconds)
} s), Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} cores, flood window ${WINDOW} s after ${WARM} s
warm-up. The machine is shared and noisy: read every figure against its baseline from the same run, not as an
absolute.

## Summary

${summary}

## Flood: each client alone, in its own process, against the same sender

${floodTable}
${
  floods.some((f) => !f.corrected)
    ? "\nThe socket queues could not be read (no `ss`): these counts are what the sender wrote, up to a few MB high.\n"
    : ""
}${fairness ? `\nThe dashboard's three connections during its flood:\n\n${fairness}\n` : ""}
## Profile of a flood of the shipped pool monitor (\`--cpu-prof\`), top 5 functions by self time

${profileTable || "not run"}

${
  startupProfile
    ? `## Profile of a start-up of the shipped pool monitor, until "connected", top functions by self time\n\n${startupProfile}\n`
    : ""
}
## Method

- **Sender** (\`bench/flood_sender.ts\`): a raw TCP socket (\`Deno.listen\` on 127.0.0.1, port 0) that answers the
  HTTP Upgrade by hand, reads the clients' masked frames and answers \`subscribe\`, \`get_pool_status\`,
  \`get_workflow_status\` and \`auth\` like the demo server, sends the \`session.created\` welcome, and 100 ms after
  the last \`subscribe\` floods the event mix of the subscribed channels, made by the demo simulation
  (\`bench/_mixes.ts\`: pool, worker, task and workflow events for \`pool:pool_local\`; \`wf_123\`'s lifecycle for
  \`workflow:wf_123\`; workflow events for \`global\`; Akosha events for its channels). The frames (up to 16,384 events,
  repeated: four times the monitors' 4,096-id duplicate window, so that no repeated event counts as a duplicate;
  fewer when the simulation's mix is shorter) are built once, unmasked, and written in 256 KiB blocks. Its CPU is reported per flood.
- **Events/s**: TCP backpressure. A client that falls behind fills the socket buffers and the sender's writes
  wait, so what the sender has written is what the client consumed plus what sits in the two socket queues (the
  sender's send queue and the client's receive queue, read with \`ss\` at both ends of the window and taken off:
  Linux grows these buffers to several MB while a flood runs). The same count serves every client, bare or
  shipped. As a cross-check the monitors' own \`msgs\` counters are read from the screen (the counters drawn in the
  first and the last frame of the window, summed over the dashboard's panels; meaningless when only a few frames
  were drawn).
- **Clients**: each in its own process, one at a time. \`bench/bare_parse.ts\` reads with Deno's \`WebSocket\` (one
  async op and one event per message); \`bench/bare_parse.ts --raw\` does the same work over the monitors' own transport
  (\`lib/transport/ws_client.ts\`: frames parsed from 256 KiB reads). The bare clients run with plain \`deno run\`;
  the monitors are
  the entry scripts run with the arguments of their \`deno.json\` tasks (\`--v8-flags=--max-semi-space-size=2\` and the
  narrow permissions, read from \`deno.json\` at run time), in a 120x40 pseudo-terminal (\`tests/_pty.py\`, which
  records every byte drawn with the time it arrived). CPU is user + system time from \`/proc/PID/stat\` (all threads);
  events per CPU-second is the rate a client would reach with a core to itself, the steadier figure when other
  work on the machine takes turns on the cores (a client at well under 100% of a core was waiting for one). Each
  client runs in ${ROUNDS} rounds taken in turn; the best round of each is reported. Frames
  drawn are the synchronized-output frames (\`ESC[?2026h\` ... \`ESC[?2026l\`) the terminal received in the window.
- **Fairness**: the dashboard's three connections (\`global\`, \`pool:pool_local\`, Akosha's channels) each get an
  endless flood; a service's fair share is a third of the dashboard's total. The same three connections in one bare
  parse-only process show how fair Deno's own WebSocket reading is.
- **Keys**: at the end of the pool and dashboard windows, the flood still running, \`p\` is typed on the
  terminal; the figure is the time until the first frame that shows \`PAUSED\` (waiting up to ${KEY_WAIT_MS} ms).
- **Latency**: the sender paces 1,000 events/s, each with its send time, and logs each event's position on the
  connection; the monitor's \`msgs\` counter in a drawn frame says which events that frame includes, so an event's
  latency is the arrival of the first frame whose counter reached it, minus its send time (same wall clock).
- **Idle**: the three monitors and the count-only client connected at once to a sender that sends nothing, CPU over
  ${IDLE} s after a 5 s warm-up.
- **Memory**: the sender sends exactly 10,000 events; once the screen counter shows them all, RSS from
  \`/proc/PID/status\`; then 990,000 more, and again.
- **Bytes per change**: the pool monitor with the \`get_pool_status\` snapshot's workers on screen; SIGWINCH makes the
  renderer redraw everything (the full-frame baseline); then one \`worker.status_changed\` five times, and the bytes
  of the frame that shows each (counter included).
- **Start-up**: from the pty runner's fork to the first frame, and to the first frame that says "connected",
  median and best of 5; baseline: \`deno eval "console.log(1)"\` to its first output, through the same runner.
- **Profile**: the pool monitor's flood again with \`--cpu-prof\` added to its \`deno run\` flags;
  \`bench/cpuprofile_top.ts FILE\` lists the functions by self time.
`;

/** Hand-written notes at the end of the report survive a re-run: everything from this heading on. */
const NOTES = "## Notes (written by hand; `deno task bench` keeps this section)";
let notes = "";
try {
  const previous = await Deno.readTextFile(outFile);
  const at = previous.indexOf(NOTES);
  if (at >= 0) notes = "\n" + previous.slice(at);
} catch { /* no report yet */ }
console.log(doc);
if (!args.includes("--no-write")) await Deno.writeTextFile(outFile, doc + notes);
if (args.includes("--keep")) log(`recordings kept in ${tmp}`);
else await Deno.remove(tmp, { recursive: true }).catch(() => {});
