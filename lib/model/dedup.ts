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

/** Ids up to this many UTF-16 units are copied into the window's typed arrays; longer ones are kept as strings. */
const INLINE_CHARS = 48;

/**
 * The last `capacity` distinct ids seen; `seen()` is O(1).
 *
 * Ids are kept as their characters in typed arrays (a ring of slots) with an
 * open-addressing hash index (linear probing, at most half full), not as the
 * strings themselves: at tens of thousands of events a second, a window of
 * retained id strings is what the garbage collector spends its time on.
 * Comparison is exact (hash, then every character).
 */
export class DedupWindow {
  readonly capacity: number;
  /** Slot -> hash of its id. */
  #hashes: Int32Array;
  /** Slot -> length of its id, -1 when empty. */
  #lengths: Int32Array;
  /** Slot -> the id's characters (`INLINE_CHARS` per slot). */
  #chars: Uint16Array;
  /** Slot -> the id itself when longer than `INLINE_CHARS`. */
  #long: (string | undefined)[];
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
    this.#lengths = new Int32Array(capacity).fill(-1);
    this.#chars = new Uint16Array(capacity * INLINE_CHARS);
    this.#long = new Array(capacity);
    this.#index = new Int32Array(tableSize);
  }

  /** Ids held now. */
  get size(): number {
    return this.#size;
  }

  /** True when `id` is in the window (a duplicate); otherwise remembers it, forgetting the oldest when full. */
  seen(id: string): boolean {
    const hash = hashOf(id);
    const index = this.#index;
    const mask = this.#mask;
    let at = hash & mask;
    for (let entry = index[at]; entry !== 0; entry = index[at]) {
      if (this.#hashes[entry - 1] === hash && this.#holds(entry - 1, id)) {
        this.duplicates++;
        return true;
      }
      at = (at + 1) & mask;
    }
    const slot = this.#next;
    if (this.#lengths[slot] >= 0) {
      this.#unindex(slot);
      // The free place found above may have moved: look again.
      at = hash & mask;
      while (index[at] !== 0) at = (at + 1) & mask;
    } else this.#size++;
    index[at] = slot + 1;
    this.#hashes[slot] = hash;
    this.#lengths[slot] = id.length;
    if (id.length <= INLINE_CHARS) {
      const chars = this.#chars;
      const base = slot * INLINE_CHARS;
      for (let i = 0; i < id.length; i++) chars[base + i] = id.charCodeAt(i);
      this.#long[slot] = undefined;
    } else this.#long[slot] = id;
    this.#next = (slot + 1) % this.capacity;
    return false;
  }

  /** Forgets every id (the duplicate count is kept). */
  clear(): void {
    this.#lengths.fill(-1);
    this.#index.fill(0);
    this.#long = new Array(this.capacity);
    this.#next = 0;
    this.#size = 0;
  }

  /** True when `slot` holds exactly `id`. */
  #holds(slot: number, id: string): boolean {
    if (this.#lengths[slot] !== id.length) return false;
    if (id.length > INLINE_CHARS) return this.#long[slot] === id;
    const chars = this.#chars;
    const base = slot * INLINE_CHARS;
    for (let i = 0; i < id.length; i++) if (chars[base + i] !== id.charCodeAt(i)) return false;
    return true;
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
    this.#lengths[slot] = -1;
  }
}

/** FNV-1a over the UTF-16 units of `text`. */
function hashOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}
