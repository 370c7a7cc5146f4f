/**
 * The browser dashboard end to end: real processes (demo_server.ts,
 * web_dashboard.ts), a real scriptable WebSocket server, and a real headless
 * Chromium driven over the DevTools protocol (see `_browser.ts`).
 */
import assert from "node:assert/strict";
import type { Page } from "puppeteer-core";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { launchBrowser, SKIP_BROWSER } from "./_browser.ts";
import { type RunningScript, runScript, servicePortArgs, startDemoProcess } from "./_process.ts";
import { answerSubscribe, frame, type ScriptServer, startScriptServer, waitFor, welcome } from "./_script_server.ts";
import { parseMessage } from "../lib/protocol/envelope.ts";
import { decodeMessage } from "../lib/protocol/decode.ts";
import { poolAlertValues } from "../lib/model/pool_state.ts";
import { activeWorkflows } from "../lib/model/overview_state.ts";
import { dashboardMonitor } from "../lib/app/dashboard_monitor_def.ts";

const ARTIFACTS = new URL("./artifacts/", import.meta.url);
const HOSTILE = "<img src=x onerror=alert(1)>";
const WEB_PERMISSIONS = ["--allow-net=127.0.0.1,localhost", "--allow-env=MAHAVISHNU_TOKEN", "--allow-read"];
const browserTest = { ignore: SKIP_BROWSER, sanitizeResources: false, sanitizeOps: false };

/** Starts web_dashboard.ts on a free port and resolves once it listens. */
async function startWeb(args: string[]): Promise<RunningScript & { url: string }> {
  const run = runScript("web_dashboard.ts", ["--listen", "127.0.0.1:0", ...args], WEB_PERMISSIONS);
  const start = Date.now();
  let m: RegExpExecArray | null = null;
  while (!(m = /web dashboard on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(run.stdout()))) {
    if (Date.now() - start > 20_000) {
      run.kill("SIGKILL");
      await run.done;
      throw new Error(`web_dashboard.ts did not start: ${run.stderr()}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { ...run, url: m[1] };
}

async function stop(run: RunningScript): Promise<void> {
  run.kill("SIGTERM");
  const status = await run.done;
  assert.equal(status.code, 0, run.stderr());
}

/** Polls `fn` in the page until it returns true. */
async function until(page: Page, what: string, fn: string, timeoutMs = 10_000): Promise<void> {
  try {
    await page.waitForFunction(fn, { timeout: timeoutMs, polling: 20 });
  } catch (error) {
    await page.screenshot({ path: `${ARTIFACTS.pathname}failed-${what.replace(/\W+/g, "_")}.png` });
    throw new Error(`timed out waiting for ${what}: ${(error as Error).message}`);
  }
}

const text = (page: Page, selector: string) => page.$eval(selector, (el) => el.textContent ?? "").catch(() => "");

Deno.test({
  name: "web_dashboard.ts fills from the simulator, shows an outage as reconnecting and recovers",
  ...browserTest,
  async fn() {
    await Deno.mkdir(ARTIFACTS, { recursive: true });
    let demo = await startDemoProcess(["--port", "0", "--akosha-port", "0", "--rate", "20", "--seed", "7"]);
    const ports = ["--port", String(demo.port), "--akosha-port", String(demo.akoshaPort)];
    const web = await startWeb([
      ...servicePortArgs(demo.port, demo.akoshaPort),
    ]);
    const b = await launchBrowser();
    try {
      const page = await b.browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
      await page.goto(web.url);
      await until(
        page,
        "workers in the table",
        `document.querySelectorAll("#p-pool table.workers tbody tr").length > 0`,
      );
      await until(
        page,
        "three live badges",
        `document.querySelectorAll("#badges .badge[data-state=connected]").length === 3`,
      );
      await until(
        page,
        "a workflow",
        `document.querySelectorAll("#p-mahavishnu .wf-list li:not(.empty)").length > 0`,
        20_000,
      );
      await until(
        page,
        "Akosha insights",
        `document.querySelectorAll("#p-akosha ol.history li:not(.empty)").length > 0`,
        20_000,
      );
      await until(page, "chart lines", `document.querySelectorAll(".chart canvas").length === 3`);
      await new Promise((r) => setTimeout(r, 3000)); // a few chart points for the screenshot
      await page.screenshot({ path: `${ARTIFACTS.pathname}web_dashboard.png` });
      assert.match(await text(page, "#p-pool h2"), /Pool pool_local/);
      assert.deepEqual(errors, []);

      const pool = await b.browser.newPage();
      await pool.goto(`${web.url}pool/pool_local`);
      await until(pool, "pool page table", `document.querySelectorAll("#p-pool table.workers tbody tr").length > 0`);
      await pool.screenshot({ path: `${ARTIFACTS.pathname}web_pool.png` });
      const wfHref = await page.$eval("#p-mahavishnu .wf-list a", (a) => a.getAttribute("href") ?? "");
      const wf = await b.browser.newPage();
      await wf.goto(new URL(wfHref, web.url).href);
      await until(wf, "stage timeline", `document.querySelectorAll("#p-workflow .timeline li").length > 0`, 15_000);
      await wf.screenshot({ path: `${ARTIFACTS.pathname}web_workflow.png` });

      // The simulator goes away: every panel says reconnecting; it comes back: live again, numbers moving.
      demo.kill("SIGTERM");
      await demo.done;
      await until(
        page,
        "reconnecting badges",
        `[...document.querySelectorAll("#main .panel-head .badge")].every((b) => b.dataset.state === "reconnecting" && /reconnecting/.test(b.textContent))`,
      );
      assert.match(await text(page, "#p-pool .sub"), /unavailable/);
      await page.screenshot({ path: `${ARTIFACTS.pathname}web_dashboard_reconnecting.png` });
      demo = await startDemoProcess([...ports, "--rate", "20", "--seed", "8"]);
      await until(
        page,
        "live again",
        `[...document.querySelectorAll("#main .panel-head .badge")].every((b) => b.dataset.state === "connected")`,
        30_000,
      );
      const before = Number(await page.$eval("body", (b) => b.dataset.frames));
      await until(page, "updates after recovery", `Number(document.body.dataset.frames) > ${before + 3}`);
    } finally {
      await b.close();
      await stop(web);
      demo.kill("SIGTERM");
      await demo.done;
    }
  },
});

/** A scripted upstream: welcome, answers subscriptions, broadcasts what the test sends to a channel's subscribers. */
function scriptedUpstream(): ScriptServer & {
  broadcast(channel: string, f: string): void;
  subscribed(channel: string): number;
} {
  const rooms = new Map<string, Set<WebSocket>>();
  const server = startScriptServer({
    open: (ws) => ws.send(welcome()),
    message: (ws, m) => {
      answerSubscribe(ws, m);
      const channel = (m.data as { channel?: string } | undefined)?.channel;
      if (m.event === "subscribe" && channel) {
        if (!rooms.has(channel)) rooms.set(channel, new Set());
        rooms.get(channel)!.add(ws);
      }
    },
  });
  return Object.assign(server, {
    broadcast(channel: string, f: string) {
      for (const ws of rooms.get(channel) ?? []) if (ws.readyState === WebSocket.OPEN) ws.send(f);
    },
    subscribed: (channel: string) =>
      [...(rooms.get(channel) ?? [])].filter((ws) => ws.readyState === WebSocket.OPEN).length,
  });
}

Deno.test({
  name:
    "web_dashboard.ts: hostile text stays text, a change shows within 1 s, 50 pages share one upstream, /metrics matches the model",
  ...browserTest,
  async fn() {
    await Deno.mkdir(ARTIFACTS, { recursive: true });
    const upstream = scriptedUpstream();
    const port = String(upstream.port);
    const web = await startWeb([
      ...servicePortArgs(port),
      "--pool-id",
      "pool_x",
      "--subscribe",
      "adapters",
    ]);
    // The terminal dashboard's monitor (multi_service_dashboard.ts runs it), fed the very frames the test sends.
    const terminalMonitor = dashboardMonitor({
      mahavishnuUrl: upstream.url,
      poolUrl: upstream.url,
      poolId: "pool_x",
      akoshaUrl: upstream.url,
    });
    const terminal = terminalMonitor.init(Date.now());
    const sentPoolEvents = new Map<string, number>();
    const send = (channel: string, f: string) => {
      upstream.broadcast(channel, f);
      const parsed = parseMessage(f);
      if (!parsed.ok) throw new Error("test frame did not parse");
      if (channel.startsWith("pool:")) {
        const name = parsed.message.event ?? "";
        sentPoolEvents.set(name, (sentPoolEvents.get(name) ?? 0) + 1);
      }
      const service = channel.startsWith("pool:")
        ? "pool"
        : channel === "global" || channel === "adapters"
        ? "mahavishnu"
        : "akosha";
      terminalMonitor.update(terminal, { service, event: decodeMessage(parsed.message) }, Date.now());
    };
    const b = await launchBrowser();
    try {
      await waitFor(
        () => upstream.subscribed("pool:pool_x") === 1 && upstream.subscribed("global") === 1,
        "subscriptions",
      );
      await waitFor(
        () => upstream.subscribed("insights") === 1 && upstream.subscribed("anomalies") === 1,
        "akosha subscriptions",
      );
      const page = await b.browser.newPage();
      let dialogs = 0;
      page.on("dialog", async (d) => {
        dialogs++;
        await d.dismiss();
      });
      await page.goto(web.url);
      await until(page, "live", `document.querySelectorAll("#badges .badge[data-state=connected]").length === 3`);

      // Hostile strings in every kind of field.
      send(
        "pool:pool_x",
        frame("event", "pool.status_changed", {
          pool_id: "pool_x",
          status: { state: "running", worker_count: 3, queue_size: 4 },
        }),
      );
      send(
        "pool:pool_x",
        frame("event", "worker.status_changed", { pool_id: "pool_x", worker_id: HOSTILE, status: "busy" }),
      );
      send(
        "pool:pool_x",
        frame("event", "worker.status_changed", { pool_id: "pool_x", worker_id: "w2", status: "idle" }),
      );
      send(
        "pool:pool_x",
        frame("event", "task.assigned", { pool_id: "pool_x", worker_id: "w2", task_id: `<script>alert(2)</script>` }),
      );
      send("global", frame("event", "workflow.started", { workflow_id: `<b onmouseover=alert(3)>wf</b>` }));
      send("global", frame("event", "workflow.failed", { workflow_id: "wf_err", error: `<svg onload=alert(4)>` }));
      send(
        "insights",
        frame("event", "insight.generated", { insight_type: "cost", title: `<iframe src=javascript:alert(5)>` }),
      );
      await until(
        page,
        "hostile worker row",
        `[...document.querySelectorAll("#p-pool td.id")].some((td) => td.textContent === ${JSON.stringify(HOSTILE)})`,
      );
      await until(
        page,
        "hostile insight",
        `document.querySelector("#p-akosha").textContent.includes("<iframe src=javascript:alert(5)>")`,
      );
      const injected = await page.evaluate(
        `document.querySelectorAll("main img, main script, main svg, main iframe, [onerror], [onload], [onmouseover]").length`,
      );
      assert.equal(injected, 0);
      assert.match(await text(page, "#p-mahavishnu .wf-list"), /<b onmouseover=alert\(3\)>wf<\/b>/);
      assert.match(await text(page, "#p-mahavishnu ol.history"), /<svg onload=alert\(4\)>/);
      assert.equal(dialogs, 0);
      // --subscribe: an extra channel's events show in the workflows history.
      await waitFor(() => upstream.subscribed("adapters") === 1, "--subscribe adapters");
      send("adapters", frame("event", "adapter.registered", { adapter: "<i>llm</i>" }));
      await until(
        page,
        "adapter event",
        `document.querySelector("#p-mahavishnu ol.history").textContent.includes("adapter.registered")`,
      );
      await page.screenshot({ path: `${ARTIFACTS.pathname}web_dashboard_hostile.png` });

      // A worker change shows within 1 s.
      for (let i = 0; i < 3; i++) {
        const status = ["error", "offline", "busy"][i];
        const sentAt = Date.now();
        send("pool:pool_x", frame("event", "worker.status_changed", { pool_id: "pool_x", worker_id: "w2", status }));
        await until(
          page,
          `w2 ${status}`,
          `[...document.querySelectorAll("#p-pool tbody tr")].some((tr) => tr.cells[0].textContent === "w2" && tr.cells[1].textContent === ${
            JSON.stringify(status)
          })`,
          1000,
        );
        const took = Date.now() - sentAt;
        assert.ok(took < 1000, `worker change took ${took} ms`);
      }

      // 50 pages, one upstream connection per service.
      const connectionsBefore = upstream.connections;
      assert.equal(connectionsBefore, 3);
      const pages: Page[] = [];
      for (let i = 0; i < 49; i++) {
        const p = await b.browser.newPage();
        await p.goto(web.url);
        pages.push(p);
      }
      for (const p of pages) await until(p, "page live", `document.querySelectorAll("#p-pool td.id").length === 2`);
      const metricsUrl = new URL("metrics", web.url).href;
      const clients = async () =>
        Number(/^mahavishnu_monitor_web_clients (\d+)$/m.exec(await (await fetch(metricsUrl)).text())?.[1]);
      assert.equal(await clients(), 50);
      send(
        "pool:pool_x",
        frame("event", "worker.status_changed", { pool_id: "pool_x", worker_id: "w50", status: "busy" }),
      );
      for (const p of [...pages, page]) {
        await until(
          p,
          "w50 on every page",
          `[...document.querySelectorAll("#p-pool td.id")].some((td) => td.textContent === "w50")`,
          5000,
        );
      }
      assert.equal(upstream.connections, 3, "the web dashboard opened more upstream connections");
      assert.equal(upstream.sockets.size, 3);

      // /metrics parses as Prometheus text and has the terminal model's numbers.
      send("pool:pool_x", frame("event", "worker.status_changed", { pool_id: "pool_x", status: "busy" })); // unusable
      send("global", frame("event", "workflow.completed", { workflow_id: "wf_ok" }));
      send("anomalies", frame("event", "anomaly.detected", { anomaly_id: "a1", severity: "high" }));
      send(
        "pool:pool_x",
        frame("event", "pool.status_changed", {
          pool_id: "pool_x",
          status: { state: "running", worker_count: 3, queue_size: 9 },
        }),
      );
      type Family = { name: string; metrics: { value: string; labels?: Record<string, string> }[] };
      const read = async () => {
        const fams = parsePrometheusTextFormat(await (await fetch(metricsUrl)).text()) as Family[];
        return (name: string, labels: Record<string, string> = {}) => {
          const f = fams.find((f) => f.name === name);
          const m = f?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
          return m ? Number(m.value) : undefined;
        };
      };
      let get = await read();
      const start = Date.now();
      while (
        (get("mahavishnu_pool_queue_size") !== 9 || get("akosha_items", { kind: "anomalies" }) !== 1) &&
        Date.now() - start < 5000
      ) {
        await new Promise((r) => setTimeout(r, 50));
        get = await read();
      }
      const pool = poolAlertValues(terminal.pool);
      assert.equal(get("mahavishnu_pool_queue_size", { pool: "pool_x" }), pool.queue_size);
      assert.equal(get("mahavishnu_pool_workers", { pool: "pool_x" }), pool.worker_count);
      for (const state of ["idle", "busy", "error", "offline"]) {
        assert.equal(get("mahavishnu_pool_workers_by_state", { state }), pool[`workers.${state}`], state);
      }
      assert.equal(get("mahavishnu_pool_tasks_assigned_total"), pool.tasks_assigned);
      assert.equal(get("mahavishnu_workflows", { state: "active" }), activeWorkflows(terminal.workflows));
      assert.equal(get("mahavishnu_workflows", { state: "completed" }), terminal.workflows.completed);
      assert.equal(get("mahavishnu_workflows", { state: "failed" }), terminal.workflows.failed);
      assert.equal(get("akosha_items", { kind: "insights" }), terminal.akosha.insights);
      assert.equal(get("akosha_items", { kind: "anomalies" }), terminal.akosha.anomalies);
      assert.equal(get("mahavishnu_monitor_malformed_messages_total", { service: "pool" }), terminal.pool.unusable);
      assert.equal(terminal.pool.unusable, 1);
      assert.equal(get("mahavishnu_monitor_connection_up", { service: "pool" }), 1);
      for (const [event, n] of sentPoolEvents) {
        assert.equal(get("mahavishnu_monitor_events_total", { service: "pool", event }), n, event);
      }
    } finally {
      await b.close();
      await stop(web);
      await upstream.close();
    }
  },
});

Deno.test({
  name: "web_dashboard.ts refuses a non-loopback --listen without --web-token-file",
  sanitizeResources: false,
  async fn() {
    const run = runScript("web_dashboard.ts", ["--listen", "0.0.0.0:0"], WEB_PERMISSIONS);
    const status = await run.done;
    assert.equal(status.code, 4); // a configuration error
    assert.match(run.stderr(), /without --web-token-file/);
  },
});
