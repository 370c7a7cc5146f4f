/**
 * A WebSocket server written by hand on a TCP listener, for tests that need
 * bytes a well-behaved server cannot send (invalid UTF-8, bad opcodes).
 *
 * @module
 */

/** A running raw server. */
export interface RawServer {
  url: string;
  /** Connections accepted. */
  connections: number;
  close(): Promise<void>;
}

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** Accepts WebSocket handshakes on 127.0.0.1, port 0, then writes `bytes` raw on every connection. */
export function startRawServer(bytes: Uint8Array): RawServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const state: RawServer = {
    url: `ws://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    connections: 0,
    close: async () => {
      listener.close();
      for (const conn of conns) conn.close();
      await accepting;
    },
  };
  const serve = async (conn: Deno.Conn) => {
    const buf = new Uint8Array(8192);
    const n = await conn.read(buf);
    const request = new TextDecoder().decode(buf.subarray(0, n ?? 0));
    const key = /Sec-WebSocket-Key: *(.*)\r\n/i.exec(request)?.[1]?.trim() ?? "";
    const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(key + GUID));
    const accept = btoa(String.fromCharCode(...new Uint8Array(digest)));
    await conn.write(new TextEncoder().encode(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    ));
    await conn.write(bytes);
  };
  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        state.connections++;
        conns.add(conn);
        serve(conn).catch(() => {});
      }
    } catch { /* closed */ }
  })();
  return state;
}
