import assert from "node:assert/strict";
import { createPoolState, poolHealth, type PoolState, reducePool } from "../model/pool_state.ts";
import { decoded } from "../protocol/_test_envelope.ts";
import { HOSTILE_IDS, hostilePool } from "./_wide_cases.ts";
import { poolSummary, poolView } from "./pool_view.ts";
import { createStyle } from "./style.ts";
import { displayWidth } from "./text.ts";
import type { ViewContext } from "./view_parts.ts";

const T0 = new Date(2026, 10, 28, 12, 0, 0).getTime();

function sample(): PoolState {
  const s = createPoolState("pool_local", { historySize: 100 });
  const msgs = [
    decoded("pool.status_changed", {
      pool_id: "pool_local",
      status: { state: "running", worker_count: 3, queue_size: 2 },
    }),
    decoded("worker.added", { worker_id: "w1" }),
    decoded("worker.added", { worker_id: "w2" }),
    decoded("worker.added", { worker_id: "w10" }),
    decoded("task.assigned", { worker_id: "w2", task_id: "task_7" }),
    decoded("worker.status_changed", { worker_id: "w10", status: "error" }),
  ];
  msgs.forEach((m, i) => reducePool(s, m, T0 + i * 1000));
  return s;
}

function context(columns: number, rows: number, color: boolean): ViewContext {
  return {
    now: T0 + 10_000,
    columns,
    rows,
    style: createStyle(color),
    sources: [{
      name: "pool",
      status: { state: "connected", url: "ws://127.0.0.1:8690", attempt: 0, retryAt: null, reason: null, since: T0 },
      messages: 6,
      malformed: 1,
      reconnects: 0,
    }],
    filter: "",
    scroll: 0,
    tableScroll: 0,
    startedAt: T0,
  };
}

Deno.test("poolView() exact lines at 80x20 without colour", () => {
  const lines = poolView(sample(), context(80, 20, false));
  assert.deepEqual(lines, [
    "Mahavishnu Pool Monitor  pool_local  ws://127.0.0.1… ● connected  msgs 6  up 10s",
    "Status running   Workers 3   Queue 2   Last event 5s ago   Health ● 1 worker(s)…",
    "Tasks assigned 1  completed 0   idle 1  busy 1  error 1  offline 0",
    "─ Workers (3) ──────────────────────────────────────────────────────────────────",
    "WORKER STATUS   TASK                                     IN STATE DONE",
    "w10    error    -                                        5s       0",
    "w1     idle     -                                        9s       0",
    "w2     busy     task_7                                   6s       0",
    "─ Recent events (6) ────────────────────────────────────────────────────────────",
    "12:00:05 worker   w10 idle → error",
    "12:00:04 task →   task_7 → w2",
    "12:00:03 worker + w10",
    "12:00:02 worker + w2",
    "12:00:01 worker + w1",
    "12:00:00 pool     running · 3 workers · queue 2",
    "",
    "",
    "",
    "",
    "q quit  p pause  / filter  c cle… history 6/100 · active workers 3 · malformed 1",
  ]);
});

Deno.test("poolView() fits any size and colours by status", async (t) => {
  for (const [w, h] of [[80, 24], [200, 60], [40, 10], [120, 40]]) {
    await t.step(`${w}x${h}`, () => {
      const lines = poolView(sample(), context(w, h, true));
      assert.equal(lines.length, h);
      for (const line of lines) assert.ok(displayWidth(line) <= w, `too wide: ${line}`);
    });
  }
  await t.step("colour", () => {
    const lines = poolView(sample(), context(120, 30, true));
    assert.ok(lines.some((l) => l.includes("\x1b[31merror")), "error worker in red");
    assert.ok(lines[0].includes("\x1b[32m● connected"), "connected in green");
  });
  await t.step("filter", () => {
    const ctx = { ...context(100, 30, false), filter: "task" };
    const lines = poolView(sample(), ctx);
    assert.ok(lines.some((l) => l.includes('Recent events (1 matching "task")')));
  });
});

Deno.test("poolView() keeps the workers table's columns aligned with hostile ids", async (t) => {
  // tmux 3.3a drew the same table (width 110) with STATUS at cell 9 and DONE at cell 68 in every row: checked by
  // hand by printing each row's text up to the column and reading the cursor column back (ESC [6n).
  for (const color of [false, true]) {
    await t.step(color ? "colour" : "no colour", () => {
      const lines = poolView(hostilePool(), context(110, 40, color));
      const head = lines.findIndex((l) => l.includes("WORKER"));
      const rows = lines.slice(head, head + HOSTILE_IDS.length + 1);
      assert.equal(rows.length, HOSTILE_IDS.length + 1);
      for (const row of rows) {
        const status = Math.max(row.indexOf("STATUS"), row.indexOf("busy"), row.indexOf("idle"));
        assert.equal(displayWidth(row.slice(0, status)), 9, `STATUS column: ${JSON.stringify(row)}`);
        const done = Math.max(row.lastIndexOf("DONE"), row.lastIndexOf(" 0") + 1);
        assert.equal(displayWidth(row.slice(0, done)), 68, `DONE column: ${JSON.stringify(row)}`);
      }
      for (const line of lines) assert.ok(displayWidth(line) <= 110, `too wide: ${line}`);
    });
  }
});

Deno.test("poolSummary() colours the status by the status and the health by the health", async (t) => {
  const RESET = "\x1b[0m";
  const cases: [string, (s: PoolState) => void, string][] = [
    ["running with a worker in error", (s) => s, "\x1b[32m"],
    ["scaling", (s) => reducePool(s, decoded("pool.status_changed", { status: "scaling" }), T0), "\x1b[33m"],
    ["draining", (s) => reducePool(s, decoded("pool.status_changed", { status: "draining" }), T0), "\x1b[33m"],
    ["error", (s) => reducePool(s, decoded("pool.status_changed", { status: "error" }), T0), "\x1b[31m"],
    ["closed", (s) => reducePool(s, decoded("pool.closed", { pool_id: "pool_local" }), T0), "\x1b[31m"],
    ["unknown", (s) => reducePool(s, decoded("pool.status_changed", { status: "unknown" }), T0), "\x1b[2m"],
  ];
  for (const [name, change, statusColour] of cases) {
    await t.step(name, () => {
      const s = sample();
      change(s);
      const [line] = poolSummary(s, 300, T0 + 10_000, createStyle(true));
      assert.ok(
        line.startsWith(`Status ${statusColour}\x1b[1m${s.status}${RESET}${RESET}   `),
        JSON.stringify(line),
      );
      const health = poolHealth(s);
      if (name.startsWith("running")) assert.equal(health.level, "error", "the worker in error makes the health red");
      const healthColour = { ok: "\x1b[32m", warning: "\x1b[33m", error: "\x1b[31m", unknown: "\x1b[2m" }[health.level];
      assert.ok(line.endsWith(`Health ${healthColour}● ${health.reason}${RESET}`), JSON.stringify(line));
    });
  }
  await t.step("a status nobody knows is bold, not coloured", () => {
    const s = reducePool(sample(), decoded("pool.status_changed", { status: "resharding" }), T0);
    const [line] = poolSummary(s, 300, T0 + 10_000, createStyle(true));
    assert.ok(line.startsWith(`Status \x1b[1mresharding${RESET}   `), JSON.stringify(line));
  });
});

Deno.test("poolView() keeps its layout with a 10,000-character string in every field", () => {
  const long = (c: string) => c.repeat(10_000);
  const s = createPoolState("pool_local");
  [
    decoded("pool.status_changed", { status: long("s"), worker_count: 3, queue_size: 2 }),
    decoded("worker.added", { worker_id: long("w") }),
    decoded("worker.status_changed", { worker_id: long("v"), status: long("b") }),
    decoded("task.assigned", { worker_id: "w2", task_id: long("t") }),
    decoded(long("e"), { [long("k")]: long("x") }),
  ].forEach((e, i) => reducePool(s, e, T0 + i));
  for (const [w, h] of [[100, 24], [60, 16]]) {
    const lines = poolView(s, context(w, h, true));
    assert.equal(lines.length, h);
    for (const line of lines) assert.ok(displayWidth(line) <= w, `too wide: ${line}`);
    const plain = poolView(s, context(w, h, false));
    assert.match(plain[1], /^Status s+… {3}Workers 3 {3}Queue 2/);
    assert.match(plain.find((l) => l.startsWith("WORKER")) ?? "", /^WORKER +STATUS +TASK/);
    assert.ok(plain.some((l) => /^v+… +b+… /.test(l)), "the long id and status are cut in their columns");
    assert.match(plain[h - 1], /malformed 1$/);
  }
});

Deno.test("poolView() never shows a number that broke the rules, and counts it", () => {
  const s = createPoolState("pool_local");
  [
    decoded("pool.status_changed", { status: "running", worker_count: 3, queue_size: 2 }),
    decoded("pool.status_changed", { worker_count: -3 }),
    decoded("pool.status_changed", { queue_size: -5 }),
    decoded("pool.status_changed", { worker_count: 1e308 }),
    decoded("pool.status_changed", { queue_size: "0x10" }),
    decoded("pool.scaled", { worker_count: -1_000_000_000 }),
    decoded("task.completed", { task_id: "t", duration: -5 }),
  ].forEach((e, i) => reducePool(s, e, T0 + i * 1000));
  const screen = poolView(s, context(120, 30, false)).join("\n");
  for (const bad of ["Workers -3", "Queue -5", "1e+308", "Queue 16", "scaled to -1000000000", "done in -5s", "-5s"]) {
    assert.ok(!screen.includes(bad), `${bad} is displayed`);
  }
  assert.match(screen, /Workers 3 {3}Queue 2/);
  assert.equal(screen.match(/unusable: /g)?.length, 6);
  assert.match(screen, /malformed 7$/);
});

Deno.test("poolView() shows a pool the server does not know, with no made-up numbers", () => {
  const s = createPoolState("pool_x");
  reducePool(s, decoded("get_pool_status", { pool_id: "pool_x", status: "not_found" }, "response"), T0);
  const lines = poolView(s, context(100, 16, false));
  assert.match(
    lines[1],
    /^Status not found {3}Workers \? {3}Queue \? {3}Last event never {3}Health ● pool not found on the server$/,
  );
  assert.ok(
    lines.some((l) => /^\d\d:\d\d:\d\d snapshot +pool pool_x not found on the server$/.test(l)),
    lines.join("\n"),
  );
  const colored = poolView(s, context(100, 16, true));
  assert.ok(colored[1].includes("\x1b[31m"), "not found is red");
});

Deno.test("poolView() says how many workers were evicted from a full table", () => {
  const s = createPoolState("p", { maxWorkers: 5 });
  for (let i = 0; i < 12; i++) reducePool(s, decoded("worker.added", { worker_id: `pod-${i}` }), T0 + i);
  const lines = poolView(s, context(120, 20, false));
  assert.ok(
    lines.some((l) => l.startsWith("─ Workers (5 · 7 evicted, table holds 5 (least recently seen go first)) ─")),
    lines.join("\n"),
  );
  assert.match(lines[lines.length - 1], /evicted 7$/);
  assert.ok(lines.some((l) => l.startsWith("pod-11 ")) && !lines.some((l) => l.startsWith("pod-6 ")));
});
