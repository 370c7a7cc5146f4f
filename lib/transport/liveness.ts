/**
 * Tells a quiet link from a dead one. Real servers answer no application
 * ping, so after `idleMs` without a frame the connection sends a probe (an
 * idempotent re-subscribe, always answered); any frame received clears the
 * probe, and no frame within `probeTimeoutMs` means the link is dead.
 *
 * One one-shot timer at a time: no periodic wake-ups while frames flow.
 *
 * @module
 */

import type { Scheduler, TimerId } from "./scheduler.ts";

/** Options for {@link Liveness}. */
export interface LivenessOptions {
  /** Quiet time (ms) after which a probe is sent. */
  idleMs: number;
  /** Time (ms) a probe may go unanswered. */
  probeTimeoutMs: number;
  /** Sends a probe; returns false when none can be sent now (not subscribed yet, no channel). */
  probe(): boolean;
  /** Called once when a probe went unanswered. */
  dead(): void;
}

/** The probe timer of one socket; {@link Liveness.stop} it when the socket ends. */
export class Liveness {
  #scheduler: Scheduler;
  #options: LivenessOptions;
  #lastHeard: number;
  #probeSentAt: number | null = null;
  #timer: TimerId | null = null;

  /** Starts watching, counting quiet time from now. */
  constructor(scheduler: Scheduler, options: LivenessOptions) {
    this.#scheduler = scheduler;
    this.#options = options;
    this.#lastHeard = scheduler.now();
    this.#arm(options.idleMs);
  }

  /** Whether a probe is waiting for its answer. */
  get probing(): boolean {
    return this.#probeSentAt !== null;
  }

  /**
   * Records a frame from the server: the link is alive, any probe is answered.
   * `at` is the scheduler's time when the caller read it already (one clock read per frame).
   */
  heard(at?: number): void {
    this.#lastHeard = at ?? this.#scheduler.now();
    this.#probeSentAt = null;
  }

  /** Stops the timer for good. */
  stop(): void {
    if (this.#timer !== null) this.#scheduler.clearTimeout(this.#timer);
    this.#timer = null;
  }

  #arm(ms: number): void {
    this.stop();
    this.#timer = this.#scheduler.setTimeout(() => {
      this.#timer = null;
      this.#check();
    }, Math.max(10, ms));
  }

  #check(): void {
    const { idleMs, probeTimeoutMs } = this.#options;
    const now = this.#scheduler.now();
    if (this.#probeSentAt !== null) {
      if (now - this.#probeSentAt >= probeTimeoutMs) {
        this.#options.dead();
        return;
      }
      this.#arm(this.#probeSentAt + probeTimeoutMs - now);
    } else if (now - this.#lastHeard >= idleMs) {
      if (this.#options.probe()) {
        this.#probeSentAt = now;
        this.#arm(probeTimeoutMs);
      } else {
        this.#arm(Math.min(idleMs, 1000));
      }
    } else {
      this.#arm(this.#lastHeard + idleMs - now);
    }
  }
}
