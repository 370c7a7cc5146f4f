/**
 * The event history's ring: the newest `capacity` entries, kept as columns
 * (times in a `Float64Array`, names, severities and texts in arrays) rather
 * than as one object per entry. At tens of thousands of events a second the
 * entries live just long enough to be copied by the young-generation garbage
 * collector and promoted to the old one; columns make a push allocate
 * nothing. Reads hand out fresh {@link HistoryEntry} objects.
 *
 * @module
 */

import type { Severity } from "../protocol/severity.ts";
import type { HistoryEntry } from "./history.ts";

/** Makes an entry's text from the parts given to {@link HistoryRing.addLazy}. */
// deno-lint-ignore no-explicit-any
type Formatter = (a: any, b: any, c: any) => string;

/** Keeps the newest `capacity` history entries; pushing is O(1) and allocates nothing. */
export class HistoryRing {
  readonly capacity: number;
  #at: Float64Array;
  #event: string[];
  #severity: Severity[];
  #text: string[];
  /** Entries added by {@link HistoryRing.addLazy}: their formatter and parts (null for ready text). */
  #format: (Formatter | null)[];
  #a: unknown[];
  #b: unknown[];
  #c: unknown[];
  #start = 0;
  #size = 0;
  /** Entries ever pushed, including those that fell out. */
  total = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(
        `Cannot create history ring as capacity is not a whole number >= 1: current value is ${capacity}`,
      );
    }
    this.capacity = capacity;
    this.#at = new Float64Array(capacity);
    this.#event = new Array(capacity).fill("");
    this.#severity = new Array(capacity).fill("info");
    this.#text = new Array(capacity).fill("");
    this.#format = new Array(capacity).fill(null);
    this.#a = new Array(capacity).fill(null);
    this.#b = new Array(capacity).fill(null);
    this.#c = new Array(capacity).fill(null);
  }

  /** Entries held now. */
  get size(): number {
    return this.#size;
  }

  /** Adds a copy of `entry`, dropping the oldest when full. */
  push(entry: HistoryEntry): void {
    this.add(entry.at, entry.event, entry.severity, entry.text);
  }

  /** Adds an entry from its parts, dropping the oldest when full. */
  add(at: number, event: string, severity: Severity, text: string): void {
    const end = this.#slot(at, event, severity);
    this.#text[end] = text;
    if (this.#format[end] !== null) this.#forget(end);
  }

  /**
   * Adds an entry whose text `format(a, b, c)` makes when it is read. A
   * flood pushes far more entries than anyone reads (about 17 rows are
   * drawn): the parts are kept instead of a formatted string per event.
   * `format` must be pure and its parts cleaned text or numbers.
   */
  addLazy<A, B, C>(
    at: number,
    event: string,
    severity: Severity,
    format: (a: A, b: B, c: C) => string,
    a: A,
    b: B,
    c: C,
  ): void {
    const end = this.#slot(at, event, severity);
    this.#text[end] = "";
    this.#format[end] = format as Formatter;
    this.#a[end] = a;
    this.#b[end] = b;
    this.#c[end] = c;
  }

  /** Claims the next slot (dropping the oldest entry when full) and fills its common columns. */
  #slot(at: number, event: string, severity: Severity): number {
    let end = this.#start + this.#size;
    if (end >= this.capacity) end -= this.capacity;
    this.#at[end] = at;
    this.#event[end] = event;
    this.#severity[end] = severity;
    if (this.#size < this.capacity) this.#size++;
    else if (++this.#start === this.capacity) this.#start = 0;
    this.total++;
    return end;
  }

  #forget(slot: number): void {
    this.#format[slot] = null;
    this.#a[slot] = this.#b[slot] = this.#c[slot] = null;
  }

  /** The text of `slot`, formatted now when it was added lazily. */
  #textAt(slot: number): string {
    const format = this.#format[slot];
    return format === null ? this.#text[slot] : format(this.#a[slot], this.#b[slot], this.#c[slot]);
  }

  /** The entry `i` places back from the newest (0 = newest), or undefined. */
  fromNewest(i: number): HistoryEntry | undefined {
    if (i < 0 || i >= this.#size) return undefined;
    const at = (this.#start + this.#size - 1 - i) % this.capacity;
    return { at: this.#at[at], event: this.#event[at], severity: this.#severity[at], text: this.#textAt(at) };
  }

  /** All entries, newest first. */
  newestFirst(): HistoryEntry[] {
    const out: HistoryEntry[] = [];
    for (let i = 0; i < this.#size; i++) out.push(this.fromNewest(i)!);
    return out;
  }

  /** Removes every entry (the total is kept). */
  clear(): void {
    this.#event.fill("");
    this.#text.fill("");
    this.#format.fill(null);
    this.#a.fill(null);
    this.#b.fill(null);
    this.#c.fill(null);
    this.#start = 0;
    this.#size = 0;
  }
}
