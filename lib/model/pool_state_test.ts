// deno-lint-ignore-file no-control-regex
import assert from "node:assert/strict";
import { createPoolState, poolHealth, type PoolState, reducePool } from "./pool_state.ts";
import type { DomainEvent } from "../protocol/events.ts";
import { decodeMessage } from "../protocol/decode.ts";
import { decoded, ev, HOSTILE_TEXTS } from "../protocol/_test_envelope.ts";

function apply(state: PoolState, ...messages: DomainEvent[]): PoolState {
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
      const s = apply(createPoolState("p"), decoded("pool.status_changed", data));
      assert.deepEqual([s.status, s.workerCount, s.queueSize], ["running", 4, 7]);
      assert.equal(s.history.fromNewest(0)?.text, "running · 4 workers · queue 7");
    });
  }
  await t.step("{state} only", () => {
    const s = apply(createPoolState("p"), decoded("pool.status_changed", { status: { state: "draining" } }));
    assert.deepEqual([s.status, s.workerCount, s.queueSize, s.unusable], ["draining", null, null, 0]);
  });
});

Deno.test("reducePool() handles every pool-channel event", async (t) => {
  await t.step("workers come, work, fail, go", () => {
    const s = apply(
      createPoolState("p"),
      decoded("pool.spawned", { pool_id: "p", config: { min: 1 } }),
      decoded("worker.added", { pool_id: "p", worker_id: "w1" }),
      decoded("worker.added", { pool_id: "p", worker_id: "w2" }),
      decoded("task.assigned", { pool_id: "p", worker_id: "w1", task: { id: "t1" } }),
      decoded("task.assigned", { task_id: "t2", worker_id: "w2" }),
      decoded("task.completed", { task_id: "t1", worker_id: "w1", duration: 1.5 }),
      decoded("worker.status_changed", { worker_id: "w1", status: "idle", pool_id: "p" }),
      decoded("worker.status_changed", { worker_id: "w2", status: "error", pool_id: "p" }),
      decoded("pool.scaling", { pool_id: "p", event_type: "scale_up", target: 3 }),
      decoded("pool.scaled", { pool_id: "p", worker_count: 3 }),
      decoded("worker.removed", { pool_id: "p", worker_id: "w2" }),
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
    const s = apply(createPoolState("p"), decoded("pool.closed", { pool_id: "p" }));
    assert.equal(s.closed, true);
    assert.equal(poolHealth(s).level, "error");
  });
  await t.step("unknown events are shown generically", () => {
    const s = apply(createPoolState("p"), decoded("pool.rebalanced", { pool_id: "p", moved: 3 }));
    assert.deepEqual(s.history.fromNewest(0), {
      at: 1000,
      event: "pool.rebalanced",
      severity: "info",
      text: "pool_id=p moved=3",
    });
  });
  await t.step("other pools are ignored", () => {
    const s = apply(createPoolState("p"), decoded("worker.added", { pool_id: "other", worker_id: "w" }));
    assert.equal(s.workers.size, 0);
    assert.equal(s.history.size, 0);
  });
  await t.step("get_pool_status snapshot", () => {
    const s = apply(
      createPoolState("p"),
      decoded("get_pool_status", {
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
    decoded("worker.status_changed", { status: "idle" }),
    decoded("worker.status_changed", { worker_id: "w", status: 7 }),
    decoded("task.assigned", {}),
    decoded("pool.status_changed", { pool_id: "p" }),
    decoded("pool.scaled", { worker_count: "many" }),
    decoded("worker.added", { worker_id: ["x"] }),
    decoded("task.completed", { task: null }),
  ];
  const s = apply(createPoolState("p"), ...bad);
  assert.equal(s.unusable, 6);
  assert.equal(s.workers.get("w")?.status, "7");
});

Deno.test("reducePool() keeps ESC, CSI, OSC and other controls out of state and history", () => {
  const events = HOSTILE_TEXTS.flatMap((h, i) => [
    decoded("worker.status_changed", { worker_id: `w${i}${h}`, status: `busy${h}` }),
    decoded("task.assigned", { worker_id: `w${i}${h}`, task: { id: `t${h}` } }),
    decoded("task.completed", { worker_id: `w${i}${h}`, task_id: `t${h}` }),
    decoded("pool.status_changed", { status: `run${h}`, worker_count: 2 }),
    decoded("pool.scaling", { event_type: `up${h}`, target: 3 }),
    decoded("pool.spawned", { config: { [h]: h } }),
    decoded(`custom${h}`, { [h]: h }),
    decoded("worker.added", { worker_id: ["x"] }),
    decoded(
      "get_pool_status",
      { status: h, workers: [{ worker_id: `s${h}`, status: h, current_task: h }] },
      "response",
    ),
    decodeMessage({ ...ev("x", {}, "error"), error_code: `E${h}`, error_message: `m${h}` }),
    decoded("session.created", { server: `srv${h}` }),
  ]);
  const s = apply(createPoolState("p"), ...events);
  assert.ok(s.history.size >= events.length - 1, "every event left a line");
  const texts = [
    ...s.history.newestFirst().flatMap((e) => [e.event, e.text]),
    ...[...s.workers.values()].flatMap((w) => [w.id, w.status, w.task ?? ""]),
    s.status,
  ];
  for (const t of texts) assert.doesNotMatch(t, /[\x00-\x1f\x7f-\x9f]/, JSON.stringify(t));
  assert.ok(texts.some((t) => t.includes("click")), "the visible text is kept");
});

Deno.test("reducePool() sanitizes server text", () => {
  const s = apply(
    createPoolState("p"),
    decoded("worker.status_changed", { worker_id: "w\x1b[2J\x1b]0;x\x07", status: "busy" }),
  );
  assert.equal(s.history.fromNewest(0)?.text, "w unknown → busy");
});

Deno.test("reducePool() keeps memory bounded", () => {
  const s = createPoolState("p", { historySize: 50, maxWorkers: 100 });
  for (let i = 0; i < 5000; i++) reducePool(s, decoded("worker.added", { worker_id: `w${i}` }), i);
  assert.equal(s.workers.size, 100);
  assert.equal(s.workersEvicted, 4900);
  assert.ok(s.workers.has("w4999") && !s.workers.has("w4899"), "the newest are kept");
  assert.equal(s.history.size, 50);
});

Deno.test("reducePool() evicts the least recently seen workers, offline and idle ones first", async (t) => {
  const status = (id: string, st: string) => decoded("worker.status_changed", { worker_id: id, status: st });
  await t.step("offline, then idle, then the oldest", () => {
    const s = apply(
      createPoolState("p", { maxWorkers: 3 }),
      status("busy1", "busy"),
      status("idle1", "idle"),
      status("off1", "offline"),
    );
    reducePool(s, status("n1", "busy"), 10);
    assert.deepEqual(
      [...s.workers.keys()].sort(),
      ["busy1", "idle1", "n1"],
    );
    reducePool(s, status("n2", "busy"), 11);
    assert.deepEqual([...s.workers.keys()].sort(), ["busy1", "n1", "n2"]);
    reducePool(s, status("n3", "busy"), 12);
    assert.deepEqual([...s.workers.keys()].sort(), ["n1", "n2", "n3"]);
    assert.equal(s.workersEvicted, 3);
    const warnings = s.history.newestFirst().filter((e) => e.event === "monitor");
    assert.deepEqual(warnings.map((e) => e.text), [
      "worker table full (3): evicting the least recently seen workers",
    ]);
  });
  await t.step("a worker seen again is recent again", () => {
    const s = apply(createPoolState("p", { maxWorkers: 2 }), status("a", "busy"), status("b", "busy"));
    reducePool(s, decoded("task.completed", { task_id: "t", worker_id: "a" }), 10);
    reducePool(s, status("c", "busy"), 11);
    assert.deepEqual([...s.workers.keys()].sort(), ["a", "c"]);
  });
  await t.step("100,000 churning pod names: new workers appear, health follows them, memory stays bounded", () => {
    const s = createPoolState("p", { historySize: 100 });
    // One new pod every 100 ms; the first half failed and were never heard of again.
    for (let i = 0; i < 100_000; i++) {
      reducePool(s, status(`pod-${i}`, i < 50_000 ? "error" : "busy"), i * 100);
    }
    assert.equal(s.workers.size, 10_000);
    assert.equal(s.workersEvicted, 90_000);
    assert.ok(s.workers.has("pod-99999"));
    assert.deepEqual(poolHealth(s), { level: "ok", reason: "healthy" }, "the old error workers are gone");
  });
});

Deno.test("reducePool() shows a not_found snapshot as such and never makes up numbers", async (t) => {
  const snapshot = (data: Record<string, unknown>) => decoded("get_pool_status", { pool_id: "p", ...data }, "response");
  await t.step("not found", () => {
    const s = apply(createPoolState("p"), snapshot({ status: "not_found" }));
    assert.deepEqual([s.notFound, s.status, s.workerCount, s.queueSize], [true, "not found", null, null]);
    assert.deepEqual(poolHealth(s), { level: "error", reason: "pool not found on the server" });
    const line = s.history.fromNewest(0)!;
    assert.deepEqual([line.event, line.severity, line.text], ["snapshot", "warning", "pool p not found on the server"]);
  });
  await t.step("a live event afterwards: the pool exists", () => {
    const s = apply(
      createPoolState("p"),
      snapshot({ status: "not_found" }),
      decoded("pool.scaled", { pool_id: "p", worker_count: 2 }),
    );
    assert.deepEqual([s.notFound, s.status, s.workerCount], [false, "unknown", 2]);
  });
  await t.step("a known pool without counts keeps the live queue and counts its listed workers", () => {
    const s = apply(
      createPoolState("p"),
      decoded("pool.status_changed", { pool_id: "p", worker_count: 9, queue_size: 4 }),
      snapshot({ status: "running", workers: [{ worker_id: "w1", status: "idle" }] }),
    );
    assert.deepEqual([s.status, s.workerCount, s.queueSize, s.workers.size], ["running", null, 4, 1]);
    assert.equal(s.history.fromNewest(0)?.text, "status running · 1 workers listed");
  });
  await t.step("a bare snapshot says only what it has", () => {
    const s = apply(createPoolState("p"), snapshot({ status: "running" }));
    assert.deepEqual([s.workerCount, s.queueSize], [null, null]);
    assert.equal(s.history.fromNewest(0)?.text, "status running");
  });
});

Deno.test("poolHealth() colours by condition", () => {
  const base = () =>
    apply(
      createPoolState("p"),
      decoded("worker.added", { worker_id: "a" }),
      decoded("worker.added", { worker_id: "b" }),
    );
  assert.equal(poolHealth(createPoolState("p")).level, "unknown");
  assert.deepEqual(poolHealth(base()), { level: "ok", reason: "healthy" });
  const offline = reducePool(base(), decoded("worker.status_changed", { worker_id: "a", status: "offline" }), 5);
  assert.equal(poolHealth(offline).level, "warning");
  const growing = apply(base(), ...[1, 2, 3].map((q) => decoded("pool.status_changed", { queue_size: q })));
  assert.deepEqual(poolHealth(growing), { level: "warning", reason: "queue growing" });
});

Deno.test("reducePool() never shows a number that breaks the rules: the payload is unusable", async (t) => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["pool.status_changed", { worker_count: -3 }, /Workers -3|-3 workers/],
    ["pool.status_changed", { status: { queue_size: -5 } }, /queue -5/],
    ["pool.status_changed", { worker_count: 1e308 }, /1e\+308/],
    ["pool.status_changed", { queue_size: "0x10" }, /queue 16/],
    ["pool.status_changed", { queue_size: "Infinity" }, /Infinity/],
    ["pool.status_changed", { queue_size: 2.5 }, /queue 2\.5/],
    ["pool.status_changed", { worker_count: "NaN" }, /NaN/],
    ["pool.scaled", { worker_count: -1_000_000_000 }, /scaled to -1000000000/],
    ["pool.scaling", { event_type: "down", target: -2 }, /-2 workers/],
    ["task.completed", { task_id: "t", duration: -5 }, /in -5s/],
    ["task.completed", { task_id: "t", result: { duration: "1e400" } }, /Infinity|1e400/],
  ];
  for (const [name, data, shown] of cases) {
    await t.step(`${name} ${JSON.stringify(data)}`, () => {
      const s = apply(createPoolState("p"), decoded(name, data));
      assert.equal(s.unusable, 1);
      const entry = s.history.fromNewest(0)!;
      assert.equal(entry.severity, "warning");
      assert.match(entry.text, /^unusable: \w+(\.\w+)? is not a (whole number|duration) from 0 to \d+/);
      assert.doesNotMatch(entry.text, shown);
      assert.deepEqual([s.workerCount, s.queueSize, s.tasksCompleted], [null, null, 0]);
    });
  }
  await t.step("a decimal string is a number", () => {
    const s = apply(createPoolState("p"), decoded("pool.status_changed", { worker_count: "12", queue_size: " 3 " }));
    assert.deepEqual([s.workerCount, s.queueSize, s.unusable], [12, 3, 0]);
  });
  await t.step("the bounds themselves are fine", () => {
    const s = apply(createPoolState("p"), decoded("pool.status_changed", { worker_count: 1e6, queue_size: 1e9 }));
    assert.deepEqual([s.workerCount, s.queueSize, s.unusable], [1e6, 1e9, 0]);
    const over = apply(createPoolState("p"), decoded("pool.status_changed", { worker_count: 1e6 + 1 }));
    assert.equal(over.unusable, 1);
  });
});
