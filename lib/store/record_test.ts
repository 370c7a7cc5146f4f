import assert from "node:assert/strict";
import { cleanValue, frameHash, rowFrame, toRow } from "./record.ts";
import { received } from "./_test_rows.ts";
import { parseMessage } from "../protocol/envelope.ts";

Deno.test("toRow() pulls ids into columns and keeps the payload as JSON", () => {
  const row = toRow(received("task.assigned", { pool_id: "p1", worker_id: "w1", task: { id: "t9" } }, { id: "e1" }));
  assert.equal(row.id, "e1");
  assert.equal(row.poolId, "p1");
  assert.equal(row.workerId, "w1");
  assert.equal(row.taskId, "t9");
  assert.equal(row.workflowId, null);
  assert.equal(row.event, "task.assigned");
  assert.equal(row.severity, "info");
  assert.equal(row.eventAt, 1_700_000_000_000);
  assert.deepEqual(JSON.parse(row.payload), { pool_id: "p1", worker_id: "w1", task: { id: "t9" } });
});

Deno.test("toRow() takes ids from the room when the payload lacks them", () => {
  const row = toRow(received("workflow.started", {}, { room: "workflow:wf_1" }));
  assert.equal(row.workflowId, "wf_1");
  assert.equal(row.room, "workflow:wf_1");
});

Deno.test("toRow() cleans every string of the payload, keys included", () => {
  const row = toRow(received("workflow.failed", {
    workflow_id: "wf\x1b[2J_1",
    error: "boom\x1b]0;owned\x07\r\nnext",
    nested: [{ "k\x1b[31m": "\u202eevil" }],
  }));
  assert.equal(row.workflowId, "wf_1");
  assert.equal(row.severity, "error");
  assert.doesNotMatch(row.payload, /\\u001b|\\r|\\n|\u202e/);
  assert.deepEqual(JSON.parse(row.payload).nested, [{ k: "evil" }]);
  assert.equal(JSON.parse(row.payload).error, "boom next");
});

Deno.test("toRow() gives a frame without id a stable hash id", async (t) => {
  await t.step("same frame, same id", () => {
    const a = received("pool.scaled", { pool_id: "p" }, { id: null });
    assert.equal(toRow(a).id, toRow({ ...a, receivedAt: a.receivedAt + 5 }).id);
    assert.match(toRow(a).id, /^h:[0-9a-f]{16}$/);
    assert.notEqual(toRow(a).id, toRow(received("pool.scaled", { pool_id: "q" }, { id: null })).id);
  });
  await t.step("different frames, different ids", () => {
    assert.notEqual(frameHash("a"), frameHash("b"));
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++) seen.add(frameHash(`{"type":"pong","data":{"n":${i}}}`));
    assert.equal(seen.size, 100_000);
  });
});

Deno.test("cleanValue() cuts nesting deeper than 32 levels", () => {
  let v: unknown = "x";
  for (let i = 0; i < 40; i++) v = [v];
  let out = cleanValue(v);
  let depth = 0;
  while (Array.isArray(out)) {
    out = out[0];
    depth++;
  }
  assert.equal(depth, 32);
  assert.equal(out, "…");
});

Deno.test("rowFrame() rebuilds a frame that parses back to the cleaned envelope", () => {
  const r = received("workflow.stage_completed", { workflow_id: "wf_1", stage_name: "build\x1b[1m" }, { id: "x" });
  const parsed = parseMessage(rowFrame(toRow(r)));
  assert.ok(parsed.ok);
  assert.equal(parsed.message.id, "x");
  assert.equal(parsed.message.event, "workflow.stage_completed");
  assert.equal(parsed.message.data.stage_name, "build");
  assert.equal(parsed.message.timestamp, r.message.timestamp);
});
