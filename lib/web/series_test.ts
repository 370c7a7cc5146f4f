import assert from "node:assert/strict";
import { Series } from "./series.ts";

Deno.test("Series keeps the newest samples, one column per name", () => {
  const s = new Series(["a", "b"], 3);
  for (let i = 0; i < 5; i++) s.push(i * 1000, { a: i, b: i % 2 === 0 ? i * 10 : undefined });
  assert.equal(s.length, 3);
  assert.deepEqual(s.columns(), { t: [2, 3, 4], values: { a: [2, 3, 4], b: [20, null, 40] } });
  assert.deepEqual(s.last(), { t: 4, values: { a: 4, b: 40 } });
  assert.throws(() => new Series(["a"], 0), RangeError);
});
