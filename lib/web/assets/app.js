// The browser side of web_dashboard.ts: plain JavaScript, no build step.
// Every string from the server is inserted as text (textContent / append of
// strings), never as HTML. Charts are uPlot, served by the process itself.
"use strict";

const SERVICE_TITLES = { mahavishnu: "Workflows", pool: "Pool", akosha: "Akosha" };
const WORKER_STATES = ["busy", "idle", "error", "offline"];
const COLORS = {
  mahavishnu: "#7aa2f7",
  pool: "#9ece6a",
  akosha: "#bb9af7",
  queue: "#e0af68",
  idle: "#7dcfff",
  busy: "#9ece6a",
  error: "#f7768e",
  offline: "#737aa2",
};

/** Creates an element; string and number children become text nodes. */
function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null) continue;
    if (key === "class") el.className = value;
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(typeof child === "object" ? child : String(child));
  }
  return el;
}

function pageFromPath(path) {
  const m = /^\/(pool|workflow)\/([^/]+)$/.exec(path);
  if (!m) return { view: "dashboard" };
  try {
    return { view: m[1], id: decodeURIComponent(m[2]) };
  } catch {
    return { view: "dashboard" };
  }
}

const page = pageFromPath(location.pathname);
const $ = (id) => document.getElementById(id);
let state = null;
let offset = 0; // local clock minus server clock
let series = null;
let renderPending = false;
const charts = [];

// --- formatting ------------------------------------------------------------
function age(ms) {
  if (ms === null || ms === undefined) return "";
  const s = Math.max(0, Math.round((Date.now() - offset - ms) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}
function duration(ms) {
  if (ms === null || ms === undefined) return "–";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return `${Math.floor(ms / 60_000)}m ${Math.round((ms % 60_000) / 1000)}s`;
}
function clock(ms) {
  return new Date(ms).toLocaleTimeString([], { hour12: false });
}
function num(n) {
  return n === null || n === undefined ? "?" : Number(n).toLocaleString("en-US");
}

// --- building blocks ---------------------------------------------------------
function badge(service) {
  if (!service) return h("span", { class: "badge", "data-state": "unknown" }, "unknown");
  let text;
  switch (service.state) {
    case "connected":
      text = "live";
      break;
    case "reconnecting": {
      const wait = service.retryAt ? Math.max(0, Math.ceil((service.retryAt - (Date.now() - offset)) / 1000)) : null;
      text = `reconnecting${wait !== null ? ` in ${wait}s` : ""} (attempt ${service.attempt})`;
      break;
    }
    case "auth_failed":
      text = "auth failed";
      break;
    default:
      text = service.state;
  }
  return h("span", { class: "badge", "data-state": service.state }, text);
}

function big(label, value, tone) {
  return h("div", { class: "big", "data-tone": tone ?? "" }, h("b", {}, num(value)), h("span", {}, label));
}

function historyList(history, limit) {
  const entries = history.entries.slice(0, limit);
  const list = h(
    "ol",
    { class: "history" },
    entries.map((e) =>
      h(
        "li",
        { "data-severity": e.severity },
        h("time", {}, clock(e.at)),
        h("span", { class: "event" }, e.event),
        h("span", { class: "text" }, e.text),
      )
    ),
  );
  if (entries.length === 0) list.append(h("li", { class: "empty" }, "no events yet"));
  return list;
}

function serviceOf(name) {
  return state.services.find((s) => s.name === name);
}

function panelHead(title, name, link) {
  const s = serviceOf(name);
  const sub = s && s.state !== "connected" && s.reason
    ? h("div", { class: "sub warn" }, `unavailable: ${s.reason}`)
    : h("div", { class: "sub" }, s ? `${s.url} · ${num(s.messages)} msgs · ${num(s.reconnects)} reconnects` : "");
  return [
    h("div", { class: "panel-head" }, h("h2", {}, link ? h("a", { href: link }, title) : title), badge(s)),
    sub,
  ];
}

function progressBar(done, total, status) {
  const known = Boolean(total) || status === "completed" || status === "failed";
  const pct = total ? Math.min(100, Math.round((done / total) * 100)) : known ? 100 : 0;
  const bar = h(
    "span",
    {
      class: "bar",
      "data-status": status,
      "data-unknown": known ? null : "",
      title: known ? null : "total stages unknown",
    },
    h("span", { class: "fill" }),
  );
  bar.firstChild.style.width = `${pct}%`;
  return bar;
}

function stateBar(counts, totalWorkers) {
  const bar = h("div", { class: "statebar" });
  const total = Math.max(1, totalWorkers);
  for (const s of WORKER_STATES) {
    const n = counts[s] ?? 0;
    if (n === 0) continue;
    const seg = h("span", { "data-status": s, title: `${s}: ${n}` });
    seg.style.width = `${(n / total) * 100}%`;
    bar.append(seg);
  }
  return bar;
}

function workersTable(pool, limit) {
  const rows = pool.workers.slice(0, limit).map((w) =>
    h(
      "tr",
      { "data-status": w.status },
      h("td", { class: "id" }, w.id),
      h("td", {}, h("span", { class: "pill", "data-status": w.status }, w.status)),
      h("td", { class: "task" }, w.task ?? ""),
      h("td", { class: "num" }, age(w.since)),
      h("td", { class: "num" }, num(w.completed)),
    )
  );
  const table = h(
    "table",
    { class: "workers" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", {}, "worker"),
        h("th", {}, "status"),
        h("th", {}, "task"),
        h("th", { class: "num" }, "for"),
        h("th", { class: "num" }, "done"),
      ),
    ),
    h("tbody", {}, rows),
  );
  const hidden = pool.workersTotal - rows.length;
  const notes = [];
  if (hidden > 0) notes.push(`${num(hidden)} more workers not shown`);
  if (pool.workersEvicted > 0) {
    notes.push(`${num(pool.workersEvicted)} least recently seen workers dropped (limit reached)`);
  }
  return [table, notes.length ? h("div", { class: "note" }, notes.join(" · ")) : null];
}

// --- panels ------------------------------------------------------------------
function workflowsPanel() {
  const w = state.workflows;
  const list = h(
    "ul",
    { class: "wf-list" },
    w.recent.map((wf) =>
      h(
        "li",
        { "data-status": wf.status },
        h("a", { href: `/workflow/${encodeURIComponent(wf.id)}`, class: "id" }, wf.id),
        progressBar(wf.done, wf.total, wf.status),
        h("span", { class: "count" }, `${wf.done}${wf.total ? `/${wf.total}` : ""}`),
        h("span", { class: "pill", "data-status": wf.status }, wf.status),
      )
    ),
  );
  if (w.recent.length === 0) list.append(h("li", { class: "empty" }, "no workflows seen yet"));
  return h(
    "section",
    { class: "panel", id: "p-mahavishnu" },
    panelHead("Workflows", "mahavishnu"),
    h(
      "div",
      { class: "numbers" },
      big("active", w.active, "info"),
      big("completed", w.completed, "ok"),
      big("failed", w.failed, w.failed > 0 ? "bad" : ""),
      big("stages done", w.stagesCompleted),
    ),
    list,
    w.tracked > w.recent.length
      ? h("div", { class: "note" }, `${num(w.tracked - w.recent.length)} older workflows not shown`)
      : null,
    h("h3", {}, "Events"),
    historyList(w.history, 20),
  );
}

function poolNumbers(p) {
  return h(
    "div",
    { class: "numbers" },
    big("workers", p.workerCount ?? p.workersTotal),
    big("queue", p.queueSize, (p.queueSize ?? 0) > 0 ? "warn" : ""),
    big("busy", p.counts.busy ?? 0, "ok"),
    big("tasks done", p.tasksCompleted),
  );
}

function poolHealth(p) {
  return h(
    "div",
    { class: "health", "data-level": p.health.level },
    h("b", {}, p.status),
    ` · ${p.health.reason}`,
    p.lastEventAt ? ` · last event ${age(p.lastEventAt)} ago` : "",
  );
}

function poolPanel() {
  const p = state.pool;
  return h(
    "section",
    { class: "panel", id: "p-pool" },
    panelHead(`Pool ${p.id}`, "pool", `/pool/${encodeURIComponent(p.id)}`),
    poolHealth(p),
    poolNumbers(p),
    stateBar(p.counts, p.workersTotal),
    h("div", { class: "scroll" }, workersTable(p, 200)),
    h("h3", {}, "Events"),
    historyList(p.history, 20),
  );
}

function akoshaPanel() {
  const a = state.akosha;
  return h(
    "section",
    { class: "panel", id: "p-akosha" },
    panelHead("Akosha", "akosha"),
    h(
      "div",
      { class: "numbers" },
      big("insights", a.insights, "info"),
      big("patterns", a.patterns),
      big("anomalies", a.anomalies, a.anomalies > 0 ? "warn" : ""),
      big("aggregations", a.aggregations),
    ),
    h("div", { class: "chips" }, a.byType.map(([type, n]) => h("span", { class: "chip" }, type, h("b", {}, num(n))))),
    h("h3", {}, "Events"),
    historyList(a.history, 20),
  );
}

function footerLine() {
  const total = (k) => state.services.reduce((n, s) => n + s[k], 0);
  return h(
    "footer",
    {},
    `messages ${num(total("messages"))} · malformed ${num(total("malformed"))} · reconnects ${
      num(total("reconnects"))
    }`,
  );
}

// --- pages -------------------------------------------------------------------
/** Panels redrawn only when their data changed, or once a second for the ages they show. */
const drawn = new Map();
function panelFor(key, data, build) {
  const text = JSON.stringify(data);
  const last = drawn.get(key);
  if (last && last.text === text && Date.now() - last.at < 1000 && last.el.isConnected) return last.el;
  const el = build();
  drawn.set(key, { text, at: Date.now(), el });
  return el;
}

function renderDashboard(main) {
  let panels = main.querySelector(".panels");
  if (!panels) {
    panels = h("div", { class: "panels" });
    main.append(panels, chartRow(["events", "queue", "workers"]), h("footer", {}));
  }
  const next = [
    panelFor("workflows", [state.workflows, serviceOf("mahavishnu")], workflowsPanel),
    panelFor("pool", [state.pool, serviceOf("pool")], poolPanel),
    panelFor("akosha", [state.akosha, serviceOf("akosha")], akoshaPanel),
  ];
  if (next.some((el, i) => panels.children[i] !== el)) panels.replaceChildren(...next);
  main.querySelector("footer").replaceWith(footerLine());
}

function renderPool(main) {
  if (state.missing) {
    main.replaceChildren(
      h(
        "section",
        { class: "panel wide" },
        h("h2", {}, `Pool ${state.missing}`),
        h("p", {}, `This dashboard follows pool ${state.followed} (--pool-id).`),
        h("a", { href: `/pool/${encodeURIComponent(state.followed)}` }, `open ${state.followed}`),
      ),
    );
    return;
  }
  const p = state.pool;
  let body = main.querySelector(".pool-body");
  if (!body) {
    body = h("div", { class: "pool-body" });
    main.replaceChildren(body, chartRow(["queue", "workers", "events"]), h("footer", {}));
  }
  body.replaceChildren(
    h(
      "section",
      { class: "panel", id: "p-pool" },
      panelHead(`Pool ${p.id}`, "pool"),
      poolHealth(p),
      poolNumbers(p),
      h(
        "div",
        { class: "numbers small" },
        big("assigned", p.tasksAssigned),
        big("idle", p.counts.idle ?? 0),
        big("error", p.counts.error ?? 0, (p.counts.error ?? 0) > 0 ? "bad" : ""),
        big("offline", p.counts.offline ?? 0),
      ),
      stateBar(p.counts, p.workersTotal),
      h("div", { class: "scroll tall" }, workersTable(p, 1000)),
    ),
    h("section", { class: "panel", id: "p-history" }, h("h2", {}, "Events"), historyList(p.history, 40)),
  );
  main.querySelector("footer").replaceWith(footerLine());
}

function renderWorkflow(main) {
  if (state.missing) {
    main.replaceChildren(
      h(
        "section",
        { class: "panel wide" },
        h("h2", {}, `Workflow ${state.missing}`),
        h("p", {}, "Not seen on the global channel yet: this page fills as soon as it starts."),
        state.known.length ? h("p", {}, "Recent workflows:") : null,
        h("ul", {}, state.known.map((id) => h("li", {}, h("a", { href: `/workflow/${encodeURIComponent(id)}` }, id)))),
      ),
    );
    return;
  }
  const w = state.workflow;
  const p = w.progress;
  const notice = w.status === "completed"
    ? h(
      "div",
      { class: "notice", "data-status": "completed" },
      `Completed in ${duration(p.elapsedMs)}`,
      w.result ? ` · ${w.result}` : "",
    )
    : w.status === "failed"
    ? h("div", { class: "notice", "data-status": "failed" }, `Failed: ${w.error ?? "unknown error"}`)
    : null;
  const longest = Math.max(1, ...w.stages.map((s) => s.durationMs ?? 0));
  const done = new Set(w.stages.map((s) => s.name));
  const timeline = h(
    "ol",
    { class: "timeline" },
    w.stages.map((s) => {
      const bar = h("span", { class: "dur" });
      bar.style.width = `${Math.max(2, ((s.durationMs ?? 0) / longest) * 100)}%`;
      return h(
        "li",
        { "data-status": "done" },
        h("span", { class: "name" }, s.name),
        h("span", { class: "track" }, bar),
        h("span", { class: "num" }, duration(s.durationMs)),
        h("time", {}, clock(s.completedAt)),
        h("span", { class: "text" }, s.summary),
      );
    }),
    (w.stageNames ?? []).filter((n) => !done.has(n)).map((n) =>
      h(
        "li",
        { "data-status": n === w.currentStage ? "running" : "pending" },
        h("span", { class: "name" }, n),
        h("span", { class: "track" }),
        h("span", { class: "num" }, n === w.currentStage ? "running" : "pending"),
        h("time", {}, ""),
        h("span", { class: "text" }, ""),
      )
    ),
  );
  main.replaceChildren(
    h(
      "div",
      { class: "wf-body" },
      h(
        "section",
        { class: "panel", id: "p-workflow" },
        h("div", { class: "panel-head" }, h("h2", {}, `Workflow ${w.id}`), badge(serviceOf("mahavishnu"))),
        notice,
        h(
          "div",
          { class: "wf-progress" },
          progressBar(p.done, p.total, w.status),
          h("span", { class: "count" }, `${p.done}${p.total ? ` / ${p.total}` : ""} stages`),
          h("span", { class: "pill", "data-status": w.status }, w.status),
        ),
        h(
          "div",
          { class: "sub" },
          `current stage: ${w.currentStage ?? "–"} · elapsed ${duration(p.elapsedMs)}` +
            (p.leftMs !== null ? ` · about ${duration(p.leftMs)} left` : ""),
        ),
        h("h3", {}, "Stage timeline"),
        timeline,
      ),
      h(
        "section",
        { class: "panel" },
        h("h2", {}, "Worker changes"),
        historyList({ entries: w.workerChanges, total: w.workerChanges.length }, 30),
        h("h2", {}, "Events"),
        historyList(w.history, 40),
      ),
    ),
    footerLine(),
  );
}

function render() {
  if (!state) return;
  const main = $("main");
  $("title").textContent = page.view === "dashboard"
    ? ""
    : page.view === "pool"
    ? `pool ${page.id}`
    : `workflow ${page.id}`;
  $("badges").replaceChildren(
    ...state.services.map((s) => h("span", { class: "svc" }, SERVICE_TITLES[s.name] ?? s.name, " ", badge(s))),
  );
  $("alerts").replaceChildren(
    ...(state.alerts ?? []).filter((a) => a.kind === "triggered").slice(0, 3).map((a) =>
      h("div", { class: "alert" }, `ALERT ${a.rule} (value ${a.value ?? "?"}) at ${clock(a.at)}`)
    ),
  );
  if (page.view === "pool") renderPool(main);
  else if (page.view === "workflow") renderWorkflow(main);
  else renderDashboard(main);
  document.body.dataset.frames = String(Number(document.body.dataset.frames ?? 0) + 1);
  updateCharts();
}

// --- charts (uPlot) -----------------------------------------------------------
const CHARTS = {
  events: { title: "Events / s", prefix: "events.", label: (n) => n.slice(7) },
  queue: { title: "Queue size", prefix: "queue", label: () => "queue" },
  workers: { title: "Workers by state", prefix: "workers.", label: (n) => n.slice(8) },
};

function chartRow(kinds) {
  const row = h("section", { class: "charts" });
  for (const kind of kinds) {
    const box = h(
      "div",
      { class: "chart", "data-chart": kind },
      h("h3", {}, CHARTS[kind].title),
      h("div", { class: "plot" }),
    );
    row.append(box);
    charts.push({ kind, box, plot: null });
  }
  return row;
}

function chartData(kind) {
  const names = series.names.filter((n) => n.startsWith(CHARTS[kind].prefix));
  return { names, data: [series.t, ...names.map((n) => series.values[n])] };
}

function updateCharts() {
  if (!series || typeof uPlot === "undefined") return;
  for (const chart of charts) {
    if (!chart.box.isConnected) continue;
    const { names, data } = chartData(chart.kind);
    const target = chart.box.querySelector(".plot");
    const width = Math.max(200, target.clientWidth);
    const height = Math.max(100, target.clientHeight || 160);
    if (!chart.plot) {
      chart.plot = new uPlot(
        {
          width,
          height,
          legend: { show: true, live: false },
          cursor: { show: false },
          scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
          axes: [
            { stroke: "#8b93b8", grid: { stroke: "#262b40" }, ticks: { stroke: "#262b40" } },
            { stroke: "#8b93b8", grid: { stroke: "#262b40" }, ticks: { stroke: "#262b40" }, size: 50 },
          ],
          series: [
            {},
            ...names.map((n) => {
              const key = CHARTS[chart.kind].label(n);
              const color = COLORS[key] ?? "#c0caf5";
              return {
                label: key,
                stroke: color,
                width: 2,
                fill: chart.kind === "queue" ? "rgba(224,175,104,0.15)" : undefined,
              };
            }),
          ],
        },
        data,
        target,
      );
    } else {
      if (chart.plot.width !== width) chart.plot.setSize({ width, height });
      chart.plot.setData(data);
    }
  }
}

function addPoint(point) {
  if (!series || !point) return;
  series.t.push(point.t);
  for (const n of series.names) series.values[n].push(point.values[n] ?? null);
  if (series.t.length > 900) {
    series.t.shift();
    for (const n of series.names) series.values[n].shift();
  }
  updateCharts();
}

// --- push channel ---------------------------------------------------------------
function connect() {
  const params = new URLSearchParams({ view: page.view });
  if (page.id) params.set("id", page.id);
  const socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/live?${params}`);
  const link = $("link");
  socket.addEventListener("open", () => {
    link.dataset.state = "connected";
    link.textContent = "";
  });
  socket.addEventListener("close", () => {
    link.dataset.state = "reconnecting";
    link.textContent = "dashboard server unreachable, retrying…";
    setTimeout(connect, 1000);
  });
  socket.addEventListener("message", (e) => {
    const { type, data } = JSON.parse(e.data);
    if (type === "state") {
      // Frames that queued up while the page was busy are drawn once: only the newest counts.
      state = data;
      offset = Date.now() - state.now;
      if (!renderPending) {
        renderPending = true;
        setTimeout(() => {
          renderPending = false;
          const t0 = performance.now();
          render();
          document.body.dataset.renderMs = (performance.now() - t0).toFixed(1);
        }, 0);
      }
    } else if (type === "series") {
      series = data;
      for (const c of charts) {
        c.plot?.destroy();
        c.plot = null;
      }
      updateCharts();
    } else if (type === "point") {
      addPoint(data);
    }
  });
}

setInterval(() => {
  $("clock").textContent = clock(Date.now());
}, 1000);
$("clock").textContent = clock(Date.now());
globalThis.addEventListener("resize", () => updateCharts());
connect();
