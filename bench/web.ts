/**
 * Browser view benchmark (run on demand, not part of the tests):
 * `deno task bench:web` (`deno run --allow-net=127.0.0.1,localhost --allow-run --allow-read --allow-write --allow-env --allow-sys=loadavg bench/web.ts [--rate 1000] [--seconds 15] [--pages 50]`)
 *
 * An upstream server in this process sends `--rate` pool events per second
 * to `web_dashboard.ts` (run as shipped: a separate process with the task's
 * flags). Ten times a second one of them is a marker (`task.assigned` of task
 * `mSEQ` to worker `probe`). Headless Chromium pages watch their DOM with a
 * MutationObserver and note when each marker's text appears: upstream send to
 * DOM, p50/p99, over every page. The web process's CPU (utime + stime from
 * /proc) is measured with 1 page open, then with `--pages` open.
 *
 * @module
 */

import { cpuOf, numberOption, ROOT, shippedArgs, sleep } from "./_harness.ts";
import { launchBrowser } from "../tests/_browser.ts";
import { servicePortArgs } from "../tests/_process.ts";
import type { Page } from "puppeteer-core";

const RATE = numberOption("--rate", 1000);
const SECONDS = numberOption("--seconds", 15);
const PAGES = numberOption("--pages", 50);

// --- upstream -------------------------------------------------------------------
const sentAt = new Map<number, number>();
let seq = 0;
const subscribers = new Set<WebSocket>();
const envelope = (event: string, data: Record<string, unknown>) =>
  JSON.stringify({
    id: crypto.randomUUID(),
    correlation_id: null,
    type: "event",
    event,
    data,
    timestamp: new Date().toISOString(),
    room: "pool:pool_local",
    error_code: null,
    error_message: null,
  });
let n = 0;
function nextEvent(): string {
  n++;
  const w = `w${n % 20}`;
  switch (n % 4) {
    case 0:
      return envelope("pool.status_changed", {
        pool_id: "pool_local",
        status: { state: "running", worker_count: 21, queue_size: n % 50 },
      });
    case 1:
      return envelope("worker.status_changed", {
        pool_id: "pool_local",
        worker_id: w,
        status: n % 3 ? "busy" : "idle",
      });
    case 2:
      return envelope("task.assigned", { pool_id: "pool_local", worker_id: w, task_id: `t${n}` });
    default:
      return envelope("task.completed", { pool_id: "pool_local", worker_id: w, task_id: `t${n - 1}` });
  }
}
const upstream = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
  const { socket, response } = Deno.upgradeWebSocket(req);
  socket.onopen = () =>
    socket.send(JSON.stringify({
      id: "w",
      correlation_id: null,
      type: "event",
      event: "session.created",
      data: { connection_id: "bench" },
      timestamp: null,
      room: null,
      error_code: null,
      error_message: null,
    }));
  socket.onmessage = (e) => {
    const m = JSON.parse(e.data);
    if (m.event !== "subscribe") return;
    socket.send(JSON.stringify({
      id: "r",
      correlation_id: m.correlation_id ?? null,
      type: "response",
      event: "subscribe",
      data: { status: "subscribed", channel: m.data.channel },
      timestamp: null,
      room: null,
      error_code: null,
      error_message: null,
    }));
    if (m.data.channel === "pool:pool_local") subscribers.add(socket);
  };
  socket.onclose = () => subscribers.delete(socket);
  return response;
});
let sending = true;
const startedAt = Date.now();
let sent = 0;
const pump = (async () => {
  while (sending) {
    const due = Math.floor((Date.now() - startedAt) * RATE / 1000);
    while (sent < due) {
      sent++;
      let frame: string;
      if (sent % Math.max(1, Math.round(RATE / 10)) === 0) {
        seq++;
        sentAt.set(seq, Date.now());
        frame = envelope("task.assigned", { pool_id: "pool_local", worker_id: "probe", task_id: `m${seq}` });
      } else frame = nextEvent();
      for (const ws of subscribers) if (ws.readyState === WebSocket.OPEN) ws.send(frame);
    }
    await new Promise((r) => setTimeout(r, 2));
  }
})();

// --- the web dashboard, as shipped ------------------------------------------------
const port = String(upstream.addr.port);
const web = new Deno.Command(Deno.execPath(), {
  // The command line of the `web` task, read from deno.json (its V8 flags and permissions), as in bench/run.ts.
  args: [...shippedArgs("web"), "--listen", "127.0.0.1:0", ...servicePortArgs(port)],
  cwd: ROOT,
  stdout: "piped",
  stderr: "inherit",
}).spawn();
const reader = web.stdout.getReader();
let banner = "";
while (!/http:\/\/127\.0\.0\.1:\d+\//.test(banner)) banner += new TextDecoder().decode((await reader.read()).value);
const url = /http:\/\/127\.0\.0\.1:\d+\//.exec(banner)![0];
reader.releaseLock();
web.stdout.cancel();

// Each page notes when a marker's task id first shows in the probe worker's row.
const OBSERVE = `
  window.__seen = {};
  new MutationObserver(() => {
    for (const tr of document.querySelectorAll("#p-pool tbody tr")) {
      if (tr.cells[0]?.textContent !== "probe") continue;
      const m = /^m(\\d+)$/.exec(tr.cells[2]?.textContent ?? "");
      if (m && !(m[1] in window.__seen)) window.__seen[m[1]] = Date.now();
    }
  }).observe(document.getElementById("main"), { childList: true, subtree: true, characterData: true });
`;

const b = await launchBrowser();
globalThis.addEventListener("unhandledrejection", () => b.close());
const pages: Page[] = [];
const openPage = async () => {
  const p = await b.browser.newPage();
  await p.goto(url);
  await p.evaluate(OBSERVE);
  pages.push(p);
};
const counter = async (name: string) => {
  const text = await (await fetch(new URL("metrics", url))).text();
  return Number(new RegExp(`^${name} (\\d+)$`, "m").exec(text)?.[1] ?? NaN);
};
const measure = async (seconds: number) => {
  const cpu0 = cpuOf(web.pid);
  const sent0 = await counter("mahavishnu_monitor_web_messages_total");
  const skipped0 = await counter("mahavishnu_monitor_web_frames_skipped_total");
  const seq0 = seq;
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuOf(web.pid) - cpu0;
  const perSecond = (n: number) => Math.round(n / wall);
  return {
    cpuPercent: Math.round((cpu / wall) * 1000) / 10,
    pushedPerSecond: perSecond((await counter("mahavishnu_monitor_web_messages_total")) - sent0),
    skippedPerSecond: perSecond((await counter("mahavishnu_monitor_web_frames_skipped_total")) - skipped0),
    firstSeq: seq0 + 1,
    lastSeq: seq - 5,
  };
};

const log = (text: string) => console.error(`bench/web: ${text}`);
const latencies = async (list: Page[], from: number, to: number) => {
  const all: number[] = [];
  let missed = 0;
  for (const p of list) {
    const seen = await p.evaluate("window.__seen") as Record<string, number>;
    for (let s = from; s <= to; s++) {
      if (seen[s] === undefined) missed++;
      else all.push(seen[s] - sentAt.get(s)!);
    }
  }
  all.sort((a, b) => a - b);
  const at = (q: number) => all[Math.min(all.length - 1, Math.floor(q * all.length))];
  // A marker replaced by the next one within a frame never shows; that is coalescing, not loss.
  return { samples: all.length, coalescedAway: missed, p50: at(0.5), p99: at(0.99), max: all.at(-1) };
};
const renderMs = async (list: Page[]) => {
  const values = await Promise.all(list.map((p) => p.evaluate("Number(document.body.dataset.renderMs ?? 0)")));
  return Math.round((values as number[]).reduce((a, b) => a + b, 0) / values.length * 10) / 10;
};

await openPage();
await sleep(2000);
log(`1 page open; measuring ${SECONDS} s`);
const one = await measure(SECONDS);
const oneLatency = await latencies(pages, one.firstSeq, one.lastSeq);
const oneRender = await renderMs(pages);
for (let i = 1; i < PAGES; i++) await openPage();
await sleep(3000);
log(`${PAGES} pages open; measuring ${SECONDS} s`);
const many = await measure(SECONDS);
await sleep(1500);
sending = false; // let the pages go quiet before asking them
await pump;
log("collecting");
const manyLatency = await latencies(pages, many.firstSeq, many.lastSeq);
const manyRender = await renderMs(pages);
const result = {
  rate: RATE,
  pages: PAGES,
  seconds: SECONDS,
  onePage: { latencyMs: oneLatency, webCpuPercent: one.cpuPercent, pageRenderMs: oneRender, push: one },
  manyPages: { latencyMs: manyLatency, webCpuPercent: many.cpuPercent, pageRenderMs: manyRender, push: many },
  cores: navigator.hardwareConcurrency,
  loadAverage: Deno.loadavg(),
};

await b.close();
web.kill("SIGTERM");
await web.status;
await upstream.shutdown();

const line = (label: string, r: typeof result.onePage) =>
  `${label}: upstream event -> DOM p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms (${r.latencyMs.samples} samples), ` +
  `web_dashboard CPU ${r.webCpuPercent}% pushing ${r.push.pushedPerSecond} messages/s ` +
  `(${r.push.skippedPerSecond}/s skipped for busy pages), page render ${r.pageRenderMs} ms`;
console.log(`web bench at ${RATE} events/s on ${result.cores} cores (load ${result.loadAverage.join(" ")})`);
console.log(line("1 page", result.onePage));
console.log(line(`${PAGES} pages`, result.manyPages));
console.log(JSON.stringify(result));
