/**
 * Received frames packed for the store: a few hundred frames as one joined
 * string and two typed arrays instead of an object and a string each. What
 * the monitor's thread keeps while a batch waits is then a handful of objects
 * (no garbage-collection work per frame), and a batch crosses to the store's
 * thread as a few strings (no structured clone per frame).
 *
 * @module
 */

import { type EventRow, frameRow } from "./record.ts";

/** Frames in receive order. */
export interface FramePack {
  /** The frames' texts, one after the other. */
  text: string;
  /** Each frame's length in {@link FramePack.text} (UTF-16 code units). */
  lengths: Uint32Array;
  /** Each frame's receive time (ms). */
  receivedAt: Float64Array;
  /** The services the frames came from, each once. */
  services: string[];
  /** Each frame's index in {@link FramePack.services}. */
  service: Uint16Array;
}

/** The number of frames in `pack`. */
export function packSize(pack: FramePack): number {
  return pack.lengths.length;
}

/** Calls `each` with every frame of `pack`, in order. */
export function forEachFrame(
  pack: FramePack,
  each: (service: string, receivedAt: number, raw: string) => void,
): void {
  let at = 0;
  for (let i = 0; i < pack.lengths.length; i++) {
    const end = at + pack.lengths[i];
    each(pack.services[pack.service[i]], pack.receivedAt[i], pack.text.slice(at, end));
    at = end;
  }
}

/** The rows of `pack`'s frames (see `frameRow`); frames that do not parse have none. */
export function packRows(pack: FramePack, into: EventRow[] = []): EventRow[] {
  forEachFrame(pack, (service, receivedAt, raw) => {
    const row = frameRow(service, receivedAt, raw);
    if (row !== null) into.push(row);
  });
  return into;
}

/**
 * Characters after which a pack is closed however few frames it has: the
 * joined string then stays an ordinary young object (V8 puts strings over
 * 128 KiB in their own pages, fresh memory each time: measured 3x the cost).
 */
const PACK_CHARS = 60_000;

/** Collects frames into {@link FramePack}s of at most `capacity` frames (fewer when they are long). */
export class FramePacker {
  readonly capacity: number;
  #raws: string[] = [];
  #chars = 0;
  #lengths: Uint32Array;
  #receivedAt: Float64Array;
  #service: Uint16Array;
  #services: string[] = [];
  #lastService: string | null = null;
  #lastIndex = 0;

  /** `capacity`: frames per pack (1 to 65 536). */
  constructor(capacity = 512) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 65_536) {
      throw new RangeError(`Cannot create packer as capacity is not 1 to 65536: current value is ${capacity}`);
    }
    this.capacity = capacity;
    this.#lengths = new Uint32Array(capacity);
    this.#receivedAt = new Float64Array(capacity);
    this.#service = new Uint16Array(capacity);
  }

  /** Frames waiting in the open pack. */
  get size(): number {
    return this.#raws.length;
  }

  /** Adds one frame; true when the pack is now full (then {@link take} it). */
  add(service: string, receivedAt: number, raw: string): boolean {
    const n = this.#raws.length;
    const length = raw.length; // first: what is not text fails here, before anything changed
    if (service !== this.#lastService) {
      let index = this.#services.indexOf(service);
      if (index < 0) index = this.#services.push(service) - 1;
      this.#lastService = service;
      this.#lastIndex = index;
    }
    this.#raws.push(raw);
    this.#lengths[n] = length;
    this.#receivedAt[n] = receivedAt;
    this.#service[n] = this.#lastIndex;
    this.#chars += length;
    return n + 1 >= this.capacity || this.#chars >= PACK_CHARS;
  }

  /** The open pack, closed (null when empty); the next frame starts a new one. */
  take(): FramePack | null {
    const n = this.#raws.length;
    if (n === 0) return null;
    const full = n === this.capacity;
    const pack: FramePack = {
      text: this.#raws.join(""),
      lengths: full ? this.#lengths : this.#lengths.slice(0, n),
      receivedAt: full ? this.#receivedAt : this.#receivedAt.slice(0, n),
      services: this.#services,
      service: full ? this.#service : this.#service.slice(0, n),
    };
    this.#raws = [];
    this.#chars = 0;
    if (full) {
      this.#lengths = new Uint32Array(this.capacity);
      this.#receivedAt = new Float64Array(this.capacity);
      this.#service = new Uint16Array(this.capacity);
    }
    this.#services = [];
    this.#lastService = null;
    return pack;
  }
}
