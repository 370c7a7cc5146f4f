/**
 * Least-recently-used order over string keys: O(1) touch, delete and
 * oldest-first walk. (A `Map` re-inserted on every touch keeps that order
 * too, but walking it from the oldest end skips the holes that deletions
 * leave at its front, which made eviction slow.)
 *
 * @module
 */

interface Node<T> {
  key: string;
  value: T;
  prev: Node<T> | null;
  next: Node<T> | null;
}

/** Values by key, in least-recently-used order. */
export class LruOrder<T> {
  #nodes = new Map<string, Node<T>>();
  #oldest: Node<T> | null = null;
  #newest: Node<T> | null = null;

  /** Keys held. */
  get size(): number {
    return this.#nodes.size;
  }

  /** Marks `key` as the most recently used, holding `value` (adding it when new). */
  touch(key: string, value: T): void {
    let node = this.#nodes.get(key);
    if (node) {
      node.value = value;
      if (node === this.#newest) return;
      this.#unlink(node);
    } else {
      node = { key, value, prev: null, next: null };
      this.#nodes.set(key, node);
    }
    node.prev = this.#newest;
    node.next = null;
    if (this.#newest) this.#newest.next = node;
    this.#newest = node;
    this.#oldest ??= node;
  }

  /** Forgets `key`. */
  delete(key: string): void {
    const node = this.#nodes.get(key);
    if (!node) return;
    this.#unlink(node);
    this.#nodes.delete(key);
  }

  /** The first of the `limit` least recently used values that `test` accepts, else undefined. */
  findOldest(limit: number, test: (value: T) => boolean): T | undefined {
    let n = 0;
    for (let node = this.#oldest; node && n < limit; node = node.next, n++) if (test(node.value)) return node.value;
    return undefined;
  }

  /** The least recently used value, else undefined. */
  oldest(): T | undefined {
    return this.#oldest?.value;
  }

  /** Values from the least recently used on. */
  *oldestFirst(): Generator<T> {
    for (let node = this.#oldest; node; node = node.next) yield node.value;
  }

  #unlink(node: Node<T>): void {
    if (node.prev) node.prev.next = node.next;
    else this.#oldest = node.next;
    if (node.next) node.next.prev = node.prev;
    else this.#newest = node.prev;
    node.prev = node.next = null;
  }
}
