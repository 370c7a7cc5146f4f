import assert from "node:assert/strict";
import { decoded } from "../protocol/_test_envelope.ts";
import type { DomainEvent } from "../protocol/events.ts";
import {
  createWorkflowState,
  reduceWorkflow,
  workflowExitCode,
  workflowProgress,
  type WorkflowState,
} from "./workflow_state.ts";

const T = Date.UTC(2026, 1, 10, 12, 0, 0);
const at = (s: number) => new Date(T + s * 1000).toISOString();

function apply(...messages: DomainEvent[]): WorkflowState {
  let s = createWorkflowState("wf");
  messages.forEach((m, i) => s = reduceWorkflow(s, m, T + 100_000 + i));
  return s;
}
const started = decoded("workflow.started", { workflow_id: "wf", timestamp: at(0), stages: ["a", "b", "c"] });
const stage = (name: string, s: number, extra: Record<string, unknown> = {}) =>
  decoded("workflow.stage_completed", {
    workflow_id: "wf",
    stage_name: name,
    timestamp: at(s),
    result: { ok: true },
    ...extra,
  });

Deno.test("reduceWorkflow() follows a workflow stage by stage", () => {
  const s = apply(started, stage("a", 2), stage("b", 5));
  assert.equal(s.status, "running");
  assert.deepEqual(s.stages.map((x) => [x.name, x.durationMs]), [["a", 2000], ["b", 3000]]);
  assert.equal(s.currentStage, "c");
  assert.deepEqual(workflowProgress(s, T + 6000), {
    done: 2,
    total: 3,
    totalNote: null,
    missing: 0,
    elapsedMs: 6000,
    leftMs: 2500,
  });
  assert.equal(workflowExitCode(s), null);
  const done = reduceWorkflow(
    s,
    decoded("workflow.completed", { workflow_id: "wf", result: { files: 3 }, timestamp: at(9) }),
    0,
  );
  assert.deepEqual([done.status, done.result, done.finishes, workflowExitCode(done)], ["completed", "files=3", 1, 0]);
});

Deno.test("reduceWorkflow() edge cases", async (t) => {
  await t.step("stages out of order or repeated", () => {
    const s = apply(started, stage("c", 3), stage("a", 4), stage("a", 5));
    assert.deepEqual(s.stages.map((x) => [x.name, x.attempts, x.durationsMs]), [["c", 1, [3000]], [
      "a",
      2,
      [1000, 1000],
    ]]);
    assert.equal(s.currentStage, "b");
    assert.equal(workflowProgress(s, T + 6000).done, 2);
    assert.match(s.history.fromNewest(0)!.text, /^a done in 1\.0s \(attempt 2, counted once\)$/);
  });
  await t.step("completion without any stage events", () => {
    const s = apply(started, decoded("workflow.completed", { workflow_id: "wf" }));
    assert.equal(s.status, "completed");
    assert.deepEqual(workflowProgress(s, T).done, 0);
    assert.equal(workflowExitCode(s), 0);
  });
  await t.step("failure mid-way", () => {
    const s = apply(started, stage("a", 1), decoded("workflow.failed", { workflow_id: "wf", error: "boom\x1b[2J" }));
    assert.deepEqual([s.status, s.error, workflowExitCode(s)], ["failed", "boom", 1]);
    assert.equal(s.history.fromNewest(0)?.severity, "error");
  });
  await t.step("unknown total", () => {
    const s = apply(decoded("workflow.started", { workflow_id: "wf", timestamp: at(0) }), stage("x", 1));
    assert.deepEqual(workflowProgress(s, T + 2000), {
      done: 1,
      total: null,
      totalNote: null,
      missing: 0,
      elapsedMs: 2000,
      leftMs: null,
    });
  });
  await t.step("missing and garbled timestamps fall back to receive time", () => {
    const s = apply(
      decoded("workflow.started", { workflow_id: "wf", timestamp: "soon" }),
      decoded("workflow.stage_completed", { workflow_id: "wf", stage_name: "a", timestamp: 12 }),
    );
    assert.equal(s.startedAt, T + 100_000);
    assert.deepEqual(s.stages.map((x) => [x.completedAt, x.durationMs]), [[T + 100_001, 1]]);
  });
  await t.step("other workflows are ignored; missing ids counted", () => {
    const s = apply(stage("a", 1, { workflow_id: "other" }), decoded("workflow.stage_completed", { stage_name: "a" }));
    assert.deepEqual([s.stages.length, s.unusable], [0, 1]);
  });
  await t.step("a snapshot alone is noted, not applied", () => {
    const s = apply(decoded("get_workflow_status", {
      workflow_id: "wf",
      status: "running",
      stages_completed: 0,
      total_stages: 10,
    }, "response"));
    assert.deepEqual([s.status, s.stages.length, s.totalStages, s.liveSeen], ["pending", 0, null, false]);
    assert.deepEqual(s.snapshot, { status: "running", stagesDone: 0, totalStages: 10, at: T + 100_000 });
    assert.equal(s.history.fromNewest(0)?.text, "server snapshot: running · 0/10 stages (not used: live events only)");
  });
  await t.step("a restart begins a new run", () => {
    const s = apply(started, stage("a", 1), decoded("workflow.failed", { workflow_id: "wf", error: "x" }), started);
    assert.deepEqual([s.status, s.stages.length, s.error], ["running", 0, null]);
  });
});

Deno.test("reduceWorkflow() counts a stage with a bad duration as unusable and shows no value", async (t) => {
  for (
    const extra of [{ duration_ms: -5000 }, { duration: -5 }, { result: { duration_ms: "0x10" } }, { duration: 1e308 }]
  ) {
    await t.step(JSON.stringify(extra), () => {
      const s = apply(started, stage("a", 2, extra));
      assert.deepEqual([s.unusable, s.stages.length], [1, 0]);
      const entry = s.history.fromNewest(0)!;
      assert.deepEqual([entry.event, entry.severity], ["workflow.stage_completed", "warning"]);
      assert.match(entry.text, /^unusable: (duration_ms|duration) is not a duration from 0 to \d+m?s$/);
    });
  }
  await t.step("an invalid stage total means total unknown", () => {
    for (const total of [-3, "0x10", 1e308]) {
      const s = apply(decoded("workflow.started", { workflow_id: "wf", total_stages: total }), stage("a", 1));
      assert.deepEqual([s.status, s.totalStages, s.unusable], ["running", null, 0]);
    }
  });
  await t.step("other workflows' bad payloads are not ours", () => {
    const s = apply(started, stage("a", 2, { workflow_id: "other", duration: -5 }));
    assert.equal(s.unusable, 0);
  });
});

const completed = decoded("workflow.completed", { workflow_id: "wf", timestamp: at(9) });
const failed = decoded("workflow.failed", { workflow_id: "wf", error: "boom", timestamp: at(9) });
const startedWith = (data: Record<string, unknown>) =>
  decoded("workflow.started", { workflow_id: "wf", timestamp: at(0), ...data });

Deno.test("workflowProgress() believes a total only when it can be true", async (t) => {
  await t.step("a total of 0 below the stages seen is unknown, not done/done", () => {
    const s = apply(startedWith({ total_stages: 0 }), stage("a", 1), stage("b", 2));
    const p = workflowProgress(s, T + 3000);
    assert.deepEqual([s.status, p.done, p.total, p.totalNote, p.leftMs], ["running", 2, null, "server said 0", null]);
  });
  await t.step("a total below the stages seen is unknown", () => {
    const s = apply(startedWith({ total_stages: 2 }), stage("a", 1), stage("b", 2), stage("c", 3));
    assert.deepEqual([workflowProgress(s, T).total, workflowProgress(s, T).totalNote], [null, "server said 2, 3 seen"]);
  });
  await t.step("a duplicated stage name counts once", () => {
    const s = apply(startedWith({ stages: ["a", "b", "a"] }), stage("a", 1), stage("b", 2));
    assert.deepEqual(s.stageNames, ["a", "b"]);
    assert.deepEqual([workflowProgress(s, T).done, workflowProgress(s, T).total, s.currentStage], [2, 2, null]);
  });
  await t.step("completion with stages missing says how many", () => {
    const s = apply(startedWith({ stages: ["a", "b", "c", "d", "e"] }), stage("a", 1), stage("b", 2), stage("c", 3));
    const p = workflowProgress(reduceWorkflow(s, completed, T + 200_000), T + 300_000);
    assert.deepEqual([p.done, p.total, p.missing, p.leftMs], [3, 5, 2, null]);
  });
  await t.step("an absurd total is unknown and gives no estimate", () => {
    const s = apply(startedWith({ total_stages: 1_000_000_000 }), stage("a", 1));
    const p = workflowProgress(s, T + 2000);
    assert.deepEqual([p.total, p.totalNote, p.leftMs], [null, "server said 1000000000", null]);
  });
  await t.step("an estimate beyond a week is unknown", () => {
    const s = apply(startedWith({ total_stages: 1000 }), stage("a", 1, { duration_ms: 3_600_000 }));
    assert.deepEqual([workflowProgress(s, T).total, workflowProgress(s, T).leftMs], [1000, null]);
    const quick = apply(startedWith({ total_stages: 1000 }), stage("a", 1));
    assert.equal(workflowProgress(quick, T).leftMs, 999_000);
  });
});

Deno.test("reduceWorkflow() keeps a terminal state and shows contradictions", async (t) => {
  await t.step("failed, then completed: stays failed, the contradiction is counted and shown", () => {
    const s = apply(startedWith({ stages: ["a", "b"] }), failed, completed);
    assert.deepEqual([s.status, s.error, s.finishes, s.contradictions, workflowExitCode(s)], [
      "failed",
      "boom",
      1,
      1,
      1,
    ]);
    assert.equal(s.contradiction, "the server later said completed (completed); kept failed");
    assert.deepEqual(
      [s.history.fromNewest(0)?.severity, s.history.fromNewest(0)?.text],
      ["warning", "contradiction: the server later said completed (completed); kept failed"],
    );
  });
  await t.step("completed twice rings once", () => {
    const s = apply(started, completed, completed);
    assert.deepEqual([s.status, s.finishes, s.contradictions], ["completed", 1, 0]);
  });
  await t.step("a stage after completion is kept and flagged", () => {
    const s = apply(started, completed, stage("a", 10));
    assert.deepEqual([s.status, s.stages.length, s.history.fromNewest(0)?.severity], ["completed", 1, "warning"]);
  });
  await t.step("a second start while running keeps the stages", () => {
    const s = apply(started, stage("a", 1), started);
    assert.deepEqual([s.status, s.stages.length, s.history.fromNewest(0)?.severity], ["running", 1, "warning"]);
  });
  await t.step("a placeholder snapshot after completion changes nothing", () => {
    const s = apply(
      startedWith({ stages: ["a", "b"] }),
      stage("a", 1),
      stage("b", 2),
      completed,
      decoded(
        "get_workflow_status",
        { workflow_id: "wf", status: "running", stages_completed: 0, total_stages: 10 },
        "response",
      ),
    );
    const p = workflowProgress(s, T);
    assert.deepEqual([s.status, p.done, p.total, s.finishedAt], ["completed", 2, 2, T + 9000]);
    assert.equal(s.snapshot?.status, "running");
  });
});

Deno.test("reduceWorkflow() replaces implausible event times by the receive time and counts them", async (t) => {
  const now = T + 100_000;
  for (const ts of ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", new Date(now + 10 * 60_000).toISOString()]) {
    await t.step(ts, () => {
      const s = createWorkflowState("wf", { startedAt: T });
      reduceWorkflow(s, decoded("workflow.started", { workflow_id: "wf", timestamp: ts }), now);
      reduceWorkflow(
        s,
        decoded("workflow.stage_completed", { workflow_id: "wf", stage_name: "a", timestamp: ts }),
        now + 500,
      );
      assert.deepEqual([s.startedAt, s.stages[0].completedAt, s.stages[0].durationMs, s.clockSkew], [
        now,
        now + 500,
        500,
        2,
      ]);
      assert.equal(workflowProgress(s, now + 1000).elapsedMs, 1000);
    });
  }
  await t.step("a start yesterday is plausible", () => {
    const s = createWorkflowState("wf", { startedAt: T });
    reduceWorkflow(s, decoded("workflow.started", { workflow_id: "wf", timestamp: at(-20 * 3600) }), T + 1000);
    assert.deepEqual([s.startedAt, s.clockSkew], [T - 20 * 3600_000, 0]);
  });
  await t.step("without startedAt the first receive time is the monitor's start", () => {
    const s = createWorkflowState("wf");
    reduceWorkflow(s, decoded("workflow.started", { workflow_id: "wf", timestamp: at(-25 * 3600) }), T);
    assert.deepEqual([s.origin, s.startedAt, s.clockSkew], [T, T, 1]);
  });
});

Deno.test("reduceWorkflow() replays an old recording from its own receive times, without clock skew", () => {
  const R = Date.UTC(2020, 0, 1, 9, 0, 0); // recorded years before the replay runs
  const ts = (s: number) => new Date(R + s * 1000).toISOString();
  const s = createWorkflowState("wf"); // no startedAt: the first receive time is the monitor's start
  reduceWorkflow(s, decoded("workflow.started", { workflow_id: "wf", timestamp: ts(0), total_stages: 2 }), R + 50);
  reduceWorkflow(
    s,
    decoded("workflow.stage_completed", { workflow_id: "wf", stage_name: "a", timestamp: ts(4) }),
    R + 4050,
  );
  reduceWorkflow(s, decoded("workflow.completed", { workflow_id: "wf", timestamp: ts(9) }), R + 9050);
  assert.deepEqual([s.clockSkew, s.startedAt, s.finishedAt], [0, R, R + 9000]);
  assert.equal(workflowProgress(s, R + 9050).elapsedMs, 9000);
});

Deno.test("reduceWorkflow() keeps at most MAX_STAGES stages whatever the server sends", () => {
  const events = [started, ...Array.from({ length: 5000 }, (_, i) => stage(`s${i}`, 1))];
  const s = apply(...events);
  assert.equal(s.stages.length, 1000, "the stage list is bounded");
});
