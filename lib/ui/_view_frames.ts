/**
 * Test helper: screens the real views draw as events arrive one by one (the
 * pool monitor with 30 workers and hostile ids, the dashboard's three
 * panels) and seeded random screens, for tests that replay the renderer's
 * bytes into a terminal.
 *
 * @module
 */

import { reduceAkoshaOverview, reduceWorkflowsOverview } from "../model/overview_state.ts";
import { reducePool } from "../model/pool_state.ts";
import { decoded } from "../protocol/_test_envelope.ts";
import { sampleDashboard, T0 } from "./_dashboard_sample.ts";
import { hostilePool } from "./_wide_cases.ts";
import { dashboardView } from "./dashboard_view.ts";
import { poolView } from "./pool_view.ts";
import { createStyle } from "./style.ts";
import type { ViewContext } from "./view_parts.ts";

/** One screen and what brought it. */
export interface ViewFrame {
  lines: string[];
  /** The event applied before it ("" for the first screen, "tick" when only the clock moved). */
  cause: string;
}

function context(columns: number, rows: number, now: number, messages: number, names: string[]): ViewContext {
  return {
    now,
    columns,
    rows,
    style: createStyle(true),
    sources: names.map((name) => ({
      name,
      status: { state: "connected", url: "ws://127.0.0.1:8690", attempt: 0, retryAt: null, reason: null, since: T0 },
      messages,
      malformed: 0,
      reconnects: 0,
    })),
    filter: "",
    scroll: 0,
    tableScroll: 0,
    startedAt: T0,
  };
}

/** `count` pool monitor screens in colour: a pool with hostile worker ids and 30 more workers, then one event each. */
export function poolFrames(columns: number, rows: number, count: number): ViewFrame[] {
  let pool = hostilePool();
  let now = T0;
  let messages = 0;
  const apply = (event: string, data: Record<string, unknown>) => {
    pool = reducePool(pool, decoded(event, { pool_id: pool.poolId, ...data }), now);
    messages++;
  };
  for (let i = 0; i < 30; i++) apply("worker.added", { worker_id: `pool_local_w${i}` });
  const frames: ViewFrame[] = [{ lines: poolView(pool, context(columns, rows, now, messages, ["pool"])), cause: "" }];
  const statuses = ["busy", "idle", "error", "busy", "offline", "idle"];
  for (let i = 1; i < count; i++) {
    now += 350;
    const worker = `pool_local_w${(i * 7) % 30}`;
    const kind = i % 9;
    let cause = "worker.status_changed";
    if (kind === 4) {
      cause = "task.assigned";
      apply(cause, { worker_id: worker, task_id: `task_${i}` });
    } else if (kind === 6) {
      cause = "task.completed";
      apply(cause, { worker_id: worker, task_id: `task_${i - 2}`, duration: 1.5 });
    } else if (kind === 8) cause = "tick";
    else apply(cause, { worker_id: worker, status: statuses[i % statuses.length] });
    frames.push({ lines: poolView(pool, context(columns, rows, now, messages, ["pool"])), cause });
  }
  return frames;
}

/** `count` dashboard screens in colour from the sample dashboard, one event each, rotating over the three services. */
export function dashboardFrames(columns: number, rows: number, count: number): ViewFrame[] {
  const state = sampleDashboard();
  let now = T0 + 30_000;
  let messages = 20;
  const names = ["mahavishnu", "pool", "akosha"];
  const frames: ViewFrame[] = [
    { lines: dashboardView(state, context(columns, rows, now, messages, names)), cause: "" },
  ];
  for (let i = 1; i < count; i++) {
    now += 400;
    messages++;
    const service = i % 3;
    let cause: string;
    if (service === 0) {
      cause = i % 2 ? "workflow.stage_completed" : "workflow.started";
      const data = { workflow_id: `wf_${200 + (i >> 1)}`, stage_name: "plan", stages: ["plan", "review"] };
      reduceWorkflowsOverview(state.workflows, decoded(cause, data), now);
    } else if (service === 1) {
      cause = "worker.status_changed";
      const data = { pool_id: "pool_local", worker_id: `pool_local_w${i % 2 + 1}`, status: i % 2 ? "idle" : "busy" };
      state.pool = reducePool(state.pool, decoded(cause, data), now);
    } else {
      cause = "anomaly.detected";
      const data = { anomaly_id: `a${i}`, anomaly_type: "latency_spike", severity: "high", description: `p95 ${i}ms` };
      reduceAkoshaOverview(state.akosha, decoded(cause, data), now);
    }
    frames.push({ lines: dashboardView(state, context(columns, rows, now, messages, names)), cause });
  }
  return frames;
}

/** A seeded pseudo-random generator (mulberry32), so that a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Pieces random lines are made of: text of every width, SGR sequences. */
export const TOKENS: readonly string[] = [
  "a",
  "b",
  "xyz",
  " ",
  "   ",
  "12",
  "7",
  "─",
  "●",
  "→",
  "作",
  "業者",
  "😀",
  "e\u0301",
  "नमस्ते",
  "👩‍💻",
  "❤️",
  "ที่",
  "\x1b[1m",
  "\x1b[2m",
  "\x1b[31m",
  "\x1b[36m",
  "\x1b[7m",
  "\x1b[1;97;41m",
  "\x1b[38;5;208m",
  "\x1b[0m",
  "\x1b[m",
];

/**
 * `count` screens of `rows` random lines made of `tokens`, each a few random
 * edits of the one before: tokens replaced, inserted, removed, lines cut, a
 * block of rows moved down (an entry on top of a list) or up (a row leaving a
 * table). Seeded: the same seed gives the same screens.
 */
export function randomFrames(
  seed: number,
  columns: number,
  rows: number,
  count: number,
  tokens: readonly string[] = TOKENS,
): string[][] {
  const next = random(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)];
  const width = Math.max(4, Math.floor(columns / 3));
  let lines: string[][] = Array.from({ length: rows }, () => Array.from({ length: 8 }, () => pick(tokens)));
  const frames: string[][] = [];
  for (let f = 0; f < count; f++) {
    lines = lines.map((row) => row.slice());
    const action = next();
    if (action < 0.15) {
      lines.splice(2, 0, Array.from({ length: 6 }, () => pick(tokens)));
      lines.length = rows;
    } else if (action < 0.25) {
      lines.splice(3 + Math.floor(next() * 3), 1);
      lines.push(Array.from({ length: 4 }, () => pick(tokens)));
    } else {
      for (let n = 1 + Math.floor(next() * 3); n > 0; n--) {
        const row = lines[Math.floor(next() * rows)];
        const at = Math.floor(next() * (row.length + 1));
        const change = next();
        if (change < 0.4) row[at] = pick(tokens);
        else if (change < 0.7) row.splice(at, 0, pick(tokens));
        else if (change < 0.9) row.splice(at, 1);
        else row.length = Math.floor(next() * row.length);
        if (row.length > width) row.length = width;
      }
    }
    frames.push(lines.map((row) => row.join("")));
  }
  return frames;
}
