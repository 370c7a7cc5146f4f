import assert from "node:assert/strict";
import { LruOrder } from "./lru.ts";

Deno.test("LruOrder keeps keys least recently used first", () => {
  const lru = new LruOrder<string>();
  for (const k of ["a", "b", "c", "d"]) lru.touch(k, k);
  lru.touch("b", "b");
  lru.touch("d", "d");
  lru.touch("a", "a");
  assert.deepEqual([...lru.oldestFirst()], ["c", "b", "d", "a"]);
  assert.equal(lru.oldest(), "c");
  assert.equal(lru.findOldest(2, (v) => v !== "c"), "b");
  assert.equal(lru.findOldest(2, (v) => v === "a"), undefined, "looks at `limit` values only");
  lru.delete("c");
  lru.delete("a");
  lru.delete("zz");
  assert.deepEqual([...lru.oldestFirst()], ["b", "d"]);
  assert.equal(lru.size, 2);
  lru.delete("b");
  lru.delete("d");
  assert.deepEqual([...lru.oldestFirst()], []);
  lru.touch("e", "e");
  assert.deepEqual([...lru.oldestFirst()], ["e"]);
});

Deno.test("LruOrder stays fast when the oldest keys are evicted over and over", () => {
  const lru = new LruOrder<string>();
  const t = performance.now();
  for (let i = 0; i < 200_000; i++) {
    lru.touch(`k${i}`, `k${i}`);
    if (lru.size > 10_000) lru.delete(lru.oldest()!);
  }
  assert.equal(lru.size, 10_000);
  assert.equal(lru.oldest(), "k190000");
  assert.ok(performance.now() - t < 5000, "linear, not quadratic");
});
