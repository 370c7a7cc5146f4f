/**
 * Drives a monitor from a recording instead of a server: the frames of one
 * service are parsed and handed over with their recorded spacing, scaled
 * by `speed`. Looks like a {@link Connection} to the app (status,
 * counters, start, close).
 *
 * @module
 */

import type { ConnectionCounters, ConnectionStatus, MessageInfo } from "../transport/connection.ts";
import { type Envelope, parseMessage, type Problem } from "../protocol/envelope.ts";
import type { RecordedFrame } from "./recorder.ts";
import type { ReplayClock } from "./replay_clock.ts";

/** Options for {@link ReplayFeed}. */
export interface ReplayFeedOptions {
  /** 1 = recorded speed, 10 = ten times faster. Default 1. */
  speed?: number;
  onMessage?: (message: Envelope, info: MessageInfo) => void;
  onProblem?: (problem: Problem, receivedAt: number) => void;
  onStatus?: (status: ConnectionStatus) => void;
  /** Clock. Default `Date.now`. */
  now?: () => number;
  /** The replay's clock: frames are handed over with their recorded receive time, and move it. */
  clock?: ReplayClock;
}

/** Replays recorded frames of one service. */
export class ReplayFeed {
  readonly counters: ConnectionCounters = { messages: 0, malformed: 0, reconnects: 0 };
  #frames: RecordedFrame[];
  #options: ReplayFeedOptions;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #index = 0;
  #status: ConnectionStatus;
  #now: () => number;

  constructor(label: string, frames: RecordedFrame[], options: ReplayFeedOptions = {}) {
    if (options.speed !== undefined && !(options.speed > 0)) {
      throw new RangeError(`Cannot replay as speed is not positive: current value is ${options.speed}`);
    }
    this.#frames = frames;
    this.#options = options;
    const clock = options.clock;
    this.#now = clock ? () => clock.now() : options.now ?? Date.now;
    this.#status = {
      state: "connecting",
      url: `replay:${label}`,
      attempt: 0,
      retryAt: null,
      reason: null,
      since: this.#now(),
    };
  }

  /** The current status: `connected` while replaying, `closed` at the end. */
  get status(): ConnectionStatus {
    return this.#status;
  }

  /** Starts replaying. */
  start(): void {
    this.#set("connected", null);
    this.#next();
  }

  /** Stops. */
  close(): Promise<void> {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#status.state !== "closed") this.#set("closed", "replay stopped");
    return Promise.resolve();
  }

  #set(state: ConnectionStatus["state"], reason: string | null): void {
    this.#status = { ...this.#status, state, reason, since: this.#now() };
    this.#options.onStatus?.(this.#status);
  }

  #next(): void {
    const frame = this.#frames[this.#index];
    if (!frame) {
      this.#timer = null;
      this.#set("closed", `replay finished: ${this.counters.messages} frames`);
      return;
    }
    this.#index++;
    const recorded = Date.parse(frame.t);
    const onRecordedTime = this.#options.clock !== undefined && Number.isFinite(recorded);
    if (onRecordedTime) this.#options.clock!.delivered(recorded);
    const now = onRecordedTime ? recorded : this.#now();
    this.counters.messages++;
    const result = parseMessage(frame.frame);
    if (result.ok) {
      this.#options.onMessage?.(result.message, { receivedAt: now, known: result.known, raw: frame.frame });
    } else {
      this.counters.malformed++;
      this.#options.onProblem?.(result.problem, now);
    }
    const following = this.#frames[this.#index];
    const gap = following ? Math.max(0, Date.parse(following.t) - Date.parse(frame.t)) : 0;
    this.#timer = setTimeout(
      () => this.#next(),
      Number.isFinite(gap) ? Math.min(gap / (this.#options.speed ?? 1), 60_000) : 0,
    );
  }
}
