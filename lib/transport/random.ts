/** Seeded pseudo-random numbers for deterministic tests and demo runs. @module */

/** A source of numbers in [0, 1), like `Math.random`. */
export type RandomSource = () => number;

/** Returns a mulberry32 generator seeded with `seed` (same seed, same sequence). */
export function seededRandom(seed: number): RandomSource {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
