/** A fixed-capacity ring buffer: memory stays flat under any event rate. @module */

/** Keeps the newest `capacity` items; pushing is O(1). */
export class Ring<T> {
  readonly capacity: number;
  #items: (T | undefined)[];
  #start = 0;
  #size = 0;
  /** Items ever pushed, including those that fell out. */
  total = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`Cannot create ring as capacity is not a whole number >= 1: current value is ${capacity}`);
    }
    this.capacity = capacity;
    this.#items = new Array(capacity);
  }

  /** Items held now. */
  get size(): number {
    return this.#size;
  }

  /** Adds `item`, dropping the oldest when full. */
  push(item: T): void {
    const end = (this.#start + this.#size) % this.capacity;
    this.#items[end] = item;
    if (this.#size < this.capacity) this.#size++;
    else this.#start = (this.#start + 1) % this.capacity;
    this.total++;
  }

  /** The item `i` places back from the newest (0 = newest), or undefined. */
  fromNewest(i: number): T | undefined {
    if (i < 0 || i >= this.#size) return undefined;
    return this.#items[(this.#start + this.#size - 1 - i) % this.capacity];
  }

  /** All items, newest first. */
  newestFirst(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.#size; i++) out.push(this.fromNewest(i) as T);
    return out;
  }

  /** Removes every item (the total is kept). */
  clear(): void {
    this.#items = new Array(this.capacity);
    this.#start = 0;
    this.#size = 0;
  }
}
