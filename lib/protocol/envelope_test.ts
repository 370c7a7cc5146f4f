import assert from "node:assert/strict";
import {
  authRequest,
  getPoolStatusRequest,
  getWorkflowStatusRequest,
  isKnownEvent,
  KNOWN_EVENTS,
  knownEvent,
  parseMessage,
  responseStatus,
  subscribeRequest,
  unsubscribeRequest,
} from "./envelope.ts";

const full = {
  id: "1",
  correlation_id: null,
  type: "event",
  event: "pool.scaled",
  data: { pool_id: "p", worker_count: 3 },
  timestamp: "2026-02-10T23:59:59.123456",
  room: "pool:p",
  error_code: null,
  error_message: null,
};

Deno.test("parseMessage() returns a typed message or a typed problem", async (t) => {
  await t.step("a full envelope", () => {
    const r = parseMessage(JSON.stringify(full));
    assert.ok(r.ok);
    assert.deepEqual(r.message, full);
    assert.equal(r.known, true);
    assert.deepEqual(r.warnings, []);
  });
  await t.step("missing fields become null", () => {
    const r = parseMessage('{"type":"event","event":"x.y"}');
    assert.ok(r.ok);
    assert.equal(r.message.room, null);
    assert.deepEqual(r.message.data, {});
    assert.equal(r.known, false, "unknown event is flagged, not refused");
  });
  await t.step("wrong field types are replaced and reported", () => {
    const r = parseMessage('{"type":"event","event":"pool.closed","room":5,"data":[1,2]}');
    assert.ok(r.ok);
    assert.equal(r.message.room, null);
    assert.deepEqual(r.message.data, {});
    assert.deepEqual(r.warnings, ["field 'room' is not a string", "field 'data' is not an object"]);
  });
  await t.step("problems", () => {
    const kinds = [
      parseMessage(new Uint8Array([1, 2])),
      parseMessage("{nope"),
      parseMessage("[1,2]"),
      parseMessage("null"),
      parseMessage('{"event":"x"}'),
      parseMessage('{"type":7}'),
      parseMessage("x".repeat(100), { maxLength: 10 }),
    ].map((r) => r.ok ? "ok" : r.problem.kind);
    assert.deepEqual(kinds, ["binary", "not_json", "not_object", "not_object", "bad_field", "bad_field", "too_large"]);
  });
  await t.step("deeply nested JSON does not throw", () => {
    const deep = "[".repeat(200_000) + "]".repeat(200_000);
    const r = parseMessage(deep, { maxLength: 1e7 });
    assert.equal(r.ok, false);
  });
  await t.step("top-level status of older examples is folded into data", () => {
    const r = parseMessage('{"type":"response","event":"subscribe","status":"subscribed","data":{"channel":"c"}}');
    assert.ok(r.ok);
    assert.equal(responseStatus(r.message), "subscribed");
  });
});

Deno.test("request builders set id and correlation_id", () => {
  const now = () => Date.UTC(2026, 0, 1);
  const s = subscribeRequest("pool:pool_local", { id: "sub_pool_local", now });
  assert.deepEqual(s, {
    id: "sub_pool_local",
    correlation_id: "sub_pool_local",
    type: "request",
    event: "subscribe",
    data: { channel: "pool:pool_local" },
    timestamp: "2026-01-01T00:00:00.000Z",
    room: null,
    error_code: null,
    error_message: null,
  });
  assert.equal(unsubscribeRequest("c").event, "unsubscribe");
  assert.deepEqual(authRequest("t").data, { token: "t" });
  assert.deepEqual(getPoolStatusRequest("p").data, { pool_id: "p" });
  assert.deepEqual(getWorkflowStatusRequest("w").data, { workflow_id: "w" });
  const r = authRequest("t");
  assert.equal(r.id, r.correlation_id);
  assert.match(r.id!, /^[0-9a-f-]{36}$/);
});

Deno.test("parseMessage() reads a complete event frame and an incomplete one alike", () => {
  const full = {
    id: "e1",
    correlation_id: null,
    type: "event",
    event: "worker.status_changed",
    data: { worker_id: "w1", status: "busy" },
    timestamp: "2026-11-30T10:00:00Z",
    room: "pool:p",
    error_code: null,
    error_message: null,
  };
  const complete = parseMessage(JSON.stringify(full));
  const { room: _room, error_code: _code, ...partial } = full;
  const incomplete = parseMessage(JSON.stringify({ ...partial, id: 7 }));
  assert.ok(complete.ok && incomplete.ok);
  assert.deepEqual(complete.message, full);
  assert.deepEqual(incomplete.message, { ...full, id: "7", room: null, error_code: null });
  assert.deepEqual([complete.known, incomplete.known], [true, true]);
  const unknown = parseMessage(JSON.stringify({ ...full, event: "worker.teleported" }));
  assert.ok(unknown.ok && !unknown.known && unknown.message.event === "worker.teleported");
  const folded = parseMessage(JSON.stringify({ ...full, status: "ok" }));
  assert.ok(folded.ok && folded.message.data.status === "busy", "a top-level status never overrides data's");
});

Deno.test("knownEvent() gives the module's copy of every known name, and nothing for others", () => {
  for (const name of KNOWN_EVENTS) {
    const fresh = JSON.parse(JSON.stringify(name)) as string;
    assert.equal(knownEvent(fresh), name);
    assert.ok(isKnownEvent(fresh));
  }
  // Same lengths as known names, one character off; empty, long and near names.
  const others = KNOWN_EVENTS.map((n) => n.slice(0, -1) + (n.endsWith("d") ? "e" : "d"));
  for (const name of [...others, "", "pool", "worker.status_changed.", "x".repeat(500), "Pool.scaled"]) {
    assert.equal(knownEvent(name), undefined, name);
    assert.ok(!isKnownEvent(name), name);
  }
  assert.ok(!isKnownEvent(null));
});
