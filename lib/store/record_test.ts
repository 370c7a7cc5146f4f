import assert from "node:assert/strict";
import { cleanValue, frameHash, frameRow, rowFrame, toRow } from "./record.ts";
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

/** Frames that take each path of frameRow(): plain ones, and every reason a frame needs cleaning. */
function trickyFrames(): string[] {
  const deep: Record<string, unknown> = { leaf: "x" };
  let nested = deep;
  for (let i = 0; i < 40; i++) nested = { down: nested };
  const envelope = (data: unknown, extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      id: "e1",
      correlation_id: null,
      type: "event",
      event: "task.assigned",
      data,
      timestamp: "2026-11-30T10:00:00.123456",
      room: "pool:p1",
      error_code: null,
      error_message: null,
      ...extra,
    });
  return [
    envelope({ pool_id: "p1", worker_id: "w1", task: { id: "t9", n: [1, 2.5, null, true] } }),
    envelope({ status: { state: "error" } }, { id: 42, room: "worker:w7", timestamp: "2026-11-30T10:00:00Z" }),
    envelope({ workflow_id: "wf", result: { status: "failed" } }, { event: "workflow.stage_completed", id: null }),
    envelope({ text: 'say "hi"', path: "C:\\temp" }), // backslashes: cleaned the long way
    envelope({ worker_id: "w\u001b[2J1" }), // an escape that decodes to an unsafe character
    envelope({ bidi: "\u202eevil", zw: "a\u200bb" }), // unsafe characters as they are in the text
    envelope({ literal: "a\u2028b" }), // a line separator as it is in the text
    envelope({ long: "x".repeat(10_050) }),
    envelope({ ["k".repeat(250)]: 1, ok: 2 }),
    envelope(nested),
    envelope({ big: 1 }).replace('"big":1', '"big":1e400'),
    envelope({ a: 1 }).replace('"a":1', '"__proto__":{"polluted":true},"a":1'),
    envelope({ a: 1 }, { type: "error", error_code: "E1", error_message: "bad\tthing", event: null }),
    envelope({}, { status: "degraded", timestamp: null }),
    envelope({ timestamp: "2026-11-30T09:00:00+00:00" }, { timestamp: null, id: "" }),
    '{"type":"pong"}',
  ];
}

Deno.test("frameRow() builds the row toRow() builds from the parsed frame, on both of its paths", () => {
  for (const raw of trickyFrames()) {
    const parsed = parseMessage(raw);
    assert.ok(parsed.ok, raw);
    for (const service of ["pool", "mahavishnu\x1b[31m", "pool"]) {
      const expected = toRow({ service, receivedAt: 1_700_000_000_000.4, raw, message: parsed.message });
      assert.deepEqual(frameRow(service, 1_700_000_000_000.4, raw), expected, raw.slice(0, 200));
    }
  }
});

Deno.test("frameRow() gives nothing for a frame that does not parse", () => {
  assert.equal(frameRow("pool", 1, "{not json"), null);
  assert.equal(frameRow("pool", 1, '{"data":{}}'), null);
});
