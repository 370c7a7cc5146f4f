/**
 * A scriptable WebSocket server for tests: a real `Deno.serve` on
 * 127.0.0.1, port 0 (or a given port), whose behaviour each test sets.
 *
 * @module
 */

/** What the server does with one connection. */
export interface ScriptHandlers {
  /** Called when a client socket opens. */
  open?(ws: WebSocket, server: ScriptServer): void;
  /** Called for every client frame, parsed when it is JSON. */
  message?(ws: WebSocket, message: Record<string, unknown>, server: ScriptServer): void;
}

/** A running scriptable server. */
export interface ScriptServer {
  port: number;
  url: string;
  /** Every client message received, in order. */
  received: Record<string, unknown>[];
  /** Connections accepted. */
  connections: number;
  sockets: Set<WebSocket>;
  close(): Promise<void>;
}

/** A welcome frame as real servers send it. */
export function welcome(): string {
  return frame("event", "session.created", { connection_id: "c1", server: "test", authenticated: false });
}

/** A full envelope. */
export function frame(
  type: string,
  event: string | null,
  data: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): string {
  return JSON.stringify({
    id: crypto.randomUUID(),
    correlation_id: null,
    type,
    event,
    data,
    timestamp: "2026-02-10T23:59:59.123456",
    room: null,
    error_code: null,
    error_message: null,
    ...extra,
  });
}

/** Answers subscribe requests like a real server. */
export function answerSubscribe(ws: WebSocket, m: Record<string, unknown>): void {
  const data = m.data as Record<string, unknown> | undefined;
  if (m.event === "subscribe" && typeof data?.channel === "string") {
    ws.send(
      frame("response", "subscribe", { status: "subscribed", channel: data.channel }, {
        correlation_id: m.correlation_id ?? null,
      }),
    );
  }
}

/** Starts a server that runs `handlers`. */
export function startScriptServer(handlers: ScriptHandlers, port = 0): ScriptServer {
  const sockets = new Set<WebSocket>();
  const closed: Promise<void>[] = [];
  const state: ScriptServer = {
    port: 0,
    url: "",
    received: [],
    connections: 0,
    sockets,
    close: async () => {
      for (const ws of sockets) {
        try {
          ws.close(1001, "test server closing");
        } catch { /* closed */ }
      }
      await server.shutdown();
      await Promise.all(closed);
    },
  };
  const server = Deno.serve({ hostname: "127.0.0.1", port, onListen: () => {} }, (req) => {
    const { socket, response } = Deno.upgradeWebSocket(req);
    state.connections++;
    sockets.add(socket);
    closed.push(new Promise((resolve) => socket.addEventListener("close", () => resolve())));
    socket.onopen = () => handlers.open?.(socket, state);
    socket.onmessage = (e) => {
      let m: Record<string, unknown> = {};
      try {
        m = JSON.parse(e.data);
      } catch { /* keep {} */ }
      state.received.push(m);
      handlers.message?.(socket, m, state);
    };
    socket.onclose = () => sockets.delete(socket);
    return response;
  });
  state.port = server.addr.port;
  state.url = `ws://127.0.0.1:${state.port}`;
  return state;
}

/** Waits until `check` is true, polling; throws with `what` after `timeoutMs`. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
