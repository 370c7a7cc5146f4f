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
