/**
 * Test helper: a WebSocket server written by hand on a TCP listener
 * (127.0.0.1, port 0), for tests of {@link WsClient} that need bytes a
 * well-behaved server cannot send, a handshake answer of their choosing, or
 * to see the client's frames (unmasked) as they arrive.
 *
 * @module
 */

import { acceptFor, frameBytes } from "./ws_handshake.ts";
import { WsClient, type WsClientOptions } from "./ws_client.ts";

/** A frame the client sent, unmasked. */
export interface SeenFrame {
  opcode: number;
  fin: boolean;
  /** Whether the client masked it (it must). */
  masked: boolean;
  payload: Uint8Array;
}

/** One accepted connection. */
export interface Peer {
  conn: Deno.Conn;
  /** The client's `Sec-WebSocket-Key` (for a `serve` that writes the answer itself, after an empty `answer`). */
  key: string;
  /** Frames the client sent so far. */
  frames: SeenFrame[];
  /** Resolves when the client closed its side of the TCP connection. */
  eof: Promise<void>;
  /** Writes bytes, ignoring a closed connection. */
  write(bytes: Uint8Array): Promise<void>;
}

/** A running raw server. */
export interface RawServer {
  url: string;
  peers: Peer[];
  close(): Promise<void>;
}

const encoder = new TextEncoder();

/** The usual 101 answer to `key`. */
export async function switching(key: string): Promise<string> {
  return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
    `Sec-WebSocket-Accept: ${await acceptFor(key)}\r\n\r\n`;
}

/** Options of {@link startRawServer}. */
export interface RawServerOptions {
  /** The server reads nothing after the handshake until this settles (a peer that never reads). */
  holdReads?: Promise<void>;
}

/**
 * Starts a server: each connection gets `answer(key)` (default
 * {@link switching}; bytes may follow it) as its handshake answer, then
 * `serve(peer)` runs. `close()` closes the listener and every connection,
 * and waits for the handlers (an `answer` that never settles blocks it).
 */
export function startRawServer(
  serve: (peer: Peer) => Promise<void> | void,
  answer: (key: string) => Promise<string | Uint8Array> | string | Uint8Array = switching,
  options: RawServerOptions = {},
): RawServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const tasks: Promise<void>[] = [];
  const conns = new Set<Deno.Conn>();
  const server: RawServer = {
    url: `ws://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    peers: [],
    close: async () => {
      listener.close();
      for (const conn of conns) {
        try {
          conn.close();
        } catch { /* closed */ }
      }
      await accepting;
      await Promise.allSettled(tasks);
    },
  };
  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        conns.add(conn);
        tasks.push(handle(conn));
      }
    } catch { /* closed */ }
  })();
  async function handle(conn: Deno.Conn): Promise<void> {
    const buf = new Uint8Array(64 * 1024);
    let end = 0;
    let headEnd = -1;
    while (headEnd < 0) {
      const n = await conn.read(buf.subarray(end)).catch(() => null);
      if (n === null) return;
      end += n;
      headEnd = new TextDecoder().decode(buf.subarray(0, end)).indexOf("\r\n\r\n");
    }
    const head = new TextDecoder().decode(buf.subarray(0, headEnd));
    const key = /^Sec-WebSocket-Key: *(.*)$/im.exec(head)?.[1]?.trim() ?? "";
    const text = await answer(key);
    const bytes = typeof text === "string" ? encoder.encode(text) : text;
    try {
      let written = 0;
      while (written < bytes.length) written += await conn.write(bytes.subarray(written));
    } catch { /* the client went away */ }
    let resolveEof!: () => void;
    const peer: Peer = {
      conn,
      key,
      frames: [],
      eof: new Promise((resolve) => resolveEof = resolve),
      write: async (bytes) => {
        try {
          let written = 0;
          while (written < bytes.length) written += await conn.write(bytes.subarray(written));
        } catch { /* the client went away */ }
      },
    };
    server.peers.push(peer);
    const first = buf.slice(headEnd + 4, end);
    const reading = (async () => {
      await options.holdReads;
      await readFrames(conn, first, peer.frames);
    })().finally(resolveEof);
    await Promise.all([serve(peer), reading]);
  }
  return server;
}

/** Reads the client's frames into `frames` until end of file. */
async function readFrames(conn: Deno.Conn, first: Uint8Array, frames: SeenFrame[]): Promise<void> {
  let pending = first;
  const buf = new Uint8Array(64 * 1024);
  while (true) {
    let at = 0;
    while (pending.length - at >= 2) {
      const masked = (pending[at + 1] & 0x80) !== 0;
      let len = pending[at + 1] & 0x7f;
      let p = at + 2;
      if (len === 126) {
        if (pending.length - p < 2) break;
        len = (pending[p] << 8) | pending[p + 1];
        p += 2;
      } else if (len === 127) {
        if (pending.length - p < 8) break;
        len = Number(new DataView(pending.buffer, pending.byteOffset + p, 8).getBigUint64(0));
        p += 8;
      }
      const mask = masked ? pending.slice(p, p + 4) : null;
      if (mask) p += 4;
      if (pending.length - p < len) break;
      const payload = pending.slice(p, p + len);
      if (mask) { for (let i = 0; i < len; i++) payload[i] ^= mask[i & 3]; }
      frames.push({ opcode: pending[at] & 0x0f, fin: (pending[at] & 0x80) !== 0, masked, payload });
      at = p + len;
    }
    pending = pending.slice(at);
    const n = await conn.read(buf).catch(() => null);
    if (n === null) return;
    const joined = new Uint8Array(pending.length + n);
    joined.set(pending);
    joined.set(buf.subarray(0, n), pending.length);
    pending = joined;
  }
}

/** An unmasked server frame (`fin` false for a fragment). */
export function frame(opcode: number, payload: string | Uint8Array, fin = true): Uint8Array {
  return frameBytes(opcode, typeof payload === "string" ? encoder.encode(payload) : payload, { fin });
}

/** The code of a close frame's payload (1005 when it has none). */
export function closeCode(payload: Uint8Array): number {
  return payload.length >= 2 ? (payload[0] << 8) | payload[1] : 1005;
}

/**
 * As a script: `deno run --allow-net=127.0.0.1 lib/transport/_ws_test_server.ts COUNT` serves, to each
 * connection, COUNT text messages tagged by the connection's order (`a…`, `b…`, …) right behind the
 * handshake answer, written in 256 KiB blocks; prints its URL first. A flood from another process, as
 * the monitors get it: the socket buffers stay full.
 */
if (import.meta.main) {
  const count = Number(Deno.args[0] ?? 100_000);
  let connections = 0;
  const server = startRawServer(async (peer) => {
    const one = frame(1, `${String.fromCharCode(97 + connections++)}${"-".repeat(200)}`);
    const per = Math.floor(256 * 1024 / one.length);
    const block = new Uint8Array(one.length * per);
    for (let i = 0; i < per; i++) block.set(one, i * one.length);
    for (let sent = 0; sent < count; sent += per) {
      await peer.write(sent + per <= count ? block : block.subarray(0, (count - sent) * one.length));
    }
  });
  console.log(server.url);
}

/** What a client saw, in order. */
export interface Seen {
  ws: WsClient;
  opened: boolean;
  messages: (string | Uint8Array)[];
  errors: string[];
  closes: { code: number; reason: string; wasClean: boolean }[];
}

/** A client of `url` whose every event is kept in a {@link Seen}. */
export function watch(url: string, options: WsClientOptions = {}): Seen {
  const ws = new WsClient(url, options);
  const seen: Seen = { ws, opened: false, messages: [], errors: [], closes: [] };
  ws.onopen = () => seen.opened = true;
  ws.onmessage = (e) => seen.messages.push(e.data);
  ws.onerror = (e) => seen.errors.push(e.message);
  ws.onclose = (e) => seen.closes.push({ code: e.code, reason: e.reason, wasClean: e.wasClean });
  return seen;
}

/** A `waitFor` test: the client saw its close. */
export const closed = (seen: Seen) => () => seen.closes.length > 0;
