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

/**
 * The last `capacity` distinct ids seen; `seen()` is O(1).
 *
 * Ids are kept as two independent 32-bit hashes of their characters in typed
 * arrays (a ring of slots) with an open-addressing hash index (linear
 * probing, at most half full), not as the strings themselves: at tens of
 * thousands of events a second, a window of retained id strings is what the
 * garbage collector spends its time on, and copying each id's characters
 * cost more than hashing it twice. Two different ids are taken for the same
 * one only when both 32-bit hashes agree (a 64-bit collision: about one
 * chance in 4 x 10^15 per event for a full window).
 */
export class DedupWindow {
  readonly capacity: number;
  /** Slot -> first hash of its id (also its place in the index). */
  #hashes: Int32Array;
  /** Slot -> second hash of its id. */
  #checks: Int32Array;
  /** Slot -> 1 when it holds an id, 0 when empty. */
  #used: Uint8Array;
  /** Hash index: slot + 1, or 0 when free. Size a power of two >= 2 x capacity. */
  #index: Int32Array;
  #mask: number;
  #next = 0;
  #size = 0;
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
    let tableSize = 2;
    while (tableSize < capacity * 2) tableSize *= 2;
    this.#mask = tableSize - 1;
    this.#hashes = new Int32Array(capacity);
    this.#checks = new Int32Array(capacity);
    this.#used = new Uint8Array(capacity);
    this.#index = new Int32Array(tableSize);
  }

  /** Ids held now. */
  get size(): number {
    return this.#size;
  }

  /** True when `id` is in the window (a duplicate); otherwise remembers it, forgetting the oldest when full. */
  seen(id: string): boolean {
    // Two hashes in one pass: FNV-1a, and a multiply-rotate hash with other constants.
    // Two characters a step (as one 32-bit word): half the multiplications.
    let hash = 0x811c9dc5;
    let check = 0x27d4eb2f ^ id.length;
    const n = id.length;
    let i = 0;
    for (; i + 1 < n; i += 2) {
      const c = id.charCodeAt(i) | (id.charCodeAt(i + 1) << 16);
      hash = Math.imul(hash ^ c, 0x01000193);
      check = Math.imul((check << 5) | (check >>> 27), 0x5bd1e995) ^ c;
    }
    if (i < n) {
      const c = id.charCodeAt(i);
      hash = Math.imul(hash ^ c, 0x01000193);
      check = Math.imul((check << 5) | (check >>> 27), 0x5bd1e995) ^ c;
    }
    // A multiplication only moves bits up: mix the high ones into the low ones the index uses (murmur3's finish).
    hash ^= hash >>> 16;
    hash = Math.imul(hash, 0x85ebca6b);
    hash ^= hash >>> 13;
    hash = Math.imul(hash, 0xc2b2ae35);
    hash ^= hash >>> 16;
    const index = this.#index;
    const mask = this.#mask;
    let at = hash & mask;
    for (let entry = index[at]; entry !== 0; entry = index[at]) {
      if (this.#hashes[entry - 1] === hash && this.#checks[entry - 1] === check) {
        this.duplicates++;
        return true;
      }
      at = (at + 1) & mask;
    }
    const slot = this.#next;
    if (this.#used[slot] === 1) {
      this.#unindex(slot);
      // The free place found above may have moved: look again.
      at = hash & mask;
      while (index[at] !== 0) at = (at + 1) & mask;
    } else this.#size++;
    index[at] = slot + 1;
    this.#hashes[slot] = hash;
    this.#checks[slot] = check;
    this.#used[slot] = 1;
    this.#next = slot + 1 === this.capacity ? 0 : slot + 1;
    return false;
  }

  /** Forgets every id (the duplicate count is kept). */
  clear(): void {
    this.#used.fill(0);
    this.#index.fill(0);
    this.#next = 0;
    this.#size = 0;
  }

  /** Removes `slot` from the hash index (backward-shift deletion keeps every probe chain whole). */
  #unindex(slot: number): void {
    const index = this.#index;
    const mask = this.#mask;
    let at = this.#hashes[slot] & mask;
    while (index[at] !== slot + 1) at = (at + 1) & mask;
    let next = (at + 1) & mask;
    while (index[next] !== 0) {
      const home = this.#hashes[index[next] - 1] & mask;
      // Move the entry at `next` into the hole at `at` unless its home lies cyclically in (at, next].
      if (((next - home) & mask) >= ((next - at) & mask)) {
        index[at] = index[next];
        at = next;
      }
      next = (next + 1) & mask;
    }
    index[at] = 0;
    this.#used[slot] = 0;
  }
}
