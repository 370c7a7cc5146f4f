/**
 * Duplicate detection for event ids (issue 13 "Duplicates"): a server that
 * delivers the same event twice must not count it twice.
 *
 * Meant for the runtime, one window per source: for every decoded event of
 * a `kind` other than `response`, `error` and `other` whose header `id` is not
 * null, skip the reducer when `window.seen(event.id)` is true (and count it
 * as a duplicate). Ids are only compared within the window, so memory stays
 * flat whatever the id cardinality; an id seen again after `capacity` newer
 * ids counts as new.
 *
 * @module
 */

/** The last `capacity` distinct ids seen; `seen()` is O(1). */
export class DedupWindow {
  readonly capacity: number;
  #ids: (string | undefined)[];
  #set = new Set<string>();
  #next = 0;
  /** Ids reported as already seen, since creation. */
  duplicates = 0;

  /** A window of `capacity` ids (default 4096). */
  constructor(capacity = 4096) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(
        `Cannot create dedup window as capacity is not a whole number >= 1: current value is ${capacity}`,
      );
    }
    this.capacity = capacity;
    this.#ids = new Array(capacity);
  }

  /** Ids held now. */
  get size(): number {
    return this.#set.size;
  }

  /** True when `id` is in the window (a duplicate); otherwise remembers it, forgetting the oldest when full. */
  seen(id: string): boolean {
    if (this.#set.has(id)) {
      this.duplicates++;
      return true;
    }
    const oldest = this.#ids[this.#next];
    if (oldest !== undefined) this.#set.delete(oldest);
    this.#ids[this.#next] = id;
    this.#set.add(id);
    this.#next = (this.#next + 1) % this.capacity;
    return false;
  }

  /** Forgets every id (the duplicate count is kept). */
  clear(): void {
    this.#ids = new Array(this.capacity);
    this.#set.clear();
    this.#next = 0;
  }
}
