import assert from "node:assert/strict";
import { decoded } from "../protocol/_test_envelope.ts";
import { dashboardView } from "./dashboard_view.ts";
import {
  createAkoshaOverview,
  createWorkflowsOverview,
  reduceAkoshaOverview,
  reduceWorkflowsOverview,
} from "../model/overview_state.ts";
import { createPoolState, reducePool } from "../model/pool_state.ts";
import { createStyle } from "./style.ts";
import { displayWidth } from "./text.ts";
import { hostilePool } from "./_wide_cases.ts";
import { sampleDashboard, T0 } from "./_dashboard_sample.ts";
import { workflowTable } from "./workflow_table.ts";
import type { SourceView, ViewContext } from "./view_parts.ts";

function source(name: string, state: "connected" | "reconnecting"): SourceView {
  return {
    name,
    status: {
      state,
      url: `ws://127.0.0.1:1`,
      attempt: state === "connected" ? 0 : 2,
      retryAt: state === "connected" ? null : 3000,
      reason: state === "connected" ? null : "cannot connect to 127.0.0.1:8692 (refused)",
      since: 0,
    },
    messages: 5,
    malformed: 0,
    reconnects: 0,
  };
}

function ctx(columns: number, rows: number, color = false): ViewContext {
  return {
    now: 1000,
    columns,
    rows,
    style: createStyle(color),
    sources: [source("mahavishnu", "connected"), source("pool", "connected"), source("akosha", "reconnecting")],
    filter: "",
    scroll: 0,
    tableScroll: 0,
    startedAt: 0,
  };
}

const state = () => ({
  workflows: createWorkflowsOverview(),
  pool: createPoolState("pool_local"),
  akosha: reduceAkoshaOverview(
    createAkoshaOverview(),
    decoded("insight.generated", { insight_type: "cost", title: "t" }),
    0,
  ),
});

Deno.test("dashboardView() side by side on wide terminals, stacked on narrow ones", async (t) => {
  await t.step("160x30: one row of three panels", () => {
    const lines = dashboardView(state(), ctx(160, 30));
    assert.equal(lines.length, 30);
    assert.match(lines[1], /^Mahavishnu workflows .*│ Pool pool_local .*│ Akosha insights .*◌ reconnecting in 2s/);
    assert.match(lines[2], /│ unavailable: cannot connect to 127\.0\.0\.1:8692/);
    for (const l of lines) assert.ok(displayWidth(l) <= 160);
  });
  await t.step("80x24: stacked, every panel title visible", () => {
    const lines = dashboardView(state(), ctx(80, 24));
    assert.equal(lines.length, 24);
    for (const title of ["Mahavishnu workflows", "Pool pool_local", "Akosha insights"]) {
      assert.ok(lines.some((l) => l.startsWith(title)), title);
    }
    assert.ok(lines.some((l) => l.includes("insights 1")));
    for (const l of lines) assert.ok(displayWidth(l) <= 80);
  });
});

Deno.test("dashboardView() keeps the panel borders in one column with hostile ids", async (t) => {
  // tmux 3.3a drew these screens (160 columns) with the two borders at cells 52 and 106 on every row: checked by hand
  // by printing each row's text up to the border and reading the cursor column back (ESC [6n).
  for (const color of [false, true]) {
    await t.step(color ? "colour" : "no colour", () => {
      const lines = dashboardView({ ...state(), pool: hostilePool() }, ctx(160, 30, color));
      const body = lines.slice(1, -1);
      assert.ok(body.some((l) => l.includes("w-नमस्ते")) && body.some((l) => l.includes("t-w-❤ → w-🇫🇷")));
      for (const line of body) {
        const borders = [...line.matchAll(/│/g)].map((m) => displayWidth(line.slice(0, m.index)));
        assert.deepEqual(borders, [52, 106], JSON.stringify(line));
        assert.equal(displayWidth(line), 159, JSON.stringify(line));
      }
    });
  }
});

Deno.test("dashboardView() keeps its layout with a 10,000-character string in every field", () => {
  const long = (c: string) => c.repeat(10_000);
  const state = { workflows: createWorkflowsOverview(), pool: createPoolState("p"), akosha: createAkoshaOverview() };
  reduceWorkflowsOverview(state.workflows, decoded("workflow.started", { workflow_id: long("w") }), 1);
  reducePool(state.pool, decoded("pool.status_changed", { status: long("s"), worker_count: 2, queue_size: 1 }), 1);
  reduceAkoshaOverview(state.akosha, decoded("insight.generated", { insight_type: long("t"), title: long("i") }), 1);
  for (const [w, h] of [[160, 30], [80, 24]]) {
    const lines = dashboardView(state, ctx(w, h));
    assert.equal(lines.length, h);
    for (const line of lines) assert.ok(displayWidth(line) <= w, `too wide: ${line}`);
    assert.ok(lines.some((l) => /● s+… {2}workers 2 {2}queue 1/.test(l)), "pool numbers after a long status");
    assert.ok(lines.some((l) => /t+… 1/.test(l)), "insight type counts after a long type");
  }
});

/** Connected sources for the sample screens. */
function connected(): SourceView[] {
  return ["mahavishnu", "pool", "akosha"].map((name) => ({
    name,
    status: { state: "connected", url: "ws://127.0.0.1:8690", attempt: 0, retryAt: null, reason: null, since: 0 },
    messages: 9,
    malformed: 0,
    reconnects: 0,
  }));
}

function sampleCtx(columns: number, rows: number, color = false): ViewContext {
  return { ...ctx(columns, rows, color), now: T0 + 30_000, startedAt: T0, sources: connected() };
}

Deno.test("dashboardView() exact screens with workflows, anomalies and aggregations", async (t) => {
  await t.step("160x30", () => {
    assert.deepEqual(dashboardView(sampleDashboard(), sampleCtx(160, 30)), [
      "Mahavishnu Multi-Service Dashboard                                                          mahavishnu ● connected  pool ● connected  akosha ● connected  up 30s",
      "Mahavishnu workflows                    ● connected │ Pool pool_local                         ● connected │ Akosha insights                         ● connected",
      "ws://127.0.0.1:8690 · msgs 9 · reconnects 0         │ ws://127.0.0.1:8690 · msgs 9 · reconnects 0         │ ws://127.0.0.1:8690 · msgs 9 · reconnects 0        ",
      "active 2  completed 1  failed 1                     │ ● running  workers 2  queue 4  healthy              │ insights 1  patterns 1                             ",
      "started 3  stages done 4                            │ idle 1  busy 1  error 0  offline 0                  │ anomalies 4  critical 1  high 1  medium 1  low 1   ",
      "▸ wf_123 ███░░░░░ 2/5 analyze                   30s │ ─────────────────────────────────────────────────── │ aggregations 1  hourly_rollup 4057 records 18s ago ",
      "▸ wf_125 ░░░░░░░░ 0/5 plan                      28s │ 12:00:09 pool     health_check pool_id=pool_local   │ pattern types watched: code_pattern, temporal,     ",
      "✓ wf_099 ········ 1/? done                        ? │                   healthy=true checked_workers=2    │ load_spike                                         ",
      "✗ wf_124 ██░░░░░░ 1/5 stage 'retrieve_conte…    11s │ 12:00:08 task ✓   task_1001 done by pool_local_w1   │ top  performance 1  temporal 1                     ",
      "─────────────────────────────────────────────────── │                   in 3.25s                          │ ───────────────────────────────────────────────────",
      "12:00:21 wf ✓     wf_099 completed                  │ 12:00:04 worker   pool_local_w1 → busy              │ 12:00:12 aggr ✓   hourly_rollup: 4057 records      ",
      "12:00:20 stage ✓  wf_099 review                     │ 12:00:03 task →   task_1001 → pool_local_w1         │ 12:00:10 anomaly  critical worker_flapping: 4      ",
      "12:00:12 wf ✗     wf_124: stage 'retrieve_context'  │ 12:00:02 worker + pool_local_w2                     │                   workers offline in 60s           ",
      "                  failed: adapter timeout after 30s │ 12:00:01 worker + pool_local_w1                     │ 12:00:08 anomaly  high error_rate: 9% errors       ",
      "12:00:09 stage ✓  wf_123 retrieve_context           │ 12:00:00 pool     running · 2 workers · queue 4     │                   against 1%                       ",
      "12:00:07 stage ✓  wf_124 plan                       │                                                     │ 12:00:06 anomaly  medium latency_spike: p95 840ms  ",
      "12:00:05 stage ✓  wf_123 plan (5.0s)                │                                                     │                   against 300ms                    ",
      "12:00:02 wf ▸     wf_125 · 5 stages                 │                                                     │ 12:00:04 anomaly  low queue_growth: queue 12       ",
      "12:00:01 wf ▸     wf_124 · llamaindex · 5 stages    │                                                     │                   against a baseline of 5          ",
      "12:00:00 wf ▸     wf_123 · llamaindex · 5 stages ·  │                                                     │ 12:00:03 pattern  temporal: retries every 15       ",
      "                  Summarise                         │                                                     │                   minutes (82%)                    ",
      "                                                    │                                                     │ 12:00:01 insight  performance: Latency up · p95    ",
      "                                                    │                                                     │                   task latency on pool_local rose …",
      "                                                    │                                                     │                                                    ",
      "                                                    │                                                     │                                                    ",
      "                                                    │                                                     │                                                    ",
      "                                                    │                                                     │                                                    ",
      "                                                    │                                                     │                                                    ",
      "                                                    │                                                     │                                                    ",
      "q quit  p pause  / filter  c clear  ? help                                                                              messages 27 · malformed 0 · reconnects 0",
    ]);
  });
  await t.step("120x30", () => {
    assert.deepEqual(dashboardView(sampleDashboard(), sampleCtx(120, 30)), [
      "Mahavishnu Multi-Service Dashboard                  mahavishnu ● connected  pool ● connected  akosha ● connected  up 30s",
      "Mahavishnu workflows       ● connected │ Pool pool_local            ● connected │ Akosha insights            ● connected",
      "ws://127.0.0.1:8690 · msgs 9 · reconn… │ ws://127.0.0.1:8690 · msgs 9 · reconn… │ ws://127.0.0.1:8690 · msgs 9 · reconn…",
      "active 2  completed 1  failed 1        │ ● running  workers 2  queue 4  healthy │ insights 1  patterns 1                ",
      "started 3  stages done 4               │ idle 1  busy 1  error 0  offline 0     │ anomalies 4  critical 1  high 1       ",
      "▸ wf_123 ██░░░ 2/5 analyze         30s │ ────────────────────────────────────── │ medium 1  low 1                       ",
      "▸ wf_125 ░░░░░ 0/5 plan            28s │ 12:00:09 pool     health_check         │ aggregations 1                        ",
      "✓ wf_099 ····· 1/? done              ? │                   pool_id=pool_local … │ hourly_rollup 4057 records 18s ago    ",
      "✗ wf_124 █░░░░ 1/5 stage 'retr…    11s │ 12:00:08 task ✓   task_1001 done by    │ pattern types watched: code_pattern,  ",
      "────────────────────────────────────── │                   pool_local_w1 in …   │ temporal, load_spike                  ",
      "12:00:21 wf ✓     wf_099 completed     │ 12:00:04 worker   pool_local_w1 → busy │ top  performance 1  temporal 1        ",
      "12:00:20 stage ✓  wf_099 review        │ 12:00:03 task →   task_1001 →          │ ──────────────────────────────────────",
      "12:00:12 wf ✗     wf_124: stage        │                   pool_local_w1        │ 12:00:12 aggr ✓   hourly_rollup: 4057 ",
      "                  'retrieve_context' … │ 12:00:02 worker + pool_local_w2        │                   records             ",
      "12:00:09 stage ✓  wf_123               │ 12:00:01 worker + pool_local_w1        │ 12:00:10 anomaly  critical            ",
      "                  retrieve_context     │ 12:00:00 pool     running · 2 workers  │                   worker_flapping: 4 …",
      "12:00:07 stage ✓  wf_124 plan          │                   · queue 4            │ 12:00:08 anomaly  high error_rate: 9% ",
      "12:00:05 stage ✓  wf_123 plan (5.0s)   │                                        │                   errors against 1%   ",
      "12:00:02 wf ▸     wf_125 · 5 stages    │                                        │ 12:00:06 anomaly  medium              ",
      "12:00:01 wf ▸     wf_124 · llamaindex  │                                        │                   latency_spike: p95 …",
      "                  · 5 stages           │                                        │ 12:00:04 anomaly  low queue_growth:   ",
      "12:00:00 wf ▸     wf_123 · llamaindex  │                                        │                   queue 12 against a …",
      "                  · 5 stages · …       │                                        │ 12:00:03 pattern  temporal: retries   ",
      "                                       │                                        │                   every 15 minutes …  ",
      "                                       │                                        │ 12:00:01 insight  performance: Latency",
      "                                       │                                        │                   up · p95 task …     ",
      "                                       │                                        │                                       ",
      "                                       │                                        │                                       ",
      "                                       │                                        │                                       ",
      "q quit  p pause  / filter  c clear  ? help                                      messages 27 · malformed 0 · reconnects 0",
    ]);
  });
  await t.step("80x24", () => {
    assert.deepEqual(dashboardView(sampleDashboard(), sampleCtx(80, 24)), [
      "Mahavishnu… mahavishnu ● connected  pool ● connected  akosha ● connected  up 30s",
      "Mahavishnu workflows                                                 ● connected",
      "ws://127.0.0.1:8690 · msgs 9 · reconnects 0                                     ",
      "active 2  completed 1  failed 1  started 3  stages done 4                       ",
      "▸ wf_123 ████░░░░░░ 2/5 analyze                                              30s",
      "  … 1 more running, 2 finished not shown                                        ",
      "────────────────────────────────────────────────────────────────────────────────",
      "12:00:21 wf ✓     wf_099 completed                                              ",
      "12:00:20 stage ✓  wf_099 review                                                 ",
      "Pool pool_local                                                      ● connected",
      "ws://127.0.0.1:8690 · msgs 9 · reconnects 0                                     ",
      "● running  workers 2  queue 4  healthy  idle 1  busy 1  error 0  offline 0      ",
      "────────────────────────────────────────────────────────────────────────────────",
      "12:00:09 pool     health_check pool_id=pool_local healthy=true checked_workers=2",
      "12:00:08 task ✓   task_1001 done by pool_local_w1 in 3.25s                      ",
      "12:00:04 worker   pool_local_w1 → busy                                          ",
      "Akosha insights                                                      ● connected",
      "ws://127.0.0.1:8690 · msgs 9 · reconnects 0                                     ",
      "insights 1  patterns 1  anomalies 4  critical 1  high 1  medium 1  low 1        ",
      "aggregations 1  hourly_rollup 4057 records 18s ago                              ",
      "────────────────────────────────────────────────────────────────────────────────",
      "12:00:12 aggr ✓   hourly_rollup: 4057 records                                   ",
      "12:00:10 anomaly  critical worker_flapping: 4 workers offline in 60s            ",
      "q quit  p pause  / filter  c clear  ? … messages 27 · malformed 0 · reconnects 0",
    ]);
  });
});

Deno.test("dashboardView() paints anomaly levels, failed workflows and the label colours", () => {
  const screen = dashboardView(sampleDashboard(), sampleCtx(160, 30, true)).join("\n");
  const alert = "\x1b[1;97;41m";
  for (
    const [what, sgr] of [
      ["low 1", "\x1b[34m"],
      ["medium 1", "\x1b[33m"],
      ["high 1", "\x1b[31m"],
      ["critical 1", alert],
      // the level word at the start of an anomaly's details in the history
      ["critical\x1b[0m worker_flapping: 4", alert],
      ["high\x1b[0m error_rate: 9% errors", "\x1b[31m"],
      ["medium\x1b[0m latency_spike: p95 840ms", "\x1b[33m"],
      ["low\x1b[0m queue_growth: queue 12", "\x1b[34m"],
      // a failed workflow's mark, id and error
      ["✗", "\x1b[31m"],
      ["stage 'retrieve_conte…", "\x1b[31m"],
      // labels: a stage done green, a failure red (its severity), an anomaly by its severity
      ["stage ✓ ", "\x1b[32m"],
      ["wf ✗    ", "\x1b[31m"],
    ]
  ) {
    assert.ok(screen.includes(`${sgr}${what}`), `${JSON.stringify(what)} not painted ${JSON.stringify(sgr)}`);
  }
  const quiet = dashboardView(
    { ...sampleDashboard(), akosha: createAkoshaOverview() },
    sampleCtx(160, 30, true),
  ).join("\n");
  assert.ok(quiet.includes("\x1b[2mcritical 0\x1b[0m"), "a level without anomalies is dim");
  assert.ok(!quiet.includes(alert), "nothing critical, nothing in alert colours");
});

Deno.test("dashboardView() shows the watched pattern types, and aggregations only when metrics is subscribed", () => {
  const state = sampleDashboard();
  const lines = dashboardView(state, sampleCtx(160, 30));
  assert.ok(lines.some((l) => l.includes("pattern types watched: code_pattern, temporal,")));
  assert.ok(lines.some((l) => l.includes("aggregations 1  hourly_rollup 4057 records 18s ago")));
  state.akosha.channels = ["insights", "anomalies"];
  assert.ok(!dashboardView(state, sampleCtx(160, 30)).some((l) => l.includes("aggregations")));
});

Deno.test("dashboardView() lists running workflows before finished ones and says how many are not shown", () => {
  const state = sampleDashboard();
  for (let i = 0; i < 40; i++) {
    reduceWorkflowsOverview(state.workflows, decoded("workflow.started", { workflow_id: `wf_b${i}` }), T0 + 25_000);
  }
  const lines = dashboardView(state, sampleCtx(160, 30)).map((l) => l.slice(0, 52));
  const rows = lines.filter((l) => /^[▸✓✗] /.test(l));
  assert.ok(rows.every((l) => l.startsWith("▸")), "only running rows fit");
  assert.deepEqual(rows.slice(0, 3).map((l) => l.split(" ")[1]), ["wf_123", "wf_125", "wf_b0"]);
  assert.ok(lines.some((l) => /… \d+ more running, 2 finished not shown/.test(l)), lines.join("\n"));
  assert.ok(lines.some((l) => l.startsWith("active 42  completed 1  failed 1")));
});

Deno.test("workflowTable() counts what it does not show from the exact counters, not from its bounded rows", () => {
  const w = createWorkflowsOverview(10, { maxRows: 50 });
  for (let i = 0; i < 10_000; i++) {
    reduceWorkflowsOverview(w, decoded("workflow.started", { workflow_id: `wf_${i}`, stages: ["a", "b"] }), T0);
  }
  reduceWorkflowsOverview(w, decoded("workflow.failed", { workflow_id: "wf_9999", error: "boom" }), T0 + 1000);
  const lines = workflowTable(w, 60, 5, T0 + 2000, createStyle(false));
  assert.deepEqual(lines, [
    "▸ wf_9950 ░░░░░░░░░░ 0/2 a                              2.0s",
    "▸ wf_9951 ░░░░░░░░░░ 0/2 a                              2.0s",
    "▸ wf_9952 ░░░░░░░░░░ 0/2 a                              2.0s",
    "▸ wf_9953 ░░░░░░░░░░ 0/2 a                              2.0s",
    "  … 9995 more running, 1 finished not shown",
  ]);
  assert.equal(workflowTable(w, 60, 1, T0 + 2000, createStyle(false)).length, 1, "one row: one workflow");
});
