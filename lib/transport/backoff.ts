/**
 * Exponential backoff with jitter for reconnecting clients.
 *
 * @module
 */

import type { RandomSource } from "./random.ts";

/** Options for {@link Backoff}. */
export interface BackoffOptions {
  /** First delay in ms. Default 500. */
  initialMs?: number;
  /** Factor between consecutive delays. Default 2. */
  multiplier?: number;
  /** Largest delay in ms, jitter included. Default 30 000. */
  maxMs?: number;
  /** Each delay is spread uniformly by ± this fraction. Default 0.2. */
  jitter?: number;
  /** A connection up this long (ms) resets the backoff. Default 10 000. */
  stableAfterMs?: number;
  /** Random source in [0, 1). Default `Math.random`. */
  random?: RandomSource;
}

/**
 * Computes reconnect delays: `initial * multiplier^attempt`, capped at
 * `maxMs`, spread by ±`jitter`. Call {@link Backoff.next} before each retry,
 * {@link Backoff.connected} when a connection opens and
 * {@link Backoff.disconnected} when it drops: a connection that stayed up for
 * `stableAfterMs` starts the sequence again from `initialMs`.
 */
export class Backoff {
  readonly initialMs: number;
  readonly multiplier: number;
  readonly maxMs: number;
  readonly jitter: number;
  readonly stableAfterMs: number;
  #random: RandomSource;
  #attempt = 0;
  #connectedAt: number | null = null;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = checkPositive("initialMs", options.initialMs ?? 500);
    this.multiplier = options.multiplier ?? 2;
    if (!(this.multiplier >= 1)) {
      throw new RangeError(`Cannot create backoff as multiplier is below 1: current value is ${this.multiplier}`);
    }
    this.maxMs = checkPositive("maxMs", options.maxMs ?? 30_000);
    this.jitter = options.jitter ?? 0.2;
    if (!(this.jitter >= 0 && this.jitter <= 1)) {
      throw new RangeError(`Cannot create backoff as jitter is outside [0, 1]: current value is ${this.jitter}`);
    }
    this.stableAfterMs = options.stableAfterMs ?? 10_000;
    this.#random = options.random ?? Math.random;
  }

  /** Retries made since the last reset. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The delay before the next retry, in whole ms; advances the attempt count. */
  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * this.multiplier ** this.#attempt);
    const spread = 1 - this.jitter + 2 * this.jitter * this.#random();
    this.#attempt++;
    return Math.round(Math.min(this.maxMs, base * spread));
  }

  /** Starts over from `initialMs`. */
  reset(): void {
    this.#attempt = 0;
  }

  /** Records that a connection opened at `now` (ms). */
  connected(now: number): void {
    this.#connectedAt = now;
  }

  /** Records that the connection dropped at `now`; resets when it was stable. */
  disconnected(now: number): void {
    if (this.#connectedAt !== null && now - this.#connectedAt >= this.stableAfterMs) this.reset();
    this.#connectedAt = null;
  }
}

function checkPositive(name: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(`Cannot create backoff as ${name} is not a positive number: current value is ${value}`);
  }
  return value;
}
