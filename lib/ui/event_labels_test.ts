import assert from "node:assert/strict";
import { eventLabel, LABEL_WIDTH, paintAnomalyLevel, paintDetails } from "./event_labels.ts";
import { createStyle } from "./style.ts";
import { displayWidth } from "./text.ts";

const plain = createStyle(false);
const color = createStyle(true);

Deno.test("eventLabel() gives every protocol event a short label that fits the column", () => {
  const names = [
    "workflow.started",
    "workflow.stage_completed",
    "workflow.completed",
    "workflow.failed",
    "pool.status_changed",
    "pool.spawned",
    "pool.scaled",
    "pool.scaling",
    "pool.closed",
    "worker.status_changed",
    "worker.added",
    "worker.removed",
    "task.assigned",
    "task.completed",
    "insight.generated",
    "pattern.detected",
    "anomaly.detected",
    "aggregation.completed",
  ];
  const labels = names.map((n) => eventLabel(n));
  for (const [i, l] of labels.entries()) {
    assert.ok(displayWidth(l.label) <= LABEL_WIDTH, names[i]);
    assert.equal(l.prefix, "", names[i]);
  }
  assert.equal(new Set(labels.map((l) => l.label)).size, names.length, "labels tell the events apart");
  assert.deepEqual(
    ["workflow.stage_completed", "workflow.failed", "task.assigned", "task.completed"].map((n) => eventLabel(n).label),
    ["stage ✓", "wf ✗", "task →", "task ✓"],
  );
  assert.equal(eventLabel("workflow.failed").paint(color)("x"), "\x1b[31mx\x1b[0m");
  assert.equal(eventLabel("workflow.stage_completed").paint(color)("x"), "\x1b[32mx\x1b[0m");
});

Deno.test("eventLabel() moves the rest of an unknown name into the details", () => {
  assert.deepEqual(
    { ...eventLabel("pool.health_check"), paint: undefined },
    { label: "pool", prefix: "health_check", paint: undefined },
  );
  assert.equal(eventLabel("adapters.registered").label, "adapters");
  assert.equal(eventLabel("symbiotic.learning_metrics_updated").prefix, "symbiotic.learning_metrics_updated");
  assert.equal(eventLabel("response").label, "response");
  assert.equal(eventLabel("get_pool_status").prefix, "get_pool_status");
  assert.equal(eventLabel("alert").paint(color)("a"), "\x1b[31ma\x1b[0m");
});

Deno.test("paintDetails() paints an anomaly's level word, an error's text, and nothing else", () => {
  const anomaly = { event: "anomaly.detected", severity: "error" as const };
  assert.equal(paintDetails(color, anomaly, "critical spike: x"), "\x1b[1;97;41mcritical\x1b[0m spike: x");
  assert.equal(paintDetails(color, anomaly, "lowish: x"), "\x1b[31mlowish: x\x1b[0m");
  assert.equal(paintDetails(color, { event: "task.completed", severity: "info" }, "high"), "high");
  assert.equal(paintDetails(plain, anomaly, "critical spike"), "critical spike");
  assert.deepEqual(
    ["low", "medium", "high", "critical", null].map((l) => paintAnomalyLevel(color, l, "x")),
    ["\x1b[34mx\x1b[0m", "\x1b[33mx\x1b[0m", "\x1b[31mx\x1b[0m", "\x1b[1;97;41mx\x1b[0m", "\x1b[2mx\x1b[0m"],
  );
});
