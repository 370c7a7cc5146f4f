/**
 * The few pieces of RFC 6455 the flood sender needs, written by hand so that
 * it can pre-build frames and write them in large blocks from a raw socket:
 * the handshake answer, unmasked server frames, and a reader for the masked
 * frames a client sends.
 *
 * @module
 */

import { acceptFor, frameBytes } from "../lib/transport/ws_handshake.ts";

const encoder = new TextEncoder();

/** `Sec-WebSocket-Accept` for a client's `Sec-WebSocket-Key`: base64(sha1(key + GUID)). */
export const acceptKey: (key: string) => Promise<string> = acceptFor;

/** WebSocket opcodes used here. */
export const OP = { text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

/** One unmasked, final server frame (server-to-client frames are never masked). */
export function serverFrameBytes(payload: string | Uint8Array, opcode: number = OP.text): Uint8Array {
  return frameBytes(opcode, typeof payload === "string" ? encoder.encode(payload) : payload);
}

/** A frame a client sent, unmasked. */
export interface ClientFrame {
  opcode: number;
  fin: boolean;
  payload: Uint8Array;
}

/** Collects bytes from a client and yields complete (unmasked) frames. */
export class FrameReader {
  #buffer = new Uint8Array(0);

  /** Adds received bytes; returns every frame completed by them. */
  push(bytes: Uint8Array): ClientFrame[] {
    const joined = new Uint8Array(this.#buffer.length + bytes.length);
    joined.set(this.#buffer);
    joined.set(bytes, this.#buffer.length);
    const frames: ClientFrame[] = [];
    let at = 0;
    while (true) {
      const frame = readFrame(joined, at);
      if (!frame) break;
      frames.push(frame.frame);
      at = frame.next;
    }
    this.#buffer = joined.slice(at);
    return frames;
  }
}

function readFrame(b: Uint8Array, at: number): { frame: ClientFrame; next: number } | null {
  if (b.length - at < 2) return null;
  const fin = (b[at] & 0x80) !== 0;
  const opcode = b[at] & 0x0f;
  const masked = (b[at + 1] & 0x80) !== 0;
  let len = b[at + 1] & 0x7f;
  let p = at + 2;
  if (len === 126) {
    if (b.length - p < 2) return null;
    len = (b[p] << 8) | b[p + 1];
    p += 2;
  } else if (len === 127) {
    if (b.length - p < 8) return null;
    len = Number(new DataView(b.buffer, b.byteOffset + p, 8).getBigUint64(0));
    p += 8;
  }
  const maskLen = masked ? 4 : 0;
  if (b.length - p < maskLen + len) return null;
  const mask = b.subarray(p, p + maskLen);
  p += maskLen;
  const payload = b.slice(p, p + len);
  if (masked) { for (let i = 0; i < len; i++) payload[i] ^= mask[i & 3]; }
  return { frame: { opcode, fin, payload }, next: p + len };
}
