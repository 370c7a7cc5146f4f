import assert from "node:assert/strict";
import { ev } from "../protocol/_test_envelope.ts";
import { pageSnapshot } from "./snapshot.ts";
import { ServiceStats } from "./service_stats.ts";
import { testModel } from "./_test_model.ts";

const HOSTILE = "<img src=x onerror=alert(1)>";

function model() {
  const { model: m, update } = testModel("pool_a");
  update("pool", ev("worker.status_changed", { pool_id: "pool_a", worker_id: HOSTILE, status: "busy" }), 1);
  for (let i = 0; i < 30; i++) {
    update("pool", ev("worker.added", { pool_id: "pool_a", worker_id: `w${i}` }), 2 + i);
  }
  update("mahavishnu", ev("workflow.started", { workflow_id: "wf1", stages: ["a", "b", "c"] }), 100);
  update("mahavishnu", ev("workflow.stage_completed", { workflow_id: "wf1", stage_name: "a" }), 200);
  return m;
}

Deno.test("pageSnapshot() keeps server strings as data and survives JSON", () => {
  const stats = new ServiceStats([{ name: "pool", url: "ws://127.0.0.1:1" }]);
  const snap = pageSnapshot({ view: "dashboard" }, model(), stats.services, 1000);
  const back = JSON.parse(JSON.stringify(snap));
  const workers = back.pool.workers as { id: string; status: string }[];
  assert.equal(workers[0].id, HOSTILE); // busy sorts first; the page inserts it as text
  assert.equal(back.pool.counts.busy, 1);
  assert.equal(back.workflows.recent[0].id, "wf1");
  assert.deepEqual([back.workflows.recent[0].done, back.workflows.recent[0].total], [1, 3]);
  assert.equal(back.services[0].state, "connecting");
  assert.ok(!JSON.stringify(back).includes("token"));
});

Deno.test("pageSnapshot() bounds lists and says how many are not sent", () => {
  const snap = pageSnapshot({ view: "dashboard" }, model(), [], 1000, { maxWorkers: 10, maxHistory: 5 }) as {
    pool: { workers: unknown[]; workersTotal: number; history: { entries: unknown[]; total: number } };
  };
  assert.equal(snap.pool.workers.length, 10);
  assert.equal(snap.pool.workersTotal, 31);
  assert.equal(snap.pool.history.entries.length, 5);
  assert.equal(snap.pool.history.total, 31);
});

Deno.test("pageSnapshot() pool and workflow pages", async (t) => {
  const m = model();
  await t.step("the followed pool", () => {
    const snap = pageSnapshot({ view: "pool", id: "pool_a" }, m, [], 1000) as { pool: { workers: unknown[] } };
    assert.equal(snap.pool.workers.length, 31);
  });
  await t.step("another pool says which one is followed", () => {
    assert.deepEqual(pageSnapshot({ view: "pool", id: "other" }, m, [], 1000).followed, "pool_a");
  });
  await t.step("a workflow's stage timeline", () => {
    const snap = pageSnapshot({ view: "workflow", id: "wf1" }, m, [], 1000) as {
      workflow: { stages: { name: string }[]; currentStage: string; progress: { done: number; total: number } };
    };
    assert.deepEqual(snap.workflow.stages.map((s) => s.name), ["a"]);
    assert.equal(snap.workflow.currentStage, "b");
    assert.deepEqual([snap.workflow.progress.done, snap.workflow.progress.total], [1, 3]);
  });
  await t.step("an unknown workflow lists the known ones", () => {
    assert.deepEqual(pageSnapshot({ view: "workflow", id: "nope" }, m, [], 1000).known, ["wf1"]);
  });
});

Deno.test("webDashboard() keeps at most maxWorkflowDetails workflow states", () => {
  const { model: m, update } = testModel("p", { maxWorkflowDetails: 5 });
  for (let i = 0; i < 50; i++) update("mahavishnu", ev("workflow.started", { workflow_id: `wf${i}` }), i);
  assert.deepEqual([...m.workflowDetails.keys()], ["wf45", "wf46", "wf47", "wf48", "wf49"]);
  assert.equal(m.workflows.started, 50);
});
