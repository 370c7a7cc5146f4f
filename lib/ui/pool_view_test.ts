import assert from "node:assert/strict";
import { createPoolState, type PoolState, reducePool } from "../model/pool_state.ts";
import { decoded } from "../protocol/_test_envelope.ts";
import { poolView } from "./pool_view.ts";
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
    "Status running   Workers 3   Queue 2   Last event 5.0s ago   Health ● 1 worker(…",
    "Tasks assigned 1  completed 0   idle 1  busy 1  error 1  offline 0",
    "─ Workers (3) ──────────────────────────────────────────────────────────────────",
    "WORKER STATUS   TASK                                     IN STATE DONE",
    "w10    error    -                                        5.0s     0",
    "w1     idle     -                                        9.0s     0",
    "w2     busy     task_7                                   6.0s     0",
    "─ Recent events (6) ────────────────────────────────────────────────────────────",
    "12:00:05 worker.status_changed    w10 idle → error",
    "12:00:04 task.assigned            task_7 → w2",
    "12:00:03 worker.added             w10",
    "12:00:02 worker.added             w2",
    "12:00:01 worker.added             w1",
    "12:00:00 pool.status_changed      running · 3 workers · queue 2",
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
