import assert from "node:assert/strict";
import { decoded } from "../protocol/_test_envelope.ts";
import { createStyle } from "./style.ts";
import { displayWidth } from "./text.ts";
import type { ViewContext } from "./view_parts.ts";
import { createWorkflowState, reduceWorkflow } from "../model/workflow_state.ts";
import { metadataLines, progressBar, stageLines, workflowView } from "./workflow_view.ts";

const T = new Date(2026, 10, 28, 12, 0, 0).getTime();

function ctx(columns: number, rows: number, color = false): ViewContext {
  return {
    now: T + 7000,
    columns,
    rows,
    style: createStyle(color),
    sources: [{
      name: "workflow",
      status: { state: "connected", url: "ws://h:1", attempt: 0, retryAt: null, reason: null, since: T },
      messages: 3,
      malformed: 0,
      reconnects: 0,
    }],
    filter: "",
    scroll: 0,
    tableScroll: 0,
    startedAt: T,
  };
}

Deno.test("progressBar() with and without a known total", () => {
  const plain = createStyle(false);
  const p = (done: number, total: number | null, missing = 0, totalNote: string | null = null) => ({
    done,
    total,
    missing,
    totalNote,
  });
  assert.equal(progressBar(p(2, 4), 30, plain), "[██████░░░░░░░] 2/4 stages 50%");
  assert.equal(progressBar(p(3, null), 30, plain), "3 stages done (total unknown)");
  assert.equal(progressBar(p(2, null, 0, "server said 0"), 30, plain), "2 stages done (total unknown: server said 0)");
  assert.equal(progressBar(p(2, 3), 30, plain), "[████████░░░░░] 2/3 stages 66%", "never rounded up to 100%");
  assert.equal(progressBar(p(5, 5), 30, plain, "completed"), "[████████████] 5/5 stages 100%");
  assert.equal(
    progressBar(p(3, 5, 2), 60, plain, "completed"),
    "[████████████████░░░░░░░░░░░░] completed, 3 of 5 stages seen",
  );
  assert.equal(progressBar(p(3, null), 30, plain, "completed"), "completed, 3 stages seen (total unknown)");
});

Deno.test("workflowView() exact lines while running, and the failure notice", async (t) => {
  let s = createWorkflowState("wf_1");
  const metadata = { prompt: "Fix the build", adapter: "llamaindex" };
  s = reduceWorkflow(
    s,
    decoded("workflow.started", { workflow_id: "wf_1", stages: ["plan", "build", "test"], ...metadata }),
    T,
  );
  s = reduceWorkflow(
    s,
    decoded("workflow.stage_completed", { workflow_id: "wf_1", stage_name: "plan", result: { n: 1 } }),
    T + 2000,
  );
  await t.step("running", () => {
    assert.deepEqual(workflowView(s, ctx(60, 14)), [
      "Mahavishnu Workflow Monitor  wf_… ● connected  msgs 3  up 7s",
      'Prompt "Fix the build"   Adapter llamaindex',
      "Stages plan → build → test",
      "Status  RUNNING    Current stage build",
      "[████░░░░░░░░░] 1/3 stages 33%   elapsed 7.0s   ~4.0s left",
      "─ Stages ───────────────────────────────────────────────────",
      "✓ plan            12:00:02 2.0s    n=1",
      "▸ build           running 5.0s",
      "· test",
      "─ Events (2) ───────────────────────────────────────────────",
      "12:00:02 stage ✓  plan done in 2.0s",
      "12:00:00 wf ▸     started · llamaindex · Fix the build",
      "",
      "q quit  p pause  / filt… events 2 · stages 1/3 · malformed 0",
    ]);
  });
  await t.step("failed notice is wrapped and sized", () => {
    const f = reduceWorkflow(s, decoded("workflow.failed", { workflow_id: "wf_1", error: "x".repeat(150) }), T + 3000);
    const lines = workflowView(f, ctx(60, 20, true));
    assert.ok(lines.some((l) => l.includes("WORKFLOW FAILED")));
    for (const l of lines) assert.ok(displayWidth(l) <= 60, l);
    const plain = workflowView(f, ctx(60, 20));
    const box = plain.filter((l) => l.startsWith("║"));
    assert.equal(box.length, 3);
    assert.ok(box.every((l) => displayWidth(l) === 60));
  });
});

Deno.test("stageLines() lists a pending stage whose name is part of another's", () => {
  let s = createWorkflowState("wf");
  s = reduceWorkflow(s, decoded("workflow.started", { workflow_id: "wf", stages: ["plan_review", "plan"] }), T);
  s = reduceWorkflow(s, decoded("workflow.failed", { workflow_id: "wf", error: "x" }), T + 1000);
  const lines = stageLines(s, 60, 10, T + 2000, createStyle(false));
  assert.deepEqual(lines.map((l) => l.trimEnd()), ["✗ plan_review     failed", "· plan"]);
});

Deno.test("workflowView() keeps its layout with a 10,000-character string in every field", () => {
  const long = (c: string) => c.repeat(10_000);
  let s = createWorkflowState("wf");
  s = reduceWorkflow(
    s,
    decoded("workflow.started", { workflow_id: "wf", stages: [long("a"), "b"], prompt: long("p") }),
    T,
  );
  s = reduceWorkflow(
    s,
    decoded("workflow.stage_completed", {
      workflow_id: "wf",
      stage_name: long("a"),
      result: { [long("k")]: long("v") },
    }),
    T + 1000,
  );
  s = reduceWorkflow(s, decoded("worker.status_changed", { worker_id: long("w"), status: long("s") }), T + 1500);
  s = reduceWorkflow(s, decoded("workflow.failed", { workflow_id: "wf", error: long("x") }), T + 2000);
  for (const [w, h] of [[100, 30], [60, 20]]) {
    const lines = workflowView(s, ctx(w, h, true));
    assert.equal(lines.length, h);
    for (const line of lines) assert.ok(displayWidth(line) <= w, `too wide: ${line}`);
    const plain = workflowView(s, ctx(w, h));
    assert.equal(plain.filter((l) => l.startsWith("║")).length, 4, "the failure text wraps to at most 4 lines");
    assert.ok(plain.some((l) => /^✓ a+… /.test(l)), "the long stage name is cut in its column");
    assert.ok(plain.some((l) => l.startsWith("✗ b ")), "the stage after it is still listed");
    assert.match(plain[h - 1], /stages 1\/2 · malformed 0$/);
  }
});

Deno.test("workflowView() shows what the server contradicted, claimed or got wrong", async (t) => {
  const at = (ms: number) => new Date(ms).toISOString();
  const started = decoded("workflow.started", {
    workflow_id: "wf",
    stages: ["a", "b", "c", "d", "e"],
    timestamp: at(T),
  });
  const stage = (name: string, ms: number) =>
    decoded("workflow.stage_completed", { workflow_id: "wf", stage_name: name, timestamp: at(ms) });
  const view = (...events: [ReturnType<typeof decoded>, number][]) => {
    const s = createWorkflowState("wf", { startedAt: T });
    for (const [e, now] of events) reduceWorkflow(s, e, now);
    return workflowView(s, ctx(100, 24));
  };
  await t.step("completion with stages missing", () => {
    const lines = view(
      [started, T],
      [stage("a", T + 1000), T + 1000],
      [stage("b", T + 2000), T + 2000],
      [stage("c", T + 3000), T + 3000],
      [decoded("workflow.completed", { workflow_id: "wf", timestamp: at(T + 4000) }), T + 4000],
    );
    assert.ok(lines.some((l) => /^\[█+░+\] completed, 3 of 5 stages seen {3}elapsed 4\.0s$/.test(l)), lines.join("\n"));
    assert.ok(!lines.join("\n").includes("100%"));
  });
  await t.step("failed, then completed", () => {
    const lines = view(
      [started, T],
      [decoded("workflow.failed", { workflow_id: "wf", error: "boom" }), T + 1000],
      [decoded("workflow.completed", { workflow_id: "wf" }), T + 2000],
    );
    assert.ok(lines.some((l) => /^Status {2}FAILED /.test(l)), lines.join("\n"));
    assert.ok(lines.includes("⚠ the server later said completed (completed); kept failed"), lines.join("\n"));
  });
  await t.step("a retried stage counts once and shows both durations", () => {
    const lines = view([started, T], [stage("a", T + 1000), T + 1000], [stage("a", T + 3000), T + 3000]);
    assert.ok(lines.some((l) => / 1\/5 stages 20% /.test(l)), lines.join("\n"));
    assert.ok(lines.some((l) => /^✓ a +12:00:03 2\.0s +×2 \(1\.0s, 2\.0s\)/.test(l)), lines.join("\n"));
  });
  await t.step("a placeholder snapshot before any event", () => {
    const snapshot = decoded(
      "get_workflow_status",
      { workflow_id: "wf", status: "running", stages_completed: 0, total_stages: 10 },
      "response",
    );
    const lines = view([snapshot, T]);
    assert.ok(lines.some((l) => /^Status {2}PENDING /.test(l)), lines.join("\n"));
    assert.ok(lines.some((l) => /^0 stages done \(total unknown\)/.test(l)), lines.join("\n"));
    assert.ok(lines.some((l) => /^Server snapshot: running · 0\/10 stages \(not used/.test(l)), lines.join("\n"));
  });
  await t.step("year-0001 and far-future timestamps", () => {
    const lines = view(
      [
        decoded("workflow.started", {
          workflow_id: "wf",
          total_stages: 1_000_000_000,
          timestamp: "0001-01-01T00:00:00Z",
        }),
        T,
      ],
      [
        decoded("workflow.stage_completed", { workflow_id: "wf", stage_name: "a", timestamp: "9999-01-01T00:00:00Z" }),
        T + 1000,
      ],
    );
    const text = lines.join("\n");
    assert.ok(!/\d+d\d\dh/.test(text), text);
    assert.ok(
      lines.some((l) => /^1 stage done \(total unknown: server said 1000000000\) {3}elapsed 7\.0s$/.test(l)),
      lines.join("\n"),
    );
    assert.match(lines[lines.length - 1], /clock skew 2$/);
  });
});

Deno.test("metadataLines() shows the prompt, the adapter and the stage list from workflow.started", () => {
  let s = createWorkflowState("wf");
  assert.deepEqual(metadataLines(s, 60, createStyle(false)), [], "nothing before the start is seen");
  const started = { workflow_id: "wf", stages: ["plan", "build", "test"], prompt: "Fix CI", adapter: "prefect" };
  s = reduceWorkflow(s, decoded("workflow.started", started), T);
  s = reduceWorkflow(s, decoded("workflow.stage_completed", { workflow_id: "wf", stage_name: "plan" }), T + 1000);
  assert.deepEqual(metadataLines(s, 60, createStyle(false)), [
    'Prompt "Fix CI"   Adapter prefect',
    "Stages plan → build → test",
  ]);
  const [, stages] = metadataLines(s, 60, createStyle(true));
  assert.ok(stages.includes("\x1b[32mplan\x1b[0m"), "done: green");
  assert.ok(stages.includes("\x1b[1m\x1b[36mbuild\x1b[0m\x1b[0m"), "running: bold cyan");
  assert.ok(stages.includes("\x1b[2mtest\x1b[0m"), "pending: dim");
});
