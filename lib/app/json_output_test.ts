import assert from "node:assert/strict";
import { ev } from "../protocol/_test_envelope.ts";
import { decodeMessage } from "../protocol/decode.ts";
import { JsonOutput } from "./json_output.ts";
import type { OutputHost } from "./output.ts";

function host(quit: (code: number) => void = () => {}): OutputHost {
  return { now: () => Date.UTC(2026, 0, 1), quit } as unknown as OutputHost;
}

Deno.test("JsonOutput writes one line per call, C1 and bidi escaped, the same JSON value", async () => {
  const chunks: Uint8Array[] = [];
  const out = new JsonOutput({ writer: { writeSync: (b) => (chunks.push(b.slice()), b.length) } });
  out.start(host());
  const message = ev("x\x9b2J\u202e", { text: "a\x1b]0;t\x07b\x85" });
  out.received({
    service: "pool",
    receivedAt: Date.UTC(2026, 0, 1),
    raw: "{}",
    message,
    event: decodeMessage(message),
  });
  out.status("pool", { state: "connected", url: "ws://x", attempt: 0, retryAt: null, reason: null, since: 0 });
  await out.close();
  const text = new TextDecoder().decode(chunks[0]);
  // deno-lint-ignore no-control-regex
  assert.equal(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e]/.exec(text), null, JSON.stringify(text));
  const [first, second] = text.trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(first, {
    time: "2026-01-01T00:00:00.000Z",
    service: "pool",
    kind: "message",
    message: JSON.parse(JSON.stringify(message)),
  });
  assert.deepEqual(second, {
    time: "2026-01-01T00:00:00.000Z",
    service: "pool",
    kind: "status",
    state: "connected",
    attempt: 0,
    reason: null,
  });
});

Deno.test("JsonOutput ends the run with code 0 when the reader is gone", async () => {
  const codes: number[] = [];
  const out = new JsonOutput({
    writer: {
      writeSync: () => {
        throw new Deno.errors.BrokenPipe("closed");
      },
    },
  });
  out.start(host((code) => codes.push(code)));
  out.problem("pool", { kind: "not_json", detail: "x" } as never, 0);
  await out.close();
  assert.deepEqual(codes, [0]);
});

Deno.test("JsonOutput ends the run with the output exit code and rejects close() on any other write error", async () => {
  const quits: [number, string | undefined][] = [];
  const out = new JsonOutput({
    writer: {
      writeSync: () => {
        throw new Error("No space left on device (os error 28)");
      },
    },
  });
  out.start({ ...host(), quit: (code: number, message?: string) => quits.push([code, message]) } as OutputHost);
  out.problem("pool", { kind: "not_json", detail: "x" } as never, 0);
  await assert.rejects(() => out.close(), /writing JSON lines to stdout failed: No space left on device/);
  assert.equal(quits.length, 1);
  assert.equal(quits[0][0], 5);
  assert.match(quits[0][1]!, /No space left/);
});
