import assert from "node:assert/strict";
import { decodeClientMessage } from "./_client_message.ts";

Deno.test("decodeClientMessage() accepts what the real message model accepts", async (t) => {
  await t.step("a full request", () => {
    const r = decodeClientMessage(JSON.stringify({
      id: "a",
      correlation_id: "a",
      type: "request",
      event: "subscribe",
      data: { channel: "global" },
      timestamp: "2026-01-01T00:00:00Z",
      room: null,
      error_code: null,
      error_message: null,
      extra: 1,
    }));
    assert.deepEqual(r, {
      ok: true,
      message: { type: "request", event: "subscribe", correlation_id: "a", data: { channel: "global" } },
    });
  });
  await t.step("only a type", () => {
    assert.deepEqual(decodeClientMessage('{"type":"ping"}'), {
      ok: true,
      message: { type: "ping", event: null, correlation_id: null, data: {} },
    });
  });
});

Deno.test("decodeClientMessage() refuses what the real message model refuses", () => {
  for (
    const frame of [
      "",
      "nope",
      "null",
      "[]",
      '"request"',
      "{}",
      '{"type":"hello"}',
      '{"type":7}',
      '{"type":"request","id":null}',
      '{"type":"request","id":5}',
      '{"type":"request","timestamp":null}',
      '{"type":"request","data":null}',
      '{"type":"request","data":[1]}',
      '{"type":"request","data":"x"}',
      '{"type":"request","event":{}}',
      '{"type":"request","correlation_id":1}',
      '{"type":"request","room":true}',
    ]
  ) {
    assert.equal(decodeClientMessage(frame).ok, false, frame);
  }
});
