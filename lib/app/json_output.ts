/**
 * The JSON-lines output: when stdout is not a terminal (or with `--json`),
 * one JSON object per line and no screen control. `kind` is `message`
 * (every parsed message the event filter keeps), `status` (connection
 * changes), `malformed` (frames that could not be parsed) or `alert`.
 * Lines are written in chunks, at the latest 100 ms after the first
 * unwritten one (no timer runs while idle); a closed pipe (`| head`) ends
 * the run with code 0, any other write error (`> /dev/full`) with
 * {@link EXIT_CODES.output} and a message on stderr.
 *
 * @module
 */

import type { AlertChange } from "../model/alerts.ts";
import type { Problem } from "../protocol/envelope.ts";
import type { ConnectionStatus } from "../transport/connection.ts";
import { EXIT_CODES } from "./exit_codes.ts";
import type { Output, OutputHost, Received } from "./output.ts";

/** Where the bytes go. Default: Deno's stdout. */
export interface ByteWriter {
  /** Writes some of `bytes`; returns how many. Throws when the reader is gone. */
  writeSync(bytes: Uint8Array): number;
}

/** Options for {@link JsonOutput}. */
export interface JsonOutputOptions {
  /** Default `Deno.stdout`. */
  writer?: ByteWriter;
  /** Write at the latest this long (ms) after the first unwritten line. Default 100. */
  flushMs?: number;
}

/** Prints what happens as JSON lines. */
export class JsonOutput implements Output {
  #writer: ByteWriter;
  #flushMs: number;
  #host: OutputHost | null = null;
  #chunks: string[] = [];
  #size = 0;
  #encoder = new TextEncoder();
  #timer: ReturnType<typeof setTimeout> | null = null;
  #broken = false;
  /** A write error other than a closed pipe. */
  #error: Error | null = null;

  constructor(options: JsonOutputOptions = {}) {
    this.#writer = options.writer ?? Deno.stdout;
    this.#flushMs = options.flushMs ?? 100;
  }

  start(host: OutputHost): void {
    this.#host = host;
  }

  received(r: Received): void {
    const accept = this.#host?.accept;
    if (accept && r.message.type === "event" && !accept({ event: r.event.name, severity: r.event.severity })) return;
    this.#line({ time: iso(r.receivedAt), service: r.service, kind: "message", message: r.message });
  }

  status(service: string, status: ConnectionStatus): void {
    this.#line({
      time: iso(this.#host?.now() ?? Date.now()),
      service,
      kind: "status",
      state: status.state,
      attempt: status.attempt,
      reason: status.reason,
    });
  }

  problem(service: string, problem: Problem, receivedAt: number): void {
    this.#line({ time: iso(receivedAt), service, kind: "malformed", problem });
  }

  alert(change: AlertChange, at: number): void {
    this.#line({
      time: iso(at),
      kind: "alert",
      state: change.kind,
      rule: change.alert.text,
      value: change.actual ?? null,
    });
  }

  /** Writes what is left; rejects when that fails for another reason than a closed pipe. */
  close(): Promise<void> {
    this.#flush();
    return this.#error ? Promise.reject(this.#error) : Promise.resolve();
  }

  #line(value: unknown): void {
    if (this.#broken) return;
    const text = terminalInert(JSON.stringify(value)) + "\n";
    this.#chunks.push(text);
    this.#size += text.length;
    if (this.#size >= 64 * 1024) this.#flush();
    else this.#timer ??= setTimeout(() => this.#flush(), this.#flushMs);
  }

  #flush(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#chunks.length === 0 || this.#broken) return;
    const bytes = this.#encoder.encode(this.#chunks.join(""));
    this.#chunks = [];
    this.#size = 0;
    try {
      let written = 0;
      while (written < bytes.length) written += this.#writer.writeSync(bytes.subarray(written));
    } catch (error) {
      this.#broken = true;
      if (error instanceof Deno.errors.BrokenPipe) {
        this.#host?.quit(EXIT_CODES.ok);
        return;
      }
      this.#error = new Error(`writing JSON lines to stdout failed: ${error instanceof Error ? error.message : error}`);
      this.#host?.quit(EXIT_CODES.output, this.#error.message);
    }
  }
}

/**
 * JSON escapes C0 controls but not DEL, C1 controls (U+0080–U+009F, which
 * some terminals act on) or bidi and zero-width characters: write those as
 * `\uXXXX` too, so JSON lines on a terminal drive nothing. Same JSON value.
 */
function terminalInert(json: string): string {
  if (!INERT.test(json)) return json;
  return json.replace(INERT_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

const INERT = /[\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060-\u2069\ufeff\u061c]/;
const INERT_ALL = new RegExp(INERT.source, "g");

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
