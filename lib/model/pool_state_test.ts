import assert from "node:assert/strict";
import { createPoolState, poolHealth, type PoolState, readPoolStatus, reducePool } from "./pool_state.ts";
import type { Envelope } from "../protocol/envelope.ts";
import { ev } from "../protocol/_test_envelope.ts";

function apply(state: PoolState, ...messages: Envelope[]): PoolState {
  let s = state;
  messages.forEach((m, i) => s = reducePool(s, m, 1000 + i));
  return s;
}

Deno.test("reducePool() shows the same numbers for every pool.status_changed shape", async (t) => {
  const shapes = {
    flat: { pool_id: "p", status: "running", worker_count: 4, queue_size: 7 },
    nested: { pool_id: "p", status: { state: "running", worker_count: 4, queue_size: 7 } },
    nestedNoState: { pool_id: "p", status: { worker_count: 4, queue_size: 7 }, state: "running" },
  };
  for (const [name, data] of Object.entries(shapes)) {
    await t.step(name, () => {
      const s = apply(createPoolState("p"), ev("pool.status_changed", data));
      assert.deepEqual([s.status, s.workerCount, s.queueSize], ["running", 4, 7]);
      assert.equal(s.history.fromNewest(0)?.text, "running · 4 workers · queue 7");
    });
  }
  await t.step("{state} only", () => {
    assert.deepEqual(readPoolStatus({ status: { state: "draining" } }), {
      status: "draining",
      workerCount: undefined,
      queueSize: undefined,
    });
  });
});

Deno.test("reducePool() handles every pool-channel event", async (t) => {
  await t.step("workers come, work, fail, go", () => {
    const s = apply(
      createPoolState("p"),
      ev("pool.spawned", { pool_id: "p", config: { min: 1 } }),
      ev("worker.added", { pool_id: "p", worker_id: "w1" }),
      ev("worker.added", { pool_id: "p", worker_id: "w2" }),
      ev("task.assigned", { pool_id: "p", worker_id: "w1", task: { id: "t1" } }),
      ev("task.assigned", { task_id: "t2", worker_id: "w2" }),
      ev("task.completed", { task_id: "t1", worker_id: "w1", duration: 1.5 }),
      ev("worker.status_changed", { worker_id: "w1", status: "idle", pool_id: "p" }),
      ev("worker.status_changed", { worker_id: "w2", status: "error", pool_id: "p" }),
      ev("pool.scaling", { pool_id: "p", event_type: "scale_up", target: 3 }),
      ev("pool.scaled", { pool_id: "p", worker_count: 3 }),
      ev("worker.removed", { pool_id: "p", worker_id: "w2" }),
    );
    assert.equal(s.status, "running");
    assert.deepEqual([...s.workers.keys()], ["w1"]);
    const w1 = s.workers.get("w1")!;
    assert.deepEqual([w1.status, w1.task, w1.completed, w1.since], ["idle", null, 1, 1006]);
    assert.equal(s.workerCount, 3);
    assert.deepEqual([s.tasksAssigned, s.tasksCompleted], [2, 1]);
    assert.deepEqual(
      s.history.newestFirst().map((e) => [e.event, e.severity, e.text]).reverse(),
      [
        ["pool.spawned", "info", 'spawned {"min":1}'],
        ["worker.added", "info", "w1"],
        ["worker.added", "info", "w2"],
        ["task.assigned", "info", "t1 → w1"],
        ["task.assigned", "info", "t2 → w2"],
        ["task.completed", "info", "t1 done by w1 in 1.5s"],
        ["worker.status_changed", "info", "w1 busy → idle"],
        ["worker.status_changed", "error", "w2 busy → error"],
        ["pool.scaling", "info", "scale_up → 3 workers"],
        ["pool.scaled", "info", "scaled to 3 workers"],
        ["worker.removed", "warning", "w2"],
      ],
    );
  });
  await t.step("pool.closed is an error", () => {
    const s = apply(createPoolState("p"), ev("pool.closed", { pool_id: "p" }));
    assert.equal(s.closed, true);
    assert.equal(poolHealth(s).level, "error");
  });
  await t.step("unknown events are shown generically", () => {
    const s = apply(createPoolState("p"), ev("pool.rebalanced", { pool_id: "p", moved: 3 }));
    assert.deepEqual(s.history.fromNewest(0), {
      at: 1000,
      event: "pool.rebalanced",
      severity: "info",
      text: "pool_id=p moved=3",
    });
  });
  await t.step("other pools are ignored", () => {
    const s = apply(createPoolState("p"), ev("worker.added", { pool_id: "other", worker_id: "w" }));
    assert.equal(s.workers.size, 0);
    assert.equal(s.history.size, 0);
  });
  await t.step("get_pool_status snapshot", () => {
    const s = apply(
      createPoolState("p"),
      ev("get_pool_status", {
        pool_id: "p",
        status: "running",
        worker_count: 2,
        queue_size: 5,
        workers: [{ worker_id: "a", status: "busy", current_task: "t9" }, { worker_id: "b", status: "idle" }],
      }, "response"),
    );
    assert.deepEqual([s.status, s.workerCount, s.queueSize, s.workers.get("a")?.task], ["running", 2, 5, "t9"]);
  });
});

Deno.test("reducePool() survives bad payloads and counts them", () => {
  const bad = [
    ev("worker.status_changed", { status: "idle" }),
    ev("worker.status_changed", { worker_id: "w", status: 7 }),
    ev("task.assigned", {}),
    ev("pool.status_changed", { pool_id: "p" }),
    ev("pool.scaled", { worker_count: "many" }),
    ev("worker.added", { worker_id: ["x"] }),
    ev("task.completed", { task: null }),
  ];
  const s = apply(createPoolState("p"), ...bad);
  assert.equal(s.unusable, 6);
  assert.equal(s.workers.get("w")?.status, "7");
  assert.ok(s.history.newestFirst().every((e) => !e.text.includes("\x1b")));
});

Deno.test("reducePool() sanitizes server text", () => {
  const s = apply(
    createPoolState("p"),
    ev("worker.status_changed", { worker_id: "w\x1b[2J\x1b]0;x\x07", status: "busy" }),
  );
  assert.equal(s.history.fromNewest(0)?.text, "w unknown → busy");
});

Deno.test("reducePool() keeps memory bounded", () => {
  const s = createPoolState("p", { historySize: 50, maxWorkers: 100 });
  for (let i = 0; i < 5000; i++) reducePool(s, ev("worker.added", { worker_id: `w${i}` }), i);
  assert.equal(s.workers.size, 100);
  assert.equal(s.workersDropped, 4900);
  assert.equal(s.history.size, 50);
});

Deno.test("poolHealth() colours by condition", () => {
  const base = () =>
    apply(createPoolState("p"), ev("worker.added", { worker_id: "a" }), ev("worker.added", { worker_id: "b" }));
  assert.equal(poolHealth(createPoolState("p")).level, "unknown");
  assert.deepEqual(poolHealth(base()), { level: "ok", reason: "healthy" });
  const offline = reducePool(base(), ev("worker.status_changed", { worker_id: "a", status: "offline" }), 5);
  assert.equal(poolHealth(offline).level, "warning");
  const growing = apply(base(), ...[1, 2, 3].map((q) => ev("pool.status_changed", { queue_size: q })));
  assert.deepEqual(poolHealth(growing), { level: "warning", reason: "queue growing" });
});
