/**
 * Chart data for the page: one sample per second over the last 15 minutes
 * (bounded arrays, oldest dropped), in the column layout uPlot draws:
 * `[times, ...values]`.
 *
 * @module
 */

/** Seconds kept. Default of {@link Series}: 900 (15 minutes). */
export const SERIES_SECONDS = 900;

/** One named column of numbers (null where unknown). */
export interface SeriesColumns {
  /** Sample times, seconds since the epoch (uPlot's unit). */
  t: number[];
  /** Column name -> values, one per time. */
  values: Record<string, (number | null)[]>;
}

/** A fixed set of named columns sampled once a second. */
export class Series {
  readonly names: readonly string[];
  readonly capacity: number;
  #t: number[] = [];
  #values: Record<string, (number | null)[]>;

  constructor(names: readonly string[], capacity = SERIES_SECONDS) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`Cannot create series as capacity is not a whole number >= 1: current value is ${capacity}`);
    }
    this.names = names;
    this.capacity = capacity;
    this.#values = Object.fromEntries(names.map((n) => [n, []]));
  }

  /** Adds a sample at `now` (ms); names missing from `sample` are null. */
  push(now: number, sample: Record<string, number | null | undefined>): void {
    this.#t.push(Math.floor(now / 1000));
    for (const n of this.names) this.#values[n].push(sample[n] ?? null);
    if (this.#t.length > this.capacity) {
      this.#t.shift();
      for (const n of this.names) this.#values[n].shift();
    }
  }

  /** Samples held. */
  get length(): number {
    return this.#t.length;
  }

  /** A copy of the columns (for the page's first frame). */
  columns(): SeriesColumns {
    return {
      t: [...this.#t],
      values: Object.fromEntries(this.names.map((n) => [n, [...this.#values[n]]])),
    };
  }

  /** The newest sample, or null when empty. */
  last(): { t: number; values: Record<string, number | null> } | null {
    const i = this.#t.length - 1;
    if (i < 0) return null;
    return { t: this.#t[i], values: Object.fromEntries(this.names.map((n) => [n, this.#values[n][i]])) };
  }
}
