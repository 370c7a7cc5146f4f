/**
 * Sparklines for `history.ts --stats`: one character per bucket.
 *
 * @module
 */

const BARS = "▁▂▃▄▅▆▇█";

/** Draws `values` as `▁▂▃▄▅▆▇█`, scaled to the largest; zero is a space. */
export function sparkline(values: readonly number[]): string {
  const max = Math.max(0, ...values);
  return values.map((v) => {
    if (!(v > 0) || max === 0) return " ";
    return BARS[Math.min(BARS.length - 1, Math.floor((v / max) * (BARS.length - 1) + 0.5))];
  }).join("");
}
