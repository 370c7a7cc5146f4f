/**
 * The client side of the RFC 6455 opening handshake, and masked client
 * frames: the pieces of {@link WsClient} that do not touch the read loop.
 *
 * @module
 */

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const encoder = new TextEncoder();

/** Longest handshake answer (status line and headers) accepted. */
export const MAX_HANDSHAKE_BYTES = 16 * 1024;

/** A new random `Sec-WebSocket-Key` (16 random bytes, base64). */
export function newKey(): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
}

/** The `Sec-WebSocket-Accept` a server must answer to `key`: base64(SHA-1(key + GUID)). */
export async function acceptFor(key: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-1", encoder.encode(key + GUID)));
  return btoa(String.fromCharCode(...digest));
}

/** The HTTP Upgrade request for `url` with `key`. */
export function upgradeRequest(url: URL, key: string): Uint8Array {
  return encoder.encode(
    `GET ${url.pathname || "/"}${url.search} HTTP/1.1\r\n` +
      `Host: ${url.host}\r\n` +
      "Upgrade: websocket\r\n" +
      "Connection: Upgrade\r\n" +
      `Sec-WebSocket-Key: ${key}\r\n` +
      "Sec-WebSocket-Version: 13\r\n\r\n",
  );
}

/** Index just past the blank line ending the HTTP head in `bytes[0, end)`, or -1. */
export function headEnd(bytes: Uint8Array, end: number): number {
  for (let i = 3; i < end; i++) {
    if (bytes[i] === 10 && bytes[i - 1] === 13 && bytes[i - 2] === 10 && bytes[i - 3] === 13) return i + 1;
  }
  return -1;
}

/**
 * Checks the server's answer to the Upgrade request; returns null when it
 * accepts the WebSocket, else the error text (worded like Deno's WebSocket:
 * `Invalid status code: 404`).
 */
export function checkAnswer(head: string, expectedAccept: string): string | null {
  const lines = head.split("\r\n");
  const status = /^HTTP\/1\.1 (\d{3})(?: |$)/.exec(lines[0]);
  if (!status) return `Invalid HTTP answer: ${lines[0].slice(0, 80)}`;
  if (status[1] !== "101") return `Invalid status code: ${status[1]}`;
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  if (headers.get("upgrade")?.toLowerCase() !== "websocket") return "Invalid Upgrade header in the answer";
  if (!/(^|,)\s*upgrade\s*(,|$)/i.test(headers.get("connection") ?? "")) {
    return "Invalid Connection header in the answer";
  }
  if (headers.get("sec-websocket-accept") !== expectedAccept) return "Invalid Sec-WebSocket-Accept in the answer";
  if (headers.has("sec-websocket-extensions")) return "The server chose an extension that was not offered";
  if (headers.has("sec-websocket-protocol")) return "The server chose a subprotocol that was not offered";
  return null;
}

/** Options for {@link frameBytes}. */
export interface FrameOptions {
  /** False for a fragment that more follow. Default true. */
  fin?: boolean;
  /** Mask the payload with a fresh random key (every client frame, RFC 6455 5.3; never a server's). Default false. */
  mask?: boolean;
}

/** One WebSocket frame: header (7-, 16- or 64-bit length), optional mask key, payload. */
export function frameBytes(opcode: number, payload: Uint8Array, options: FrameOptions = {}): Uint8Array {
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const masked = options.mask ?? false;
  const maskBit = masked ? 0x80 : 0;
  const out = new Uint8Array(head + (masked ? 4 : 0) + n);
  out[0] = (options.fin ?? true ? 0x80 : 0) | opcode;
  if (n < 126) {
    out[1] = maskBit | n;
  } else if (n < 65536) {
    out[1] = maskBit | 126;
    out[2] = n >> 8;
    out[3] = n & 0xff;
  } else {
    out[1] = maskBit | 127;
    new DataView(out.buffer).setBigUint64(2, BigInt(n));
  }
  if (!masked) {
    out.set(payload, head);
    return out;
  }
  const mask = crypto.getRandomValues(new Uint8Array(4));
  out.set(mask, head);
  const at = head + 4;
  for (let i = 0; i < n; i++) out[at + i] = payload[i] ^ mask[i & 3];
  return out;
}

/** One final, masked client frame (RFC 6455 5.3: a client masks every frame with a fresh random key). */
export function clientFrame(opcode: number, payload: Uint8Array): Uint8Array {
  return frameBytes(opcode, payload, { mask: true });
}

/** The payload of a close frame: the code, then the reason (UTF-8); empty without a code. */
export function closePayload(code: number | undefined, reason: string): Uint8Array {
  if (code === undefined) return new Uint8Array(0);
  const text = encoder.encode(reason);
  const out = new Uint8Array(2 + text.length);
  out[0] = code >> 8;
  out[1] = code & 0xff;
  out.set(text, 2);
  return out;
}

/** Whether a peer may send `code` in a close frame (RFC 6455 7.4). */
export function validCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}
