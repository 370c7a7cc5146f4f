import assert from "node:assert/strict";
import { decodeMessage } from "./decode.ts";
import { payloadTime } from "./timestamp.ts";
import type { Envelope } from "./envelope.ts";
import { type DomainEvent, MAX_TEXT } from "./events.ts";
import { ev, HOSTILE_TEXTS } from "./_test_envelope.ts";

const d = (event: string, data: Record<string, unknown>, type = "event") => decodeMessage(ev(event, data, type));

/** The event's own fields, without the common header. */
function body(e: DomainEvent): Record<string, unknown> {
  const { name: _n, id: _i, room: _r, stamp: _t, severity: _s, ...rest } = e;
  return rest;
}

Deno.test("decodeMessage() fills the common header", async (t) => {
  await t.step("name, id, room, zoned time, severity", () => {
    const e = decodeMessage({
      ...ev("worker.status_changed", { worker_id: "w", status: "error", timestamp: "2026-02-10T12:00:00Z" }),
      id: "id\x1b[2J1",
      room: "pool:\x1b]0;t\x07p",
    });
    assert.deepEqual([e.name, e.id, e.room, payloadTime(e), e.severity], [
      "worker.status_changed",
      "id1",
      "pool:p",
      Date.UTC(2026, 1, 10, 12),
      "error",
    ]);
  });
  await t.step("zone-less or garbled timestamps give no time", () => {
    for (const timestamp of ["2026-02-10T12:00:00", "soon", 12, "9999-99-99T00:00:00Z", null]) {
      assert.equal(payloadTime(d("pool.closed", { timestamp })), null, String(timestamp));
    }
    const noon = Date.UTC(2026, 1, 10, 12);
    for (
      const zoned of [
        "2026-02-10T13:00:00+01:00",
        "2026-02-10T07:00:00-0500",
        "2026-02-10T12:00:00z",
        "2026-02-10T14:00+02",
      ]
    ) {
      assert.equal(payloadTime(d("pool.closed", { timestamp: zoned })), noon, zoned);
    }
  });
  await t.step("a timestamp that cannot parse is not kept (nothing unbounded stays in a history)", () => {
    for (const timestamp of [{ big: "x".repeat(1000) }, ["2026-02-10T12:00:00Z"], "2".repeat(65), 12]) {
      assert.equal(d("pool.closed", { timestamp }).stamp, null);
    }
    assert.equal(d("pool.closed", { timestamp: "soon" }).stamp, "soon", "kept as sent; payloadTime() says null");
  });
  await t.step("an event name with control sequences is cleaned; an empty one shown as ?", () => {
    assert.equal(d("custom\x1b[31m.\x07x", {}).name, "custom.\ufffdx");
    assert.equal(d("\x1b[2J", {}).name, "?");
  });
  await t.step("severities follow the event", () => {
    assert.equal(d("pool.scaling", { event_type: "scale_down" }).severity, "warning");
    assert.equal(d("task.completed", { task_id: "t", result: { status: "failed" } }).severity, "error");
    assert.equal(d("worker.removed", { worker_id: "w" }).severity, "warning");
    assert.equal(d("pool.spawned", {}).severity, "info");
  });
});

Deno.test("decodeMessage() decodes every pool-channel event", async (t) => {
  const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
    ["pool.status_changed", { pool_id: "p", status: "running", worker_count: 4, queue_size: 7 }, {
      kind: "pool.status",
      poolId: "p",
      status: "running",
      workerCount: 4,
      queueSize: 7,
    }],
    ["pool.status_changed", { pool_id: "p", status: { state: "running", worker_count: 4, queue_size: 7 } }, {
      kind: "pool.status",
      poolId: "p",
      status: "running",
      workerCount: 4,
      queueSize: 7,
    }],
    ["pool.status_changed", { status: { worker_count: 4, queue_size: 7 }, state: "running" }, {
      kind: "pool.status",
      poolId: null,
      status: "running",
      workerCount: 4,
      queueSize: 7,
    }],
    ["pool.status_changed", { status: { workers: 3, status: "draining" } }, {
      kind: "pool.status",
      poolId: null,
      status: "draining",
      workerCount: 3,
      queueSize: null,
    }],
    ["pool.status_changed", { status: { state: "up", workers: [{ id: "w" }] } }, {
      kind: "pool.status",
      poolId: null,
      status: "up",
      workerCount: null,
      queueSize: null,
    }],
    ["pool.spawned", { pool_id: "p", config: { min: 1 } }, { kind: "pool.spawned", poolId: "p", config: '{"min":1}' }],
    ["pool.spawned", {}, { kind: "pool.spawned", poolId: null, config: null }],
    ["pool.scaled", { pool_id: "p", worker_count: 3 }, { kind: "pool.scaled", poolId: "p", workerCount: 3 }],
    ["pool.scaled", { new_count: "5" }, { kind: "pool.scaled", poolId: null, workerCount: 5 }],
    ["pool.scaled", { target: 0 }, { kind: "pool.scaled", poolId: null, workerCount: 0 }],
    ["pool.scaling", { event_type: "scale_up", target_count: 3 }, {
      kind: "pool.scaling",
      poolId: null,
      direction: "scale_up",
      target: 3,
    }],
    ["pool.scaling", { direction: "down" }, { kind: "pool.scaling", poolId: null, direction: "down", target: null }],
    ["pool.closed", { pool_id: 7 }, { kind: "pool.closed", poolId: "7" }],
    ["worker.added", { pool_id: "p", worker_id: "w1" }, { kind: "worker.added", poolId: "p", workerId: "w1" }],
    ["worker.removed", { worker_id: 12 }, { kind: "worker.removed", poolId: null, workerId: "12" }],
    ["worker.status_changed", { worker_id: "w", status: "busy", workflow_id: "wf" }, {
      kind: "worker.status",
      poolId: null,
      workflowId: "wf",
      workerId: "w",
      status: "busy",
    }],
    ["worker.status_changed", { worker_id: "w", status: { state: "offline" } }, {
      kind: "worker.status",
      poolId: null,
      workflowId: null,
      workerId: "w",
      status: "offline",
    }],
    ["task.assigned", { task_id: "t", worker_id: "w" }, {
      kind: "task.assigned",
      poolId: null,
      taskId: "t",
      workerId: "w",
    }],
    ["task.assigned", { pool_id: "p", worker_id: "w", task: { id: "t1" } }, {
      kind: "task.assigned",
      poolId: "p",
      taskId: "t1",
      workerId: "w",
    }],
    ["task.assigned", { task: { task_id: "t2" } }, {
      kind: "task.assigned",
      poolId: null,
      taskId: "t2",
      workerId: null,
    }],
    ["task.completed", { task_id: "t", worker_id: "w", duration: 1.5 }, {
      kind: "task.completed",
      poolId: null,
      taskId: "t",
      workerId: "w",
      durationSeconds: 1.5,
    }],
    ["task.completed", { pool_id: "p", worker_id: "w", result: { duration: "2" } }, {
      kind: "task.completed",
      poolId: "p",
      taskId: null,
      workerId: "w",
      durationSeconds: 2,
    }],
  ];
  for (const [name, data, want] of cases) {
    await t.step(`${name} ${JSON.stringify(data)}`, () => assert.deepEqual(body(d(name, data)), want));
  }
});

Deno.test("decodeMessage() decodes workflow events", async (t) => {
  await t.step("started, with the stage list in the payload or its metadata", () => {
    assert.deepEqual(
      body(d("workflow.started", { workflow_id: "wf", stages: ["a", { name: "b" }, { stage_name: "c" }, 7, {}] })),
      {
        kind: "workflow.started",
        workflowId: "wf",
        stageNames: ["a", "b", "c", "7"],
        totalStages: null,
        adapter: null,
        prompt: null,
      },
    );
    const e = d("workflow.started", {
      workflow_id: "wf",
      metadata: { stages: ["x"], total_stages: 4 },
      adapter: "llm",
      prompt: "go",
    });
    assert.deepEqual(
      [e.kind, "stageNames" in e && e.stageNames, "totalStages" in e && e.totalStages],
      ["workflow.started", ["x"], 4],
    );
    assert.ok(e.kind === "workflow.started" && e.adapter === "llm" && e.prompt === "go");
  });
  await t.step("an invalid stage total means total unknown, not an unusable start", () => {
    for (const total of [-3, 2.5, "0x10", 1e308, "many"]) {
      const e = d("workflow.started", { workflow_id: "wf", total_stages: total });
      assert.ok(e.kind === "workflow.started" && e.totalStages === null, String(total));
    }
  });
  await t.step("stage completed: name from stage_name or stage, duration from three places", () => {
    const cases: [Record<string, unknown>, string, number | null][] = [
      [{ stage_name: "a", result: { duration_ms: 20, ok: true } }, "a", 20],
      [{ stage: "b", duration_ms: "30" }, "b", 30],
      [{ stage_name: "c", duration: 1.5 }, "c", 1500],
      [{ stage_name: "d" }, "d", null],
    ];
    for (const [data, name, ms] of cases) {
      const e = d("workflow.stage_completed", { workflow_id: "wf", ...data });
      assert.ok(e.kind === "workflow.stage_completed", JSON.stringify(e));
      assert.deepEqual([e.stageName, e.durationMs], [name, ms]);
    }
    const e = d("workflow.stage_completed", { workflow_id: "wf", stage_name: "a", result: { files: 3, ok: true } });
    assert.ok(e.kind === "workflow.stage_completed" && e.result === "files=3 ok=true");
  });
  await t.step("completed and failed", () => {
    assert.deepEqual(body(d("workflow.completed", { workflow_id: "wf", result: { n: 1 } })), {
      kind: "workflow.completed",
      workflowId: "wf",
      result: "n=1",
    });
    assert.deepEqual(body(d("workflow.completed", { workflow_id: "wf" })), {
      kind: "workflow.completed",
      workflowId: "wf",
      result: "",
    });
    const errors: [unknown, string][] = [["boom", "boom"], [{ message: "bad" }, "bad"], [{ code: 3 }, "code=3"], [
      undefined,
      "",
    ]];
    for (const [error, text] of errors) {
      const e = d("workflow.failed", { workflow_id: "wf", error });
      assert.ok(e.kind === "workflow.failed" && e.error === text, JSON.stringify(e));
    }
  });
  await t.step("every workflow event needs its workflow id, unknown ones too", () => {
    for (const name of ["workflow.started", "workflow.completed", "workflow.paused"]) {
      const e = d(name, { stage_name: "a" });
      assert.ok(e.kind === "unusable" && e.reason === "no workflow_id", name);
    }
    const e = d("workflow.stage_completed", { workflow_id: "wf" });
    assert.ok(e.kind === "unusable" && e.reason === "no stage_name" && e.workflowId === "wf");
  });
});

Deno.test("decodeMessage() decodes Akosha events with old and new field names", async (t) => {
  await t.step("insight", () => {
    assert.deepEqual(body(d("insight.generated", { insight_id: "i", insight_type: "cost", title: "t" })), {
      kind: "insight",
      insightId: "i",
      insightType: "cost",
      title: "t",
      description: null,
    });
    const old = d("insight.generated", { type: "cost", description: "dd" });
    assert.ok(old.kind === "insight" && old.insightType === "cost" && old.description === "dd");
  });
  await t.step("pattern", () => {
    assert.deepEqual(body(d("pattern.detected", { pattern_type: "temporal", description: "d", confidence: 0.9 })), {
      kind: "pattern",
      patternId: null,
      patternType: "temporal",
      description: "d",
      confidence: 0.9,
    });
    const old = d("pattern.detected", { pattern: "temporal" });
    assert.ok(old.kind === "pattern" && old.patternType === "temporal" && old.confidence === null);
  });
  await t.step("anomaly", () => {
    const e = d("anomaly.detected", {
      anomaly_id: "a1",
      anomaly_type: "spike",
      severity: "HIGH",
      description: "queue spike",
      metrics: { q: 9 },
      timestamp: "2026-02-10T12:00:00Z",
    });
    assert.deepEqual(body(e), {
      kind: "anomaly",
      anomalyId: "a1",
      anomalyType: "spike",
      anomalySeverity: "high",
      description: "queue spike",
      details: 'anomaly_id=a1 anomaly_type=spike severity=HIGH description=queue spike metrics={"q":9}',
    });
    const odd = d("anomaly.detected", { severity: "apocalyptic" });
    assert.ok(odd.kind === "anomaly" && odd.anomalySeverity === null);
  });
  await t.step("aggregation", () => {
    assert.deepEqual(body(d("aggregation.completed", { aggregation_id: "g", record_count: 12 })), {
      kind: "aggregation",
      aggregationId: "g",
      aggregationType: null,
      recordCount: 12,
      details: "aggregation_id=g record_count=12",
    });
  });
});

Deno.test("decodeMessage() decodes the welcome, responses, errors and the rest", async (t) => {
  await t.step("session.created", () => {
    assert.deepEqual(body(d("session.created", { server: "mahavishnu", connection_id: "c1" })), {
      kind: "session.created",
      server: "mahavishnu",
      connectionId: "c1",
    });
  });
  await t.step("subscribe and unsubscribe answers", () => {
    const e = decodeMessage({
      ...ev("subscribe", { status: "subscribed", channel: "pool:p" }, "response"),
      correlation_id: "probe-1",
    });
    assert.deepEqual(body(e), {
      kind: "response",
      correlationId: "probe-1",
      answer: { request: "subscribe", status: "subscribed", channel: "pool:p" },
    });
    assert.equal(e.name, "subscribe");
    const u = d("unsubscribe", { status: "unsubscribed" }, "response");
    assert.ok(u.kind === "response" && u.answer.request === "unsubscribe" && u.answer.channel === null);
  });
  await t.step("get_pool_status, workers as a list or an id map", () => {
    const list = d("get_pool_status", {
      pool_id: "p",
      status: { state: "running", worker_count: 2, queue_size: 5 },
      workers: [{ worker_id: "a", status: "busy", current_task: "t9" }, { id: "b", current_task: { id: "t1" } }, 3],
    }, "response");
    assert.ok(list.kind === "response" && list.answer.request === "get_pool_status");
    assert.deepEqual(list.answer.pool, {
      poolId: "p",
      status: "running",
      workerCount: 2,
      queueSize: 5,
      workers: [{ id: "a", status: "busy", task: "t9" }, { id: "b", status: null, task: "t1" }],
    });
    const map = d("get_pool_status", { status: "not_found", workers: { a: { status: "idle" } } }, "response");
    assert.ok(map.kind === "response" && map.answer.request === "get_pool_status");
    assert.deepEqual([map.answer.pool.status, map.answer.pool.workers], ["not_found", [{
      id: "a",
      status: "idle",
      task: null,
    }]]);
  });
  await t.step("get_workflow_status", () => {
    const e = d("get_workflow_status", {
      workflow_id: "wf",
      status: "running",
      stages: ["a", "b"],
      total_stages: 10,
      started_at: "2026-02-10T12:00:00Z",
      completed_stages: ["z", { stage_name: "a", completed_at: "2026-02-10T12:00:01Z", duration_ms: 1000 }],
      current_stage: "b",
    }, "response");
    assert.ok(e.kind === "response" && e.answer.request === "get_workflow_status");
    assert.deepEqual(e.answer.workflow, {
      workflowId: "wf",
      status: "running",
      stageNames: ["a", "b"],
      totalStages: 10,
      startedAt: Date.UTC(2026, 1, 10, 12),
      completedStages: [
        { name: "z", completedAt: null, durationMs: null, result: "" },
        { name: "a", completedAt: Date.UTC(2026, 1, 10, 12, 0, 1), durationMs: 1000, result: "" },
      ],
      currentStage: "b",
      error: null,
      result: null,
    });
  });
  await t.step("Akosha answers and anything else", () => {
    const p = d("get_patterns", { category: "code", patterns: [], count: 0 }, "response");
    assert.ok(p.kind === "response");
    assert.deepEqual(p.answer, { request: "get_patterns", category: "code", count: 0 });
    const a = d("get_anomalies", { anomalies: [], count: "2" }, "response");
    assert.ok(a.kind === "response");
    assert.deepEqual(a.answer, { request: "get_anomalies", count: 2 });
    const auth = d("auth", { status: "authenticated" }, "response");
    assert.ok(auth.kind === "response");
    assert.deepEqual([auth.name, auth.answer], ["auth", { request: "other", status: "authenticated" }]);
  });
  await t.step("error envelopes", () => {
    const e = decodeMessage({
      ...ev("x", {}, "error"),
      event: null,
      error_code: "AUTH\x1b[2J_FAILED",
      error_message: "bad\x1b]0;owned\x07 token",
      correlation_id: "req-\x1b[31m1",
    });
    assert.deepEqual([e.name, e.severity, body(e)], ["error", "error", {
      kind: "error",
      code: "AUTH_FAILED",
      message: "bad token",
      correlationId: "req-1",
    }]);
  });
  await t.step("unknown event names: generic key=value details, without the timestamp", () => {
    const e = d("pool.rebalanced", { pool_id: "p", moved: 3, list: [1, 2], nothing: null, timestamp: "x" });
    assert.deepEqual(body(e), {
      kind: "unknown",
      poolId: "p",
      workflowId: null,
      details: "pool_id=p moved=3 list=[1,2] nothing=?",
    });
  });
  await t.step("messages without an event", () => {
    for (const type of ["ping", "pong", "ack", "request", "weird"]) {
      assert.deepEqual(body(d("x", {}, type)), { kind: "other", messageType: type });
    }
    assert.deepEqual(body(decodeMessage({ ...ev("x", {}), event: null })), { kind: "other", messageType: "event" });
  });
});

Deno.test("decodeMessage() makes payloads with a missing id unusable", async (t) => {
  const cases: [string, Record<string, unknown>, string][] = [
    ["worker.added", { worker_id: ["x"] }, "no worker_id"],
    ["worker.removed", {}, "no worker_id"],
    ["worker.status_changed", { status: "idle" }, "no worker_id"],
    ["worker.status_changed", { worker_id: "w" }, "no status"],
    ["worker.status_changed", { worker_id: "w", status: "\x1b[2J" }, "no status"],
    ["task.assigned", {}, "no task id or worker_id"],
    ["task.completed", { task: null }, "no task id or worker_id"],
    ["pool.status_changed", { pool_id: "p" }, "no status, worker_count or queue_size"],
    ["pool.status_changed", { status: [1] }, "no status, worker_count or queue_size"],
    ["pool.scaled", { pool_id: "p" }, "no worker_count"],
  ];
  for (const [name, data, reason] of cases) {
    await t.step(`${name} ${JSON.stringify(data)}`, () => {
      const e = d(name, data);
      assert.ok(e.kind === "unusable", JSON.stringify(e));
      assert.deepEqual([e.name, e.reason, e.poolId], [name, reason, typeof data.pool_id === "string" ? "p" : null]);
    });
  }
});

Deno.test("decodeMessage() checks every number", async (t) => {
  const count = "is not a whole number from 0 to";
  const cases: [string, Record<string, unknown>, string][] = [
    ["pool.status_changed", { worker_count: -3 }, `worker_count ${count} 1000000`],
    ["pool.status_changed", { worker_count: 1e308 }, `worker_count ${count} 1000000`],
    ["pool.status_changed", { worker_count: 1_000_001 }, `worker_count ${count} 1000000`],
    ["pool.status_changed", { worker_count: "NaN" }, `worker_count ${count} 1000000`],
    ["pool.status_changed", { worker_count: "Infinity" }, `worker_count ${count} 1000000`],
    ["pool.status_changed", { worker_count: "many", queue_size: 3 }, `worker_count ${count} 1000000`],
    ["pool.status_changed", { worker_count: true }, `worker_count ${count} 1000000`],
    ["pool.status_changed", { worker_count: "" }, `worker_count ${count} 1000000`],
    ["pool.status_changed", { queue_size: -5 }, `queue_size ${count} 1000000000`],
    ["pool.status_changed", { queue_size: "0x10" }, `queue_size ${count} 1000000000`],
    ["pool.status_changed", { queue_size: "0b11" }, `queue_size ${count} 1000000000`],
    ["pool.status_changed", { queue_size: "1e+308" }, `queue_size ${count} 1000000000`],
    ["pool.status_changed", { queue_size: 0.5 }, `queue_size ${count} 1000000000`],
    ["pool.status_changed", { status: { queue_size: 1e10 } }, `queue_size ${count} 1000000000`],
    ["pool.scaled", { worker_count: -1_000_000_000 }, `worker_count ${count} 1000000`],
    ["pool.scaled", { worker_count: "many" }, `worker_count ${count} 1000000`],
    ["pool.scaling", { target: -1 }, `target ${count} 1000000`],
    ["task.completed", { task_id: "t", duration: -5 }, "duration is not a duration from 0 to 31536000s"],
    ["task.completed", { task_id: "t", duration: "Infinity" }, "duration is not a duration from 0 to 31536000s"],
    ["task.completed", { task_id: "t", duration: 1e308 }, "duration is not a duration from 0 to 31536000s"],
    [
      "task.completed",
      { task_id: "t", result: { duration: "0x10" } },
      "duration is not a duration from 0 to 31536000s",
    ],
    [
      "workflow.stage_completed",
      { workflow_id: "wf", stage_name: "a", duration_ms: -1 },
      "duration_ms is not a duration from 0 to 31536000000ms",
    ],
    [
      "workflow.stage_completed",
      { workflow_id: "wf", stage_name: "a", result: { duration_ms: "NaN" } },
      "duration_ms is not a duration from 0 to 31536000000ms",
    ],
    [
      "workflow.stage_completed",
      { workflow_id: "wf", stage_name: "a", duration: -5 },
      "duration is not a duration from 0 to 31536000s",
    ],
    ["pattern.detected", { pattern_type: "x", confidence: 1.5 }, "confidence is not a number from 0 to 1"],
    ["pattern.detected", { pattern_type: "x", confidence: "0x1" }, "confidence is not a number from 0 to 1"],
    ["aggregation.completed", { record_count: -1 }, `record_count ${count} 1000000000`],
  ];
  for (const [name, data, reason] of cases) {
    await t.step(`${name} ${JSON.stringify(data)}`, () => {
      const e = d(name, data);
      assert.ok(e.kind === "unusable", JSON.stringify(e));
      assert.equal(e.reason, reason);
      assert.equal(e.name, name);
    });
  }
  await t.step("responses with bad numbers are unusable too, and say which pool", () => {
    const e = d("get_pool_status", { pool_id: "p", worker_count: -1 }, "response");
    assert.ok(e.kind === "unusable" && e.poolId === "p" && e.name === "get_pool_status", JSON.stringify(e));
    const w = d(
      "get_workflow_status",
      { workflow_id: "wf", completed_stages: [{ name: "a", duration_ms: -1 }] },
      "response",
    );
    assert.ok(w.kind === "unusable" && w.workflowId === "wf");
    assert.equal(d("get_anomalies", { count: -1 }, "response").kind, "unusable");
  });
  await t.step("plain decimals, zero and the bounds are accepted", () => {
    const e = d("pool.status_changed", { worker_count: " 1000000 ", queue_size: "0" });
    assert.ok(e.kind === "pool.status");
    assert.deepEqual([e.workerCount, e.queueSize], [1_000_000, 0]);
    const t2 = d("task.completed", { task_id: "t", duration: "0.25" });
    assert.ok(t2.kind === "task.completed" && t2.durationSeconds === 0.25);
    const z = d("task.completed", { task_id: "t", duration: 0 });
    assert.ok(z.kind === "task.completed" && z.durationSeconds === 0);
  });
});

Deno.test("decodeMessage() cleans every string and bounds its memory, never its meaning", async (t) => {
  const nasty = HOSTILE_TEXTS;
  const leaks = (e: DomainEvent) => {
    const text = JSON.stringify(e);
    // JSON escapes C0 controls as \u00XX: look for those, and for raw C1, bidi and zero-width characters.
    return /\\u00[01][0-9a-f]|\\u007f|[\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200b]/i.exec(text);
  };
  await t.step("in every field of every event", () => {
    for (const h of nasty) {
      const envelopes: Envelope[] = [
        ev("worker.status_changed", { worker_id: `w${h}`, status: `busy${h}`, pool_id: `p${h}` }),
        ev("task.assigned", { worker_id: `w${h}`, task: { id: `t${h}` } }),
        ev("task.completed", { worker_id: `w${h}`, task_id: `t${h}` }),
        ev("pool.status_changed", { status: `s${h}`, worker_count: 1 }),
        ev("pool.spawned", { config: { [h]: h } }),
        ev("pool.scaling", { event_type: `up${h}` }),
        ev(`custom${h}`, { [h]: h, nested: { [h]: [h] } }),
        ev("workflow.started", { workflow_id: `wf${h}`, stages: [h, `a${h}`], adapter: h, prompt: h }),
        ev("workflow.stage_completed", { workflow_id: "wf", stage_name: `s${h}`, result: { [h]: h } }),
        ev("workflow.completed", { workflow_id: "wf", result: h }),
        ev("workflow.failed", { workflow_id: "wf", error: { message: h } }),
        ev("insight.generated", { insight_type: h, title: h, description: h, insight_id: h }),
        ev("pattern.detected", { pattern_type: h, description: h, pattern_id: h }),
        ev("anomaly.detected", { anomaly_type: h, description: h, anomaly_id: h, severity: h }),
        ev("aggregation.completed", { aggregation_type: h, aggregation_id: h, summary: { [h]: h } }),
        ev("session.created", { server: h, connection_id: h }),
        ev("subscribe", { status: h, channel: h }, "response"),
        ev("get_pool_status", { status: h, workers: [{ worker_id: `w${h}`, status: h, current_task: h }] }, "response"),
        ev("get_workflow_status", {
          status: h,
          stages: [h],
          completed_stages: [{ name: `n${h}`, result: h }],
          current_stage: h,
          error: h,
          result: h,
        }, "response"),
        ev(h, {}, "response"),
        ev("x", {}, `type${h}`),
        { ...ev("x", {}, "error"), error_code: h, error_message: h },
        { ...ev("worker.added", { worker_id: `w${h}` }), id: h, room: h, correlation_id: h },
      ];
      for (const envelope of envelopes) {
        const e = decodeMessage(envelope);
        const leak = leaks(e);
        assert.equal(leak, null, `${JSON.stringify(h)} leaked through ${JSON.stringify(e)}`);
      }
    }
  });
  await t.step("visible text is kept", () => {
    const e = d("worker.added", { worker_id: "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\ bidi\u202eeerht" });
    assert.ok(e.kind === "worker.added");
    assert.equal(e.workerId, "click bidieerht");
  });
  await t.step("no width limit: a 10,000-character id stays whole up to the memory bound", () => {
    const long = d("worker.added", { worker_id: "w".repeat(3000) });
    assert.ok(long.kind === "worker.added" && long.workerId.length === 3000);
    const huge = d("worker.added", { worker_id: "w".repeat(10_000) });
    assert.ok(huge.kind === "worker.added");
    assert.equal(huge.workerId.length, MAX_TEXT);
    assert.ok(huge.workerId.endsWith("…"));
    const blob = d("x.y", { blob: "\x1b[1m".repeat(1_000_000) + "a".repeat(1_000_000) });
    assert.ok(blob.kind === "unknown" && blob.details.length <= MAX_TEXT, String(blob.kind));
  });
});

Deno.test("decodeMessage() never throws", () => {
  const weird: Envelope[] = [
    ev("pool.status_changed", { status: { worker_count: { valueOf: 3 } } }),
    ev("task.assigned", { task: [1, 2], worker_id: {} }),
    ev("workflow.started", { workflow_id: "wf", stages: "abc", metadata: [] }),
    ev("get_pool_status", { workers: "x" }, "response"),
    ev("get_workflow_status", { completed_stages: {} }, "response"),
    ev("anomaly.detected", { severity: 3 }),
    { ...ev("x", {}), data: Object.create(null) },
  ];
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  weird.push(ev("custom", { cyclic }));
  for (const envelope of weird) {
    const e = decodeMessage(envelope);
    assert.equal(typeof e.kind, "string");
  }
  for (const field of ["pool_id", "timestamp"]) {
    const data = Object.defineProperty({}, field, {
      enumerable: true,
      get() {
        throw new Error("boom\x1b[2J");
      },
    });
    const e = decodeMessage(ev("pool.closed", data));
    assert.ok(e.kind === "unusable", field);
    assert.equal(e.reason, "cannot be decoded (boom)");
  }
});

Deno.test("decodeMessage() cleans a repeated field every time it changes, and reuses it while it repeats", () => {
  const seen: unknown[] = [];
  for (const worker of ["w\x1b[2J1", "w\x1b[2J1", "w2", "w\x1b]0;t\x07 3", "w2"]) {
    const e = d("worker.status_changed", { worker_id: worker, status: "Busy\u202e" });
    assert.equal(e.kind, "worker.status");
    if (e.kind === "worker.status") seen.push([e.workerId, e.status]);
  }
  assert.deepEqual(seen, [["w1", "Busy"], ["w1", "Busy"], ["w2", "Busy"], ["w 3", "Busy"], ["w2", "Busy"]]);
});

Deno.test("decodeMessage() gives the flood's events, usable or not, the header every event gets", () => {
  const envelope = (event: string, data: Record<string, unknown>): Envelope => {
    data.timestamp = "2026-02-10T12:00:00+01:00";
    return { ...ev(event, data), id: "id\x1b[2J1", room: "pool:\x1b]0;t\x07p" };
  };
  const header = (e: DomainEvent) => [e.id, e.room, e.stamp, payloadTime(e)];
  // The generic path (an event name nobody knows) builds the header from the same envelope fields.
  const expected = header(decodeMessage(envelope("x.y", {})));
  assert.deepEqual(expected, ["id1", "pool:p", "2026-02-10T12:00:00+01:00", Date.UTC(2026, 1, 10, 11)]);
  const throwing = (field: string, data: Record<string, unknown>) =>
    Object.defineProperty(data, field, {
      enumerable: true,
      get() {
        throw new Error("boom");
      },
    });
  const cases: [string, Record<string, unknown>, string, string][] = [
    ["pool.status_changed", { status: { worker_count: 2, queue_size: "3" } }, "pool.status", "info"],
    ["pool.status_changed", { status: "failed" }, "pool.status", "error"],
    ["pool.status_changed", { pool_id: "p" }, "unusable", "info"],
    ["pool.status_changed", { status: { state: "degraded", worker_count: -1 } }, "unusable", "warning"],
    ["worker.status_changed", { worker_id: "w", status: { state: "offline" } }, "worker.status", "warning"],
    ["worker.status_changed", { worker_id: "w" }, "unusable", "info"],
    ["worker.status_changed", { status: "error" }, "unusable", "error"],
    ["task.assigned", { task: { id: "t" } }, "task.assigned", "info"],
    ["task.assigned", { task: {} }, "unusable", "info"],
    ["task.completed", { worker_id: "w", result: { duration: 2, status: "failed" } }, "task.completed", "error"],
    ["task.completed", { task_id: "t", duration: -1 }, "unusable", "info"],
    ["task.completed", throwing("worker_id", { task_id: "t" }), "unusable", "warning"],
    ["pool.status_changed", throwing("queue_size", { status: "idle" }), "unusable", "warning"],
  ];
  for (const [name, data, kind, severity] of cases) {
    const what = `${name} ${Object.keys(data).join(",")} -> ${kind}`;
    const e = decodeMessage(envelope(name, data));
    assert.deepEqual([e.name, e.kind, e.severity], [name, kind, severity], what);
    assert.deepEqual(header(e), expected, what);
    if (e.kind === "unusable") assert.ok(e.reason.length > 0, what);
  }
  // A field the header itself reads (the status, for the severity) throwing: no header at all, as ever.
  const e = decodeMessage(envelope("worker.status_changed", throwing("status", { worker_id: "w" })));
  assert.deepEqual([e.name, e.kind, e.severity, ...header(e)], ["?", "unusable", "warning", null, null, null, null]);
});

Deno.test("decodeMessage() details: keys cleaned every time they come, numbers as written, bounded", () => {
  const key = "k\x1b]0;title\x07ey";
  for (let i = 0; i < 3; i++) {
    const e = d("x.custom", { [key]: i, ok: true, ratio: 0.5 });
    assert.ok(e.kind === "unknown");
    assert.equal(e.details, `key=${i} ok=true ratio=0.5`, "a key seen before is cleaned the same");
  }
  // More distinct keys than are remembered, hostile ones among them, then the first again.
  for (let i = 0; i < 600; i++) {
    const e = d("x.custom", { [`\x1b[2Jk${i}`]: `v\x07${i}` });
    assert.ok(e.kind === "unknown" && e.details === `k${i}=v\ufffd${i}`, JSON.stringify(e));
  }
  assert.equal((d("x.custom", { [key]: 1 }) as { details: string }).details, "key=1");
  const many = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`key${i}`, "v".repeat(20)]));
  const long = d("x.custom", many);
  assert.ok(long.kind === "unknown" && long.details.length <= MAX_TEXT && long.details.endsWith("…"));
  const stage = d("workflow.stage_completed", { workflow_id: "wf", stage_name: "s", result: { [key]: "\u202eok" } });
  assert.ok(stage.kind === "workflow.stage_completed" && stage.result === "key=ok");
});
