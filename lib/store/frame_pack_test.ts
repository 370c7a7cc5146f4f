import assert from "node:assert/strict";
import { forEachFrame, FramePacker, packRows, packSize } from "./frame_pack.ts";
import { frameRow } from "./record.ts";
import { received } from "./_test_rows.ts";

Deno.test("FramePacker gives back every frame in order with its service and receive time", () => {
  const packer = new FramePacker(4);
  const sent: [string, number, string][] = [];
  const packs = [];
  for (let i = 0; i < 10; i++) {
    const service = ["pool", "mahavishnu", "akosha"][i % 3 === 2 ? 1 : 0];
    const raw = i === 5 ? "" : `{"type":"event","n":${i},"s":"√ ${"é".repeat(i)}"}`;
    sent.push([service, 1_700_000_000_000.25 + i, raw]);
    if (packer.add(service, 1_700_000_000_000.25 + i, raw)) packs.push(packer.take()!);
  }
  assert.equal(packer.size, 2);
  packs.push(packer.take()!);
  assert.equal(packer.take(), null);
  assert.equal(packer.size, 0);
  assert.deepEqual(packs.map(packSize), [4, 4, 2]);
  const back: [string, number, string][] = [];
  for (const pack of packs) forEachFrame(pack, (s, at, raw) => back.push([s, at, raw]));
  assert.deepEqual(back, sent);
});

Deno.test("FramePacker survives a structured clone (how a pack reaches the store's thread)", () => {
  const packer = new FramePacker(8);
  const frames = [received("task.assigned", { pool_id: "p" }), received("pool.scaled", { pool_id: "q" })];
  for (const f of frames) packer.add(f.service, f.receivedAt, f.raw);
  const pack = structuredClone(packer.take()!);
  assert.deepEqual(packRows(pack), frames.map((f) => frameRow(f.service, f.receivedAt, f.raw)));
});

Deno.test("packRows() leaves out frames that do not parse", () => {
  const packer = new FramePacker();
  packer.add("pool", 1, "{broken");
  packer.add("pool", 2, received("task.assigned", {}).raw);
  assert.equal(packRows(packer.take()!).length, 1);
});

Deno.test("FramePacker refuses a capacity it cannot index", () => {
  assert.throws(() => new FramePacker(0), RangeError);
  assert.throws(() => new FramePacker(70_000), RangeError);
});

Deno.test("FramePacker closes a pack early when its frames are long", () => {
  const packer = new FramePacker(512);
  const long = `{"type":"event","data":{"text":"${"x".repeat(20_000)}"}}`;
  assert.equal(packer.add("pool", 1, long), false);
  assert.equal(packer.add("pool", 2, long), false);
  assert.equal(packer.add("pool", 3, long), true); // 60,000 characters or more
  assert.equal(packSize(packer.take()!), 3);
});
