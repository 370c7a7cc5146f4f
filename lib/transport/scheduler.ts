/**
 * Timers behind an interface, so that the transport's timeouts, probes and
 * retry delays run on the real clock in the monitors and on a virtual clock
 * in tests ({@link VirtualScheduler}), which advance time without sleeping.
 *
 * @module
 */

/** A handle returned by {@link Scheduler.setTimeout}. */
export type TimerId = number | ReturnType<typeof setTimeout>;

/** A clock with one-shot timers. */
export interface Scheduler {
  /** The current time (ms since the epoch, or virtual ms). */
  now(): number;
  /** Calls `fn` once, `ms` from now. */
  setTimeout(fn: () => void, ms: number): TimerId;
  /** Cancels a timer; unknown or fired ids are ignored. */
  clearTimeout(id: TimerId): void;
}

/** The real clock: `Date.now` and the global timers. */
export const realScheduler: Scheduler = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id as number),
};

interface VirtualTimer {
  id: number;
  at: number;
  fn: () => void;
}

/**
 * A clock that only moves when a test calls {@link VirtualScheduler.advance}.
 * Timers due at the same time fire in the order they were set. After each
 * timer, and at the end, `advance` lets the event loop run once, so that real
 * sockets can react to what a timer did.
 */
export class VirtualScheduler implements Scheduler {
  #now: number;
  #nextId = 1;
  #timers: VirtualTimer[] = [];

  /** Starts the clock at `start` ms. Default 0. */
  constructor(start = 0) {
    this.#now = start;
  }

  /** The virtual time (ms). */
  now(): number {
    return this.#now;
  }

  /** Sets a timer on the virtual clock. */
  setTimeout(fn: () => void, ms: number): number {
    const id = this.#nextId++;
    this.#timers.push({ id, at: this.#now + Math.max(0, ms), fn });
    return id;
  }

  /** Cancels a virtual timer. */
  clearTimeout(id: TimerId): void {
    this.#timers = this.#timers.filter((t) => t.id !== id);
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.#timers.length;
  }

  /** When the earliest timer is due, or null when none is set. */
  get nextAt(): number | null {
    return this.#timers.reduce<number | null>((min, t) => min === null || t.at < min ? t.at : min, null);
  }

  /**
   * Moves the clock `ms` forward, firing every timer that falls due on the
   * way (timers set by a firing timer included) at its own time.
   */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`Cannot advance the clock as ms is negative: current value is ${ms}`);
    const end = this.#now + ms;
    for (;;) {
      const due = this.#timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.#timers = this.#timers.filter((t) => t !== due);
      this.#now = due.at;
      due.fn();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    this.#now = end;
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}
