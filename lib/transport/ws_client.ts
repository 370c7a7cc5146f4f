/**
 * A WebSocket client (RFC 6455) over `Deno.connect` / `Deno.connectTls` that
 * reads the TCP stream in large chunks and parses the frames itself, so one
 * async read serves hundreds of messages: Deno's `WebSocket` costs one async
 * op and one DOM event per message, about as much as `JSON.parse` of a small
 * event. It has the part of the `WebSocket` interface the connection uses
 * (`readyState`, `send(text)`, `close(code, reason)`, the `on…` handlers,
 * `dispatchEvent` of a close event).
 *
 * Messages are delivered synchronously, in order, up to 32 KiB of them per
 * turn of the event loop; then it yields (`setImmediate`), so timers, keys
 * and other sockets take their turn even under a flood (the rest of a read
 * waits in the buffer). Text frames are decoded up to 16 KiB at a time with
 * one `TextDecoder` call (frame headers overwritten with spaces first), and
 * each message is a slice of that text: keeping a delivered string alive
 * keeps its segment's text alive, so a
 * consumer should not hold many raw messages for long. Parsed values
 * (`JSON.parse`) are copies and hold nothing.
 *
 * Failures are reported like Deno's `WebSocket` words them (an `error` event
 * whose message `failure.ts` reads: `Invalid status code: 404`, `Invalid
 * UTF-8`, `Unexpected EOF`, …) followed by a close event with code 1006; a
 * close handshake gives the server's code (1005 when it sent none).
 *
 * @module
 */

import { setImmediate } from "node:timers";
import {
  acceptFor,
  checkAnswer,
  clientFrame,
  closePayload,
  headEnd,
  MAX_HANDSHAKE_BYTES,
  newKey,
  upgradeRequest,
  validCloseCode,
} from "./ws_handshake.ts";

/** Options for {@link WsClient}. */
export interface WsClientOptions {
  /** Extra trusted CA certificates (PEM) for `wss://`. */
  caCerts?: string[];
  /** Messages (all fragments together) longer than this many bytes fail the connection (close 1009). Default 64 MiB. */
  maxMessageBytes?: number;
  /** Bytes read at once. Default 256 KiB. */
  chunkBytes?: number;
}

/** A message as delivered to `onmessage`: text as a string, binary as bytes. */
export interface WsMessageEvent {
  data: string | Uint8Array;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;
/** How long a closing socket waits for its last frames to be written before the TCP connection is closed. */
const LINGER_MS = 1000;
/**
 * Bytes of text messages decoded at once: one decode call (about 1 us) shared
 * by ~50 events, and a string small enough to be a young object that costs a
 * scavenge little to copy while its messages are alive (a chunk-sized string
 * is a large object, and made GC dearer with a small young generation).
 */
const SEGMENT_BYTES = 16 * 1024;
/**
 * Frames handled per turn of the event loop (at least one frame): under a flood every read finds data, and
 * Deno's event loop looks at work finished on other threads (a key read from the terminal) only every few
 * dozen turns, so a turn that handled a whole 256 KiB read (~1,000 messages, 2-3 ms) let a key wait up to
 * ~75 ms with one flooded socket and ~200 ms with three. With 32 KiB keys took 4-14 ms in the benchmark.
 */
const TURN_BYTES = 32 * 1024;
const NETWORK_ERROR = "NetworkError: failed to connect to WebSocket: ";

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);
/** Checks UTF-8 (throws on an invalid byte), slowly: only for text the fast decoder marked with U+FFFD. */
const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
/** Decodes about seven times faster than the strict one; puts U+FFFD for invalid bytes. */
const lenient = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * `bytes` as text; throws on invalid UTF-8. The lenient decoder does the
 * work; only a text that contains U+FFFD (invalid bytes, or a real U+FFFD) is
 * decoded again strictly.
 */
function decodeText(bytes: Uint8Array): string {
  const text = lenient.decode(bytes);
  return text.indexOf("\uFFFD") < 0 ? text : strict.decode(bytes);
}

/** How the socket ended. */
interface Ending {
  code: number;
  reason: string;
  wasClean: boolean;
  error: string | null;
}

/** Waits one turn of the event loop (timers, I/O of other sockets, keys). */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A WebSocket client connection; starts connecting at once, like `new WebSocket(url)`. */
export class WsClient {
  /** The connection is being opened. */
  static readonly CONNECTING = CONNECTING;
  /** Open: messages flow. */
  static readonly OPEN = OPEN;
  /** The close handshake has begun. */
  static readonly CLOSING = CLOSING;
  /** Closed. */
  static readonly CLOSED = CLOSED;

  /** The URL connected to. */
  readonly url: string;
  /** {@link WsClient.CONNECTING}, OPEN, CLOSING or CLOSED (the `WebSocket` numbers). */
  readyState: number = CONNECTING;
  /** Called once the handshake completed. */
  onopen: ((event: Event) => void) | null = null;
  /** Called for every message. */
  onmessage: ((event: WsMessageEvent) => void) | null = null;
  /** Called before `onclose` when the connection failed, with Deno-like words in `message`. */
  onerror: ((event: ErrorEvent) => void) | null = null;
  /** Called once when the connection is closed. */
  onclose: ((event: CloseEvent) => void) | null = null;

  #url: URL;
  #caCerts: string[] | undefined;
  #maxBytes: number;
  #chunkBytes: number;
  #conn: Deno.Conn | null = null;
  #buf: Uint8Array;
  #start = 0;
  #end = 0;
  /** Bytes of the incomplete frame at `#start` once its header is read, else 0. */
  #need = 0;
  /** The last parse stopped at its turn's budget ({@link TURN_BYTES}) with frames left in the buffer. */
  #more = false;
  #fragOpcode = 0;
  /** The fragments of the message being received, joined as they come (one copy per fragment, not one object). */
  #fragBuf: Uint8Array = EMPTY;
  #fragBytes = 0;
  #writes: Uint8Array[] = [];
  /** Index in `#writes` of a pong not yet written (a newer ping replaces it: RFC 6455 5.5.3), else -1. */
  #pongAt = -1;
  #flushing = false;
  #flushed: Promise<void> = Promise.resolve();
  #closeSent = false;
  #ended = false;
  #done: Promise<void> | null = null;
  /** Aborts a TCP connect still pending when the socket ends. */
  #connecting = new AbortController();
  #found: number[] = [];
  /** Payloads of the other frames of a pass (fragments, binary, control), copied end to end: no object per frame. */
  #scratch: Uint8Array = EMPTY;

  /**
   * Checks the URL and the network permission synchronously (a missing
   * permission throws `Deno.errors.NotCapable`, as `new WebSocket` does),
   * then connects in the background.
   */
  constructor(url: string, options: WsClientOptions = {}) {
    const u = new URL(url);
    if (u.protocol !== "ws:" && u.protocol !== "wss:") {
      throw new DOMException(`Only ws: and wss: URLs are supported, not ${u.protocol}`, "SyntaxError");
    }
    if (u.hash) throw new DOMException("A WebSocket URL must not have a fragment", "SyntaxError");
    this.url = url;
    this.#url = u;
    this.#caCerts = options.caCerts;
    this.#maxBytes = options.maxMessageBytes ?? 64 * 1024 * 1024;
    this.#chunkBytes = options.chunkBytes ?? 256 * 1024;
    this.#buf = new Uint8Array(this.#chunkBytes);
    checkPermission(this.#hostname(), this.#port());
    this.#done = this.#run();
  }

  /** Sends a text message; throws while connecting, ignored once closing (like `WebSocket.send`). */
  send(text: string): void {
    if (this.readyState === CONNECTING) throw new DOMException("The socket is still connecting", "InvalidStateError");
    if (this.readyState !== OPEN) return;
    this.#write(clientFrame(0x1, encoder.encode(text)));
  }

  /** Starts the close handshake with `code` (1000 or 3000-4999) and `reason` (at most 123 bytes). */
  close(code?: number, reason = ""): void {
    if (code !== undefined && code !== 1000 && !(code >= 3000 && code <= 4999)) {
      throw new DOMException(`Invalid close code ${code}`, "InvalidAccessError");
    }
    if (encoder.encode(reason).length > 123) throw new DOMException("The close reason is too long", "SyntaxError");
    if (this.readyState === CLOSING || this.readyState === CLOSED) return;
    if (this.readyState === CONNECTING) {
      this.readyState = CLOSING;
      this.#end_({ code: 1006, reason: "", wasClean: false, error: null });
      return;
    }
    this.readyState = CLOSING;
    this.#closeSent = true;
    this.#write(clientFrame(0x8, closePayload(code, reason)));
  }

  /**
   * Dispatches `event`; a close event ends the socket at once (without
   * waiting for the close handshake) and reaches `onclose`. Other events are
   * ignored. Returns true.
   */
  dispatchEvent(event: Event): boolean {
    if (event.type !== "close" || this.#ended) return true;
    this.#ended = true;
    this.readyState = CLOSED;
    this.#closeConn();
    this.#call(this.onclose, event as CloseEvent);
    return true;
  }

  // --- connecting ---------------------------------------------------------------

  #hostname(): string {
    return this.#url.hostname.replace(/^\[(.*)\]$/, "$1");
  }

  #port(): number {
    return Number(this.#url.port) || (this.#url.protocol === "wss:" ? 443 : 80);
  }

  async #run(): Promise<void> {
    let conn: Deno.Conn;
    try {
      if (this.#url.protocol === "wss:") {
        const tls = await Deno.connectTls({ hostname: this.#hostname(), port: this.#port(), caCerts: this.#caCerts });
        this.#conn = tls;
        if (this.#ended) {
          this.#closeConn(tls); // ended while connecting: do not start a TLS handshake that may never finish
          return;
        }
        await tls.handshake();
        conn = tls;
      } else {
        const tcp = await Deno.connect({
          hostname: this.#hostname(),
          port: this.#port(),
          signal: this.#connecting.signal,
        });
        this.#conn = conn = tcp;
        tcp.setNoDelay(true);
      }
      if (this.#ended) {
        this.#closeConn(conn);
        return;
      }
      await this.#handshake(conn);
    } catch (error) {
      this.#closeConn(this.#conn ?? undefined);
      this.#end_({ code: 1006, reason: "", wasClean: false, error: NETWORK_ERROR + messageOf(error) });
      return;
    }
    if (this.#ended) return;
    this.readyState = OPEN;
    this.#call(this.onopen, new Event("open"));
    await this.#pump(conn);
  }

  async #handshake(conn: Deno.Conn): Promise<void> {
    const key = newKey();
    const accept = acceptFor(key);
    await writeAll(conn, upgradeRequest(this.#url, key));
    // Room for the whole answer even with a small chunk size (the reader shrinks the buffer back once empty).
    if (this.#buf.length < MAX_HANDSHAKE_BYTES) this.#buf = new Uint8Array(MAX_HANDSHAKE_BYTES);
    const buf = this.#buf;
    let end = 0;
    let head = -1;
    while (head < 0) {
      const n = await conn.read(buf.subarray(end, MAX_HANDSHAKE_BYTES));
      if (n === null) throw new Error("connection closed before message completed");
      end += n;
      head = headEnd(buf, end);
      if (head < 0 && end >= MAX_HANDSHAKE_BYTES) throw new Error("handshake answer too long");
    }
    const problem = checkAnswer(new TextDecoder().decode(buf.subarray(0, head)), await accept);
    if (problem) throw new Error(problem);
    this.#start = head;
    this.#end = end;
  }

  // --- reading ------------------------------------------------------------------

  /** Reads chunks and handles their frames until the socket ends. */
  async #pump(conn: Deno.Conn): Promise<void> {
    while (true) {
      if (this.#parse()) await nextTurn();
      if (this.#ended) return;
      if (this.#more) continue; // Frames left from the last read: those first.
      this.#makeRoom();
      let n: number | null;
      try {
        n = await conn.read(this.#buf.subarray(this.#end));
      } catch (error) {
        this.#end_({ code: 1006, reason: "", wasClean: false, error: messageOf(error) });
        return;
      }
      if (this.#ended) return;
      if (n === null) {
        // A peer that closes TCP without a close frame; after our close frame, not an error.
        this.#end_({ code: 1006, reason: "", wasClean: false, error: this.#closeSent ? null : "Unexpected EOF" });
        return;
      }
      this.#end += n;
    }
  }

  /** Room to read into: drops handled bytes, moves a partial frame to the front, grows for a big frame. */
  #makeRoom(): void {
    if (this.#start === this.#end) {
      this.#start = this.#end = 0;
      if (this.#buf.length > this.#chunkBytes) this.#buf = new Uint8Array(this.#chunkBytes);
      return;
    }
    if (this.#start > 0) {
      this.#buf.copyWithin(0, this.#start, this.#end);
      this.#end -= this.#start;
      this.#start = 0;
    }
    const want = Math.max(this.#need, this.#end + 1);
    if (want > this.#buf.length) {
      const bigger = new Uint8Array(Math.max(want, 2 * this.#buf.length));
      bigger.set(this.#buf.subarray(0, this.#end));
      this.#buf = bigger;
    }
  }

  /**
   * Handles every complete frame in the buffer, in order; returns whether
   * there were any. Pass one checks the headers and lists the frames (complete
   * text messages by their offsets, other frames with a copy of their
   * payload), overwriting headers and other payloads with spaces so that the
   * run decodes as one text; pass two delivers.
   */
  #parse(): boolean {
    const buf = this.#buf;
    const end = this.#end;
    const found = this.#found;
    found.length = 0;
    this.#need = 0;
    this.#more = false;
    let at = this.#start;
    const budgetEnd = at + TURN_BYTES;
    let error: [string, number] | null = null;
    // Bytes of the fragmented message so far, with the fragments listed in this pass: checked at each
    // fragment's header, so a message over the limit fails before its last fragment is buffered.
    let fragBytes = this.#fragBytes;
    let scratch = this.#scratch;
    let stored = 0;
    while (end - at >= 2) {
      const b0 = buf[at];
      const b1 = buf[at + 1];
      const opcode = b0 & 0x0f;
      const fin = (b0 & 0x80) !== 0;
      if (b0 & 0x70) error = ["Reserved bits are not zero", 1002];
      else if (b1 & 0x80) error = ["Masked frame from the server", 1002];
      else if ((opcode > 2 && opcode < 8) || opcode > 10) error = [`Invalid opcode ${opcode}`, 1002];
      else if (opcode >= 8 && !fin) error = ["Control frame must not be fragmented", 1002];
      else if (opcode >= 8 && (b1 & 0x7f) > 125) error = ["Control frame too big", 1002];
      if (error) break;
      let len = b1 & 0x7f;
      let p = at + 2;
      if (len === 126) {
        if (end - p < 2) break;
        len = (buf[p] << 8) | buf[p + 1];
        p += 2;
      } else if (len === 127) {
        if (end - p < 8) break;
        if (buf[p] & 0x80) {
          error = ["Invalid frame length", 1002];
          break;
        }
        const high = buf[p] * 2 ** 24 + ((buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3]);
        len = high * 2 ** 32 + buf[p + 4] * 2 ** 24 + ((buf[p + 5] << 16) | (buf[p + 6] << 8) | buf[p + 7]);
        p += 8;
      }
      if (len > this.#maxBytes) {
        error = [`Message too big: ${len} bytes, the limit is ${this.#maxBytes}`, 1009];
        break;
      }
      if (opcode < 8 && (opcode === 0 || !fin)) {
        fragBytes = (opcode === 0 ? fragBytes : 0) + len;
        if (fragBytes > this.#maxBytes) {
          error = [`Message too big: over ${this.#maxBytes} bytes in fragments`, 1009];
          break;
        }
      }
      const e = p + len;
      if (e > end) {
        this.#need = e - at;
        break;
      }
      if (opcode === 0x1 && fin) {
        found.push(1, p, e);
        for (let i = at; i < p; i++) buf[i] = 0x20;
      } else {
        if (stored + len > scratch.length) {
          const bigger = new Uint8Array(Math.max(stored + len, 2 * scratch.length, 4096));
          bigger.set(scratch.subarray(0, stored));
          this.#scratch = scratch = bigger;
        }
        scratch.set(buf.subarray(p, e), stored);
        found.push(2 + (opcode << 1) + (fin ? 1 : 0), stored, stored + len);
        stored += len;
        buf.fill(0x20, at, e);
      }
      at = e;
      if (opcode === 0x8) break;
      if (at >= budgetEnd && end - at >= 2) {
        this.#more = true;
        break;
      }
    }
    this.#start = at;
    if (found.length > 0) this.#deliverAll();
    if (this.#scratch.length > this.#chunkBytes) this.#scratch = EMPTY;
    if (error) this.#fail(error[0], error[1]);
    return found.length > 0;
  }

  /**
   * Pass two of {@link WsClient.#parse}: the listed frames, in order. Text
   * messages are decoded a segment at a time (several messages, at most
   * {@link SEGMENT_BYTES} unless one is longer) and sliced; a segment that is
   * not all ASCII or not valid UTF-8 is decoded message by message instead.
   */
  #deliverAll(): void {
    const buf = this.#buf;
    const found = this.#found;
    let all: string | null = null;
    let base = 0;
    let segmentEnd = -1;
    for (let i = 0; i < found.length && !this.#ended; i += 3) {
      const kind = found[i];
      if (kind !== 1) {
        this.#frame((kind - 2) >> 1, (kind & 1) === 1, found[i + 1], found[i + 2]);
        continue;
      }
      if (this.#fragOpcode !== 0) return this.#fail("Expected a continuation frame", 1002);
      if (this.readyState !== OPEN) continue;
      const p = found[i + 1];
      const e = found[i + 2];
      if (e > segmentEnd) {
        segmentEnd = e;
        for (let k = i + 3; k < found.length; k += 3) {
          if (found[k] !== 1) continue;
          if (found[k + 2] - p > SEGMENT_BYTES) break;
          segmentEnd = found[k + 2];
        }
        base = p;
        // Slicing by byte offsets needs one character per byte: all ASCII. The same length without U+FFFD
        // (which replaces an invalid byte one for one) means that; else message by message, to fail at the
        // right one. (`indexOf` of a two-byte character in a one-byte string returns at once.)
        all = lenient.decode(buf.subarray(p, segmentEnd));
        if (all.length !== segmentEnd - p || all.indexOf("\uFFFD") >= 0) all = null;
      }
      let text: string;
      if (all !== null) {
        text = all.slice(p - base, e - base);
      } else {
        try {
          text = decodeText(buf.subarray(p, e));
        } catch {
          return this.#fail("Invalid UTF-8", 1007);
        }
      }
      this.#deliver(text);
    }
  }

  /** A frame other than a complete text message: fragments, binary, control frames; its payload is `#scratch[from, to)`. */
  #frame(opcode: number, fin: boolean, from: number, to: number): void {
    if (opcode === 0x0 || opcode === 0x1 || opcode === 0x2) {
      if (opcode === 0x0 && this.#fragOpcode === 0) return this.#fail("Invalid continuation frame", 1002);
      if (opcode !== 0x0 && this.#fragOpcode !== 0) return this.#fail("Expected a continuation frame", 1002);
      if (opcode !== 0x0) this.#fragOpcode = opcode;
      this.#append(from, to);
      if (!fin) return;
      const type = this.#fragOpcode;
      const bytes = this.#fragBuf.subarray(0, this.#fragBytes);
      this.#fragOpcode = 0;
      this.#fragBuf = EMPTY;
      this.#fragBytes = 0;
      if (type === 0x2) return this.#deliver(bytes.length === bytes.buffer.byteLength ? bytes : bytes.slice());
      let text: string;
      try {
        text = decodeText(bytes);
      } catch {
        return this.#fail("Invalid UTF-8", 1007);
      }
      return this.#deliver(text);
    }
    const payload = this.#scratch.subarray(from, to);
    if (opcode === 0x9) {
      if (this.#closeSent) return;
      // While earlier writes wait (a server that does not read), only the newest ping is answered.
      if (this.#pongAt >= 0) this.#writes[this.#pongAt] = clientFrame(0xa, payload);
      else {
        this.#write(clientFrame(0xa, payload));
        if (this.#flushing && this.#writes.length > 0) this.#pongAt = this.#writes.length - 1;
      }
      return;
    }
    if (opcode === 0x8) return this.#closeFrame(payload);
    // 0xa: a pong, nothing to do.
  }

  /** Adds a fragment's payload to the message being joined (the limit was checked at its header). */
  #append(from: number, to: number): void {
    const need = this.#fragBytes + to - from;
    if (need > this.#fragBuf.length) {
      const bigger = new Uint8Array(Math.max(need, Math.min(this.#maxBytes, Math.max(2 * this.#fragBuf.length, 1024))));
      bigger.set(this.#fragBuf.subarray(0, this.#fragBytes));
      this.#fragBuf = bigger;
    }
    // Tiny fragments byte by byte: no view object per fragment.
    if (to - from < 64) {
      const buf = this.#fragBuf;
      const scratch = this.#scratch;
      for (let i = from, at = this.#fragBytes; i < to; i++, at++) buf[at] = scratch[i];
    } else {
      this.#fragBuf.set(this.#scratch.subarray(from, to), this.#fragBytes);
    }
    this.#fragBytes = need;
  }

  /** The server's close frame: answer it (unless we began), then end cleanly with its code. */
  #closeFrame(payload: Uint8Array): void {
    let code = 1005;
    let reason = "";
    if (payload.length === 1) return this.#fail("Invalid close frame", 1002);
    if (payload.length >= 2) {
      code = (payload[0] << 8) | payload[1];
      if (!validCloseCode(code)) return this.#fail(`Invalid close code ${code}`, 1002);
      try {
        reason = strict.decode(payload.subarray(2));
      } catch {
        return this.#fail("Invalid UTF-8 in the close reason", 1007);
      }
    }
    if (!this.#closeSent) {
      this.#closeSent = true;
      this.#write(clientFrame(0x8, closePayload(code === 1005 ? undefined : code, "")));
    }
    this.#end_({ code, reason, wasClean: true, error: null });
  }

  #deliver(data: string | Uint8Array): void {
    if (this.readyState !== OPEN) return;
    const handler = this.onmessage;
    if (handler === null) return;
    try {
      handler.call(this, { data });
    } catch (error) {
      reportError(error);
    }
  }

  // --- writing and ending ---------------------------------------------------------

  #write(bytes: Uint8Array): void {
    this.#writes.push(bytes);
    if (this.#flushing || this.#conn === null) return;
    this.#flushing = true;
    this.#flushed = this.#flush(this.#conn);
  }

  async #flush(conn: Deno.Conn): Promise<void> {
    try {
      while (this.#writes.length > 0) {
        const batch = this.#writes.length === 1 ? this.#writes[0] : concat(this.#writes);
        this.#writes = [];
        this.#pongAt = -1;
        await writeAll(conn, batch);
      }
    } catch (error) {
      this.#writes = [];
      this.#end_({ code: 1006, reason: "", wasClean: false, error: messageOf(error) });
    } finally {
      this.#flushing = false;
    }
  }

  /** Fails the connection (RFC 6455 7.1.7): a close frame with `code` if none was sent, then close 1006. */
  #fail(text: string, code: number): void {
    if (this.#ended) return;
    if (!this.#closeSent) {
      this.#closeSent = true;
      this.#write(clientFrame(0x8, closePayload(code, "")));
    }
    this.#end_({ code: 1006, reason: "", wasClean: false, error: text });
  }

  /**
   * Ends the socket: no more messages; the last frames are written (for at
   * most {@link LINGER_MS}), the TCP connection closed, the reader stopped;
   * then `onerror` (on a failure) and `onclose`.
   */
  #end_(ending: Ending): void {
    if (this.#ended) return;
    this.#ended = true;
    this.readyState = CLOSED;
    const conn = this.#conn;
    this.#conn = null;
    if (conn === null) {
      // Still connecting: like `WebSocket`, report in a later task, once a plain TCP connect was cancelled
      // (a TLS connect cannot be; it is closed when it completes).
      this.#connecting.abort();
      const stopped = this.#url.protocol === "ws:" && this.#done ? this.#done : Promise.resolve();
      stopped.catch(() => {}).then(() => setTimeout(() => this.#report(ending), 0));
      return;
    }
    let linger: ReturnType<typeof setTimeout> | undefined;
    const written = this.#flushing
      ? Promise.race([this.#flushed, new Promise<void>((resolve) => linger = setTimeout(resolve, LINGER_MS))])
      : Promise.resolve();
    written.then(async () => {
      clearTimeout(linger);
      this.#closeConn(conn);
      // The reader's pending read fails once the connection is closed; report after it stopped.
      if (this.#done) await this.#done.catch(() => {});
      await this.#flushed;
      this.#report(ending);
    });
  }

  #report(ending: Ending): void {
    if (ending.error !== null) this.#call(this.onerror, new ErrorEvent("error", { message: ending.error }));
    const { code, reason, wasClean } = ending;
    this.#call(this.onclose, new CloseEvent("close", { code, reason, wasClean }));
  }

  #closeConn(conn: Deno.Conn | undefined = this.#conn ?? undefined): void {
    if (conn === this.#conn) this.#conn = null;
    try {
      conn?.close();
    } catch { /* already closed */ }
  }

  // deno-lint-ignore no-explicit-any
  #call(handler: ((event: any) => void) | null, event: Event): void {
    if (handler === null) return;
    try {
      handler.call(this, event);
    } catch (error) {
      reportError(error);
    }
  }
}

/** Throws `NotCapable` when the network permission does not cover `host:port` (prompting where Deno would). */
function checkPermission(hostname: string, port: number): void {
  const host = hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
  let state: Deno.PermissionState;
  try {
    state = Deno.permissions.querySync({ name: "net", host }).state;
    if (state === "prompt") state = Deno.permissions.requestSync({ name: "net", host }).state;
  } catch {
    return; // A host the permission API cannot parse: Deno.connect checks it.
  }
  if (state !== "granted") throw new Deno.errors.NotCapable(`Requires net access to "${host}"`);
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await conn.write(bytes.subarray(written));
}

function concat(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
