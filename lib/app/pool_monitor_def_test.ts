import assert from "node:assert/strict";
import { decoded } from "../protocol/_test_envelope.ts";
import { POOL_ALERT_FIELDS, poolMonitor } from "./pool_monitor_def.ts";
import { workflowMonitor } from "./workflow_monitor_def.ts";

Deno.test("poolMonitor() is one source with a snapshot request; update says whether anything changed", () => {
  const m = poolMonitor("p1", { url: "ws://127.0.0.1:1", token: "t", historySize: 3 });
  assert.equal(m.sources.length, 1);
  assert.deepEqual(m.sources[0].channels, ["pool:p1"]);
  assert.equal(m.sources[0].token, "t");
  assert.equal(m.sources[0].initialRequests?.()[0].event, "get_pool_status");
  const s = m.init(0);
  assert.equal(
    m.update(s, { service: "pool", event: decoded("pool.scaled", { pool_id: "p1", worker_count: 4 }) }, 1),
    true,
  );
  assert.equal(
    m.update(s, { service: "pool", event: decoded("pool.scaled", { pool_id: "other", worker_count: 9 }) }, 2),
    false,
  );
  assert.equal(m.alertValues?.(s, 3).worker_count, 4);
  assert.ok(POOL_ALERT_FIELDS.includes("queue_size") && POOL_ALERT_FIELDS.includes("workers.*"));
  m.note(s, { at: 4, event: "alert", severity: "error", text: "ALERT x" });
  assert.deepEqual(m.history(s)[0].entries.map((e) => e.event), ["alert", "pool.scaled"]);
  m.clear(s);
  assert.deepEqual(m.history(s), [{ service: "pool", entries: [] }]);
});

Deno.test("workflowMonitor() ends with 0 or 1 only with exitOnFinish, and rings unless quiet", () => {
  const done = decoded("workflow.completed", { workflow_id: "wf" });
  const plain = workflowMonitor("wf", { url: "ws://127.0.0.1:1" });
  assert.equal(plain.finished, undefined);
  const s = plain.init(0);
  assert.equal(plain.bells?.(s), 0);
  plain.update(s, { service: "workflow", event: done }, 1);
  assert.equal(plain.bells?.(s), 1);
  const exiting = workflowMonitor("wf", { url: "ws://127.0.0.1:1", exitOnFinish: true, quiet: true });
  assert.equal(exiting.bells, undefined);
  const e = exiting.init(0);
  assert.equal(exiting.finished?.(e), null);
  exiting.update(e, { service: "workflow", event: decoded("workflow.failed", { workflow_id: "wf", error: "x" }) }, 1);
  assert.equal(exiting.finished?.(e), 1);
});
