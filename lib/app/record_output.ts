/**
 * The recording output (`--record FILE.jsonl`): appends every received
 * frame with its receive time, written at the latest 100 ms after the first
 * unwritten one, so that a killed process loses at most its last lines. A
 * write error stops the recording and shows on the status line, never fatal.
 *
 * @module
 */

import type { Output, OutputSummary, Received } from "./output.ts";
import { Recorder } from "./recorder.ts";

/** Options for {@link RecordOutput}. */
export interface RecordOutputOptions {
  /** Write at the latest this long (ms) after the first unwritten frame. Default 100. */
  flushMs?: number;
}

/** Records every received frame to a JSONL file that `--replay` reads. */
export class RecordOutput implements Output {
  #recorder: Recorder;
  #flushMs: number;
  #timer: ReturnType<typeof setTimeout> | null = null;

  /** Opens (appends to) `path`; throws when it cannot. */
  constructor(path: string, options: RecordOutputOptions = {}) {
    this.#recorder = new Recorder(path);
    this.#flushMs = options.flushMs ?? 100;
  }

  received(r: Received): void {
    this.#recorder.add(r.service, r.raw, r.receivedAt);
    this.#timer ??= setTimeout(() => this.#flush(), this.#flushMs);
  }

  summary(): OutputSummary {
    const r = this.#recorder;
    return r.error ? { text: "recording stopped", ok: false } : { text: `recording ${r.lines}`, ok: true };
  }

  close(): Promise<void> {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#recorder.close();
    if (this.#recorder.error) console.error(this.#recorder.error);
    return Promise.resolve();
  }

  #flush(): void {
    this.#timer = null;
    this.#recorder.flush();
  }
}
