import assert from "node:assert/strict";
import { Backoff } from "./backoff.ts";
import { seededRandom } from "./random.ts";

function sequence(values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length];
}

Deno.test("Backoff.next() grows exponentially with jitter and caps", async (t) => {
  await t.step("exact delays with a scripted random source", () => {
    const b = new Backoff({ initialMs: 500, multiplier: 2, maxMs: 5000, jitter: 0.2, random: sequence([0, 0.5, 1]) });
    // base 500*0.8, 1000*1.0, 2000*1.2, then 4000*0.8, min(5000, 8000)*1.0, 5000*1.2 capped.
    assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()], [400, 1000, 2400, 3200, 5000, 5000]);
    assert.equal(b.attempt, 6);
  });
  await t.step("no jitter gives the plain sequence", () => {
    const b = new Backoff({ initialMs: 100, multiplier: 3, maxMs: 10_000, jitter: 0 });
    assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next()], [100, 300, 900, 2700, 8100]);
  });
  await t.step("a seeded source is reproducible and stays within ±jitter", () => {
    const a = new Backoff({ random: seededRandom(42) });
    const b = new Backoff({ random: seededRandom(42) });
    const da = Array.from({ length: 8 }, () => a.next());
    const db = Array.from({ length: 8 }, () => b.next());
    assert.deepEqual(da, db);
    da.forEach((d, i) => {
      const base = Math.min(30_000, 500 * 2 ** i);
      assert.ok(d >= Math.round(base * 0.8) && d <= Math.min(30_000, Math.round(base * 1.2)), `delay ${i} = ${d}`);
    });
  });
});

Deno.test("Backoff.disconnected() resets only after a stable connection", () => {
  const b = new Backoff({ jitter: 0, stableAfterMs: 10_000 });
  b.next();
  b.next();
  b.connected(1000);
  b.disconnected(5000);
  assert.equal(b.next(), 2000, "short-lived connection keeps growing");
  b.connected(10_000);
  b.disconnected(20_000);
  assert.equal(b.next(), 500, "stable connection starts over");
});

Deno.test("Backoff() rejects bad options with RangeError", () => {
  assert.throws(() => new Backoff({ initialMs: 0 }), /initialMs is not a positive number: current value is 0/);
  assert.throws(() => new Backoff({ jitter: 2 }), /jitter is outside \[0, 1\]: current value is 2/);
  assert.throws(() => new Backoff({ multiplier: 0.5 }), RangeError);
});
