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
 * arrays, not as the strings themselves: at tens of thousands of events a
 * second, a window of retained id strings is what the garbage collector
 * spends its time on, and copying each id's characters cost more than
 * hashing it twice. Two different ids are taken for the same one only when
 * both 32-bit hashes agree (a 64-bit collision: about one chance in 4 x
 * 10^15 per event for a full window).
 *
 * Layout, for the processor's cache (the window is read once per event,
 * between the parser's allocations that push it out): a ring of slots holds
 * the ids in arrival order as `[hash, check]` pairs, and an open-addressing
 * index (linear probing) holds `[hash, slot + 1]` pairs, so that looking up
 * a new id reads one run of the index and nothing else. When the oldest
 * slot is overwritten its index entry is left behind, stale: a lookup that
 * lands on it finds another id in the slot and goes on. Every `capacity`
 * new ids the index is rebuilt from the ring, which drops the stale entries
 * (so it is never more than half full: at most `capacity` live and
 * `capacity` stale entries in four times as many places).
 */
export class DedupWindow {
  readonly capacity: number;
  /** Slot -> `[hash, check]` of its id, at `2 * slot`. */
  #ring: Int32Array;
  /** Place -> `[hash, slot + 1]` at `2 * place`; `slot + 1` is 0 when the place is free. */
  #index: Int32Array;
  #mask: number;
  #next = 0;
  #size = 0;
  /** Ids added since the index was last rebuilt (the stale entries it may hold). */
  #added = 0;
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
    let places = 2;
    while (places < capacity * 4) places *= 2;
    this.#mask = places - 1;
    this.#ring = new Int32Array(capacity * 2);
    this.#index = new Int32Array(places * 2);
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
    const ring = this.#ring;
    const mask = this.#mask;
    let at = hash & mask;
    for (let entry = index[2 * at + 1]; entry !== 0; entry = index[2 * at + 1]) {
      // The slot still holding this hash tells a live entry from a stale one.
      if (index[2 * at] === hash && ring[2 * entry - 2] === hash && ring[2 * entry - 1] === check) {
        this.duplicates++;
        return true;
      }
      at = (at + 1) & mask;
    }
    const slot = this.#next;
    ring[2 * slot] = hash;
    ring[2 * slot + 1] = check;
    this.#next = slot + 1 === this.capacity ? 0 : slot + 1;
    if (this.#size < this.capacity) this.#size++;
    if (++this.#added > this.capacity) this.#rebuild(); // Indexes the new slot too.
    else {
      index[2 * at] = hash;
      index[2 * at + 1] = slot + 1;
    }
    return false;
  }

  /** Forgets every id (the duplicate count is kept). */
  clear(): void {
    this.#index.fill(0);
    this.#next = 0;
    this.#size = 0;
    this.#added = 0;
  }

  /** Indexes the slots in use afresh, without the stale entries. */
  #rebuild(): void {
    const index = this.#index;
    const ring = this.#ring;
    const mask = this.#mask;
    index.fill(0);
    for (let slot = 0; slot < this.#size; slot++) {
      const hash = ring[2 * slot];
      let at = hash & mask;
      while (index[2 * at + 1] !== 0) at = (at + 1) & mask;
      index[2 * at] = hash;
      index[2 * at + 1] = slot + 1;
    }
    this.#added = 0;
  }
}
