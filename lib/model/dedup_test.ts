import assert from "node:assert/strict";
import { DedupWindow } from "./dedup.ts";

Deno.test("DedupWindow.seen() reports an id delivered twice", () => {
  const w = new DedupWindow();
  assert.deepEqual(["a", "b", "a", "c", "b", "b"].map((id) => w.seen(id)), [false, false, true, false, true, true]);
  assert.deepEqual([w.size, w.duplicates], [3, 3]);
});

Deno.test("DedupWindow.seen() remembers only the last `capacity` ids", () => {
  const w = new DedupWindow(3);
  for (const id of ["a", "b", "c"]) assert.equal(w.seen(id), false);
  assert.equal(w.seen("d"), false, "d pushes a out");
  assert.equal(w.seen("a"), false, "a fell out of the window: new again");
  assert.equal(w.seen("c"), true, "c is still inside");
  assert.equal(w.seen("b"), false, "b fell out when a came back");
  assert.equal(w.size, 3);
});

Deno.test("DedupWindow keeps memory flat under any id cardinality", () => {
  const w = new DedupWindow(4096);
  for (let i = 0; i < 200_000; i++) w.seen(`id-${i}`);
  assert.equal(w.size, 4096);
  assert.equal(w.seen("id-199999"), true);
  assert.equal(w.seen(`id-${200_000 - 4096}`), true, "the oldest id still inside");
  assert.equal(w.seen(`id-${200_000 - 4097}`), false, "the newest id already outside");
});

Deno.test("DedupWindow.clear() forgets every id", () => {
  const w = new DedupWindow(8);
  w.seen("a");
  w.clear();
  assert.deepEqual([w.seen("a"), w.size], [false, 1]);
});

Deno.test("DedupWindow() rejects a bad capacity with RangeError", () => {
  for (const bad of [0, -1, 1.5, NaN]) assert.throws(() => new DedupWindow(bad), RangeError);
});

Deno.test("DedupWindow.seen() agrees with a plain set window under colliding hashes and long ids", () => {
  // A small window over a few hundred ids: every probe chain, eviction and backward shift gets exercised.
  const capacity = 37;
  const w = new DedupWindow(capacity);
  const ring: string[] = [];
  const random = (n: number) => Math.floor(Math.random() * n);
  for (let i = 0; i < 50_000; i++) {
    const n = random(300);
    const id = n % 7 === 0 ? `long-${"x".repeat(60)}-${n}` : `id-${n}`;
    const expected = ring.includes(id);
    assert.equal(w.seen(id), expected, `step ${i}: ${id}`);
    if (!expected) {
      ring.push(id);
      if (ring.length > capacity) ring.shift();
    }
    assert.equal(w.size, ring.length);
  }
});
