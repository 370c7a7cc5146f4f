/**
 * The clock of a replay: the recording's own time, not the wall clock of
 * the replay. It starts at the first recorded receive time, moves with the
 * wall clock scaled by the replay speed, jumps to each delivered frame's
 * recorded time, and never goes past the last one — so elapsed times and
 * "completed at" read as they did when the recording was made.
 *
 * @module
 */

/** A clock over recorded receive times (ms). */
export class ReplayClock {
  #base: number;
  #wallBase: number;
  #last: number;
  #speed: number;
  #wall: () => number;

  /** A clock over recorded times `first`..`last`, running `speed` times faster than `wall`. */
  constructor(first: number, last: number, speed = 1, wall: () => number = Date.now) {
    if (!Number.isFinite(first) || !Number.isFinite(last) || last < first) {
      throw new RangeError(`Cannot replay as the recorded times are invalid: current value is ${first}..${last}`);
    }
    this.#base = first;
    this.#last = last;
    this.#speed = speed;
    this.#wall = wall;
    this.#wallBase = wall();
  }

  /** A frame recorded at `t` was delivered: the clock is at least there from now on. */
  delivered(t: number): void {
    if (!Number.isFinite(t)) return;
    this.#base = Math.min(this.#last, Math.max(this.now(), t));
    this.#wallBase = this.#wall();
  }

  /** The recording's time now (ms). */
  now(): number {
    const t = this.#base + (this.#wall() - this.#wallBase) * this.#speed;
    return Math.min(this.#last, Math.max(this.#base, t));
  }
}

/** A replay clock for recorded frames, or null when none has a readable time. */
export function replayClockFor(frames: { t: string }[], speed = 1, wall?: () => number): ReplayClock | null {
  let first = Infinity;
  let last = -Infinity;
  for (const frame of frames) {
    const t = Date.parse(frame.t);
    if (!Number.isFinite(t)) continue;
    if (t < first) first = t;
    if (t > last) last = t;
  }
  return Number.isFinite(first) ? new ReplayClock(first, last, speed, wall) : null;
}
