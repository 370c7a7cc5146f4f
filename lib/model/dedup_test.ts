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

/** A seeded generator (mulberry32): the same stream on every run, so that a failure can be replayed. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Pairs of short ids whose first hash (the one that places them in the index) is the same, found by brute force.
 * A copy of the window's first hash before its final mix (the mix is a bijection, so equal here means equal there):
 * if the window's hash changes, these are merely distinct ids and the tests below still hold.
 */
function collidingPairs(count: number): [string, string][] {
  const hashOf = (id: string) => {
    let hash = 0x811c9dc5;
    let i = 0;
    for (; i + 1 < id.length; i += 2) {
      hash = Math.imul(hash ^ (id.charCodeAt(i) | (id.charCodeAt(i + 1) << 16)), 0x01000193);
    }
    if (i < id.length) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
    return hash;
  };
  const byHash = new Map<number, string>();
  const pairs: [string, string][] = [];
  for (let i = 0; pairs.length < count; i++) {
    const id = `c${i.toString(36)}`;
    const other = byHash.get(hashOf(id));
    if (other !== undefined) pairs.push([other, id]);
    else byHash.set(hashOf(id), id);
  }
  return pairs;
}

const PAIRS = collidingPairs(4);

/** The reference: the last `capacity` distinct ids in arrival order (a duplicate moves nothing). */
class ReferenceWindow {
  ids: string[] = [];
  duplicates = 0;
  constructor(readonly capacity: number) {}
  seen(id: string): boolean {
    if (this.ids.includes(id)) {
      this.duplicates++;
      return true;
    }
    this.ids.push(id);
    if (this.ids.length > this.capacity) this.ids.shift();
    return false;
  }
  clear(): void {
    this.ids = [];
  }
}

Deno.test("DedupWindow.seen() agrees with the last `capacity` distinct ids over seeded streams", async (t) => {
  const colliding = PAIRS.flat();
  for (const capacity of [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 100]) {
    await t.step(`capacity ${capacity}`, () => {
      // Universes smaller than, equal to and a few times the window; a fifth of the ids collide in their first hash.
      for (const universe of [capacity, capacity + 1, 2 * capacity + 1, 5 * capacity + 3]) {
        const random = seeded(capacity * 1000 + universe);
        const w = new DedupWindow(capacity);
        const ref = new ReferenceWindow(capacity);
        for (let step = 0; step < 6000; step++) {
          if (random() < 0.002) {
            w.clear();
            ref.clear();
          }
          const id = random() < 0.2
            ? colliding[Math.floor(random() * colliding.length)]
            : `id-${Math.floor(random() * universe)}`;
          const where = `capacity ${capacity}, universe ${universe}, step ${step}: ${id}`;
          assert.equal(w.seen(id), ref.seen(id), where);
          assert.equal(w.size, ref.ids.length, where);
          assert.equal(w.duplicates, ref.duplicates, where);
        }
      }
    });
  }
});

Deno.test("DedupWindow.seen() tells ids with the same first hash apart, in place of each other and after eviction", () => {
  for (const [a, b] of PAIRS) {
    const w = new DedupWindow(4);
    assert.deepEqual([w.seen(a), w.seen(b), w.seen(a), w.seen(b)], [false, false, true, true], `${a} ${b}`);
    // b takes a's slot while a's index entry is left behind (stale, with the same hash as b's).
    const v = new DedupWindow(3);
    for (const id of ["x0", a, "x2", "x3"]) v.seen(id); // a in slot 1; x3 wraps into slot 0 and rebuilds the index.
    assert.equal(v.seen(b), false, `${b} is new: it evicts ${a} from slot 1`);
    assert.equal(v.seen(a), false, `${a} was evicted: new again, though its stale entry and ${b} share its hash`);
    assert.equal(v.seen(b), true, `${b} is still inside (window x3, ${b}, ${a})`);
    assert.equal(v.seen("x2"), false, `x2 was evicted by ${a}`);
    assert.equal(v.seen(a), true);
  }
});
