import assert from "node:assert/strict";
import { acceptKey, FrameReader, OP, serverFrameBytes } from "./_ws_frame.ts";

Deno.test("acceptKey() answers the RFC 6455 example", async () => {
  assert.equal(await acceptKey("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
});

Deno.test("serverFrameBytes() uses the 7, 16 and 64 bit lengths, unmasked", async (t) => {
  for (const [n, head] of [[125, 2], [126, 4], [65535, 4], [65536, 10]]) {
    await t.step(`${n} bytes`, () => {
      const frame = serverFrameBytes("x".repeat(n));
      assert.equal(frame.length, head + n);
      assert.equal(frame[0], 0x81);
      assert.equal(frame[1] & 0x80, 0, "server frames are not masked");
      const [read] = new FrameReader().push(frame);
      assert.equal(read.payload.length, n);
      assert.equal(read.opcode, OP.text);
    });
  }
});

Deno.test("FrameReader.push() unmasks client frames split across reads", () => {
  const text = new TextEncoder().encode('{"type":"request","event":"subscribe"}');
  const mask = [0x11, 0x22, 0x33, 0x44];
  const frame = new Uint8Array([0x81, 0x80 | text.length, ...mask, ...text.map((b, i) => b ^ mask[i & 3])]);
  const reader = new FrameReader();
  assert.deepEqual(reader.push(frame.subarray(0, 5)), []);
  const frames = reader.push(Uint8Array.of(...frame.subarray(5), 0x88, 0x80, 0, 0, 0, 0));
  assert.equal(frames.length, 2);
  assert.equal(new TextDecoder().decode(frames[0].payload), '{"type":"request","event":"subscribe"}');
  assert.equal(frames[1].opcode, OP.close);
});
