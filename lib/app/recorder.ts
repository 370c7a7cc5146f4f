/**
 * Recording and export files: `--record FILE.jsonl` appends every received
 * frame with its receive time, flushed in small batches so that a killed
 * process loses at most its last line; `--export FILE.csv|.jsonl` writes the
 * bounded event history on exit. A write error (disk full) stops the
 * recording and is reported, never fatal.
 *
 * @module
 */

import type { HistoryEntry } from "../model/history.ts";

/** One recorded line. The token is never in it: only received frames are. */
export interface RecordedFrame {
  /** Receive time, ISO 8601 UTC. */
  t: string;
  /** The service the frame came from (`pool`, `mahavishnu`, `akosha`…). */
  service: string;
  /** The frame text as received. */
  frame: string;
}

/** Appends frames to a JSONL file. */
export class Recorder {
  readonly path: string;
  #file: Deno.FsFile;
  #pending: string[] = [];
  #encoder = new TextEncoder();
  /** Why recording stopped, when it did. */
  error: string | null = null;
  /** Lines written. */
  lines = 0;

  constructor(path: string) {
    this.path = path;
    this.#file = Deno.openSync(path, { append: true, create: true });
  }

  /** Queues one frame; call {@link flush} to write. */
  add(service: string, frame: string, receivedAt: number): void {
    if (this.error) return;
    const line: RecordedFrame = { t: new Date(receivedAt).toISOString(), service, frame };
    this.#pending.push(JSON.stringify(line) + "\n");
    if (this.#pending.length >= 1000) this.flush();
  }

  /** Writes what is queued, whole lines only. */
  flush(): void {
    if (this.error || this.#pending.length === 0) return;
    const bytes = this.#encoder.encode(this.#pending.join(""));
    const count = this.#pending.length;
    this.#pending = [];
    try {
      let written = 0;
      while (written < bytes.length) written += this.#file.writeSync(bytes.subarray(written));
      this.lines += count;
    } catch (error) {
      this.error = `recording to ${this.path} stopped: ${error instanceof Error ? error.message : error}`;
    }
  }

  /** Flushes and closes. */
  close(): void {
    this.flush();
    try {
      this.#file.close();
    } catch { /* closed */ }
  }
}

/** One line of a recording, or of a monitor's JSON-lines output (`kind: "message"`), as a frame; else null. */
export function frameOf(v: unknown): RecordedFrame | null {
  const o = v as Record<string, unknown> | null;
  if (typeof o?.t === "string" && typeof o?.service === "string" && typeof o?.frame === "string") {
    return o as unknown as RecordedFrame;
  }
  if (o?.kind === "message" && typeof o.time === "string" && typeof o.service === "string" && o.message) {
    return { t: o.time, service: o.service, frame: JSON.stringify(o.message) };
  }
  return null;
}

/**
 * Reads a recording (`--record`), or the JSON lines a monitor prints when
 * piped (their `message` lines are replayed; status and malformed lines are
 * skipped). A broken line (a process killed mid-write) is skipped and counted.
 */
export function readRecording(text: string): { frames: RecordedFrame[]; skipped: number } {
  const frames: RecordedFrame[] = [];
  let skipped = 0;
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      const frame = frameOf(JSON.parse(line));
      if (frame) frames.push(frame);
      else if (!/"kind":"(status|malformed|alert)"/.test(line)) skipped++;
    } catch {
      skipped++;
    }
  }
  return { frames, skipped };
}

/** Writes the history (newest first) as CSV or JSON lines, by the file's extension. */
export function exportHistory(path: string, service: string, entries: HistoryEntry[]): void {
  const rows = [...entries].reverse();
  if (path.endsWith(".csv")) {
    const q = (s: string) => /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    const lines = [
      "time,service,event,severity,text",
      ...rows.map((e) => [new Date(e.at).toISOString(), service, e.event, e.severity, e.text].map(q).join(",")),
    ];
    Deno.writeTextFileSync(path, lines.join("\n") + "\n");
  } else {
    Deno.writeTextFileSync(
      path,
      rows.map((e) => JSON.stringify({ time: new Date(e.at).toISOString(), service, ...e, at: undefined })).join("\n") +
        "\n",
    );
  }
}
