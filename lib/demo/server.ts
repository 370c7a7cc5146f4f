/**
 * A Mahavishnu-compatible WebSocket server (and an Akosha one on its own
 * port) that speaks `docs/PROTOCOL.md` as strictly as the real servers do and
 * broadcasts the {@link Simulation}: each service answers only its own
 * requests, sends only the real error codes, and broadcasts each event to its
 * rooms only (patterns to `patterns:{type}`, never to a plain `patterns`).
 *
 * @module
 */

import type { RecordedFrame } from "../app/recorder.ts";
import { seededRandom } from "../transport/random.ts";
import { answerRequest, type Service } from "./_answers.ts";
import { decodeClientMessage } from "./_client_message.ts";
import { type PoolStatusShape, type Scenario, type SimEvent, Simulation } from "./simulation.ts";

/** The largest client message the real servers accept (bytes); a larger one closes the connection with 1009. */
export const MAX_CLIENT_MESSAGE_BYTES = 1024 * 1024;

/** Options for {@link startDemoServer}. */
export interface DemoServerOptions {
  /** Interface to listen on. Default `127.0.0.1`. */
  hostname?: string;
  /** Mahavishnu port; 0 picks a free one, null runs no Mahavishnu server. Default 8690. */
  port?: number | null;
  /** Akosha port; 0 picks a free one, null runs no Akosha server. Default 8692. */
  akoshaPort?: number | null;
  /** Pool events per second. Default 8. */
  rate?: number;
  /** Random seed. Default: time-based. */
  seed?: number;
  /** Default `steady`. */
  scenario?: Scenario;
  /** Default `mixed`. */
  poolStatusShape?: PoolStatusShape;
  /** When set, clients must authenticate with this token first. */
  requireToken?: string;
  /** Connections at once before new ones are closed with 1013. Default 1000. */
  maxConnections?: number;
  /** Client messages per second before RATE_LIMIT_EXCEEDED (Mahavishnu only, like the real servers). Default 100 (burst 1.5x). */
  clientRateLimit?: number;
  /** Clock (ms). Default `Date.now`. */
  now?: () => number;
  /** Serve these recorded frames (from `--record`) instead of simulating; events only, in their rooms. */
  replay?: RecordedFrame[];
  /** Replay speed factor. Default 1. */
  replaySpeed?: number;
}

/** A running demo server. */
export interface DemoServer {
  /** The Mahavishnu port, or null. */
  port: number | null;
  /** The Akosha port, or null. */
  akoshaPort: number | null;
  /** Connected clients of both servers. */
  readonly clients: number;
  /** Stops broadcasting, closes every client and both listeners. */
  close(): Promise<void>;
}

interface Client {
  ws: WebSocket;
  rooms: Set<string>;
  authenticated: boolean;
  tokens: number;
  lastRefill: number;
}

/** A zone-less local timestamp, as the real servers put in envelopes. */
function localStamp(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  const micros = String(d.getMilliseconds() * 1000).padStart(6, "0");
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}:${
    two(d.getSeconds())
  }.${micros}`;
}

/** Builds a server frame with every envelope field present. */
export function serverFrame(
  type: string,
  event: string | null,
  data: Record<string, unknown>,
  extra: { room?: string | null; correlation_id?: string | null; error_code?: string; error_message?: string } = {},
  now = Date.now(),
): string {
  return JSON.stringify({
    id: crypto.randomUUID(),
    correlation_id: extra.correlation_id ?? null,
    type,
    event,
    data,
    timestamp: localStamp(now),
    room: extra.room ?? null,
    error_code: extra.error_code ?? null,
    error_message: extra.error_message ?? null,
  });
}

/** One listening WebSocket endpoint with rooms. */
class Endpoint {
  readonly clients = new Set<Client>();
  readonly rooms = new Map<string, Set<Client>>();
  server: Deno.HttpServer<Deno.NetAddr>;

  constructor(
    readonly name: Service,
    hostname: string,
    port: number,
    private readonly options: DemoServerOptions,
    private readonly sim: Simulation | null,
  ) {
    this.server = Deno.serve(
      { hostname, port, onListen: () => {} },
      (request) => this.#handle(request),
    );
  }

  get port(): number {
    return this.server.addr.port;
  }

  broadcast(event: SimEvent, now: number): void {
    for (const room of event.rooms) {
      const members = this.rooms.get(room);
      if (!members || members.size === 0) continue;
      const frame = serverFrame("event", event.event, event.data, { room }, now);
      for (const client of members) this.#send(client, frame);
    }
  }

  /** Sends a recorded event frame to its room (or to every client when it has none). */
  broadcastRaw(frame: string): void {
    let room: string | null = null;
    try {
      const v = JSON.parse(frame);
      if (v?.type !== "event") return;
      room = typeof v.room === "string" ? v.room : null;
    } catch {
      return;
    }
    const members = room === null ? this.clients : this.rooms.get(room);
    for (const client of members ?? []) this.#send(client, frame);
  }

  async close(): Promise<void> {
    for (const client of this.clients) {
      try {
        client.ws.close(1001, "server shutting down");
      } catch { /* already closed */ }
    }
    await this.server.shutdown();
  }

  #now(): number {
    return (this.options.now ?? Date.now)();
  }

  #handle(request: Request): Response {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response(`${this.name} demo server: connect with a WebSocket client\n`, { status: 426 });
    }
    const { socket, response } = Deno.upgradeWebSocket(request);
    const client: Client = {
      ws: socket,
      rooms: new Set(),
      authenticated: !this.options.requireToken,
      tokens: clientRate(this.options) * 1.5,
      lastRefill: this.#now(),
    };
    socket.onopen = () => {
      if (this.clients.size >= (this.options.maxConnections ?? 1000)) {
        socket.close(1013, "server at maximum capacity");
        return;
      }
      this.clients.add(client);
      if (client.authenticated) this.#welcome(client);
    };
    socket.onmessage = (event) => this.#receive(client, event.data);
    socket.onclose = () => this.#forget(client);
    socket.onerror = () => this.#forget(client);
    return response;
  }

  #forget(client: Client): void {
    this.clients.delete(client);
    for (const room of client.rooms) this.rooms.get(room)?.delete(client);
    client.rooms.clear();
  }

  #welcome(client: Client): void {
    const data: Record<string, unknown> = {
      connection_id: crypto.randomUUID(),
      server: this.name === "mahavishnu" ? "mahavishnu-demo" : "akosha-demo",
      message: this.name === "mahavishnu"
        ? "Connected to Mahavishnu orchestration (demo)"
        : "Connected to Akosha pattern detection (demo)",
      authenticated: !!this.options.requireToken && client.authenticated,
      secure: false,
    };
    if (this.name === "mahavishnu") data.rate_limit = clientRate(this.options);
    this.#send(client, serverFrame("event", "session.created", data, {}, this.#now()));
  }

  #send(client: Client, frame: string): void {
    if (client.ws.readyState !== WebSocket.OPEN) return;
    try {
      client.ws.send(frame);
    } catch { /* closing */ }
  }

  /** An error as the real servers make it: no event, empty data. */
  #error(client: Client, code: string, message: string, correlationId: string | null): void {
    this.#send(
      client,
      serverFrame("error", null, {}, {
        correlation_id: correlationId,
        error_code: code,
        error_message: message,
      }, this.#now()),
    );
  }

  #limited(client: Client): boolean {
    const rate = clientRate(this.options);
    const now = this.#now();
    client.tokens = Math.min(rate * 1.5, client.tokens + (now - client.lastRefill) * rate / 1000);
    client.lastRefill = now;
    if (client.tokens < 1) return true;
    client.tokens--;
    return false;
  }

  #receive(client: Client, frame: unknown): void {
    if (client.ws.readyState !== WebSocket.OPEN) return;
    const text = typeof frame === "string" ? frame : null;
    if (text !== null && tooLarge(text)) {
      client.ws.close(1009, "message too big");
      return;
    }
    const decoded = text === null
      ? { ok: false as const, reason: "binary frames are not part of the protocol" }
      : decodeClientMessage(text);
    if (!client.authenticated) {
      this.#authenticate(client, decoded);
      return;
    }
    if (!decoded.ok) {
      this.#error(client, "DECODE_ERROR", decoded.reason, null);
      return;
    }
    const message = decoded.message;
    if (this.name === "mahavishnu" && this.#limited(client)) {
      const retry = (1 / clientRate(this.options)).toFixed(3);
      this.#error(
        client,
        "RATE_LIMIT_EXCEEDED",
        `Message rate limit exceeded. Retry after ${retry} seconds.`,
        message.correlation_id,
      );
      return;
    }
    // Only requests are handled; pings, `type: "subscribe"` and the rest are logged and dropped by the real servers.
    if (message.type !== "request") return;
    const corr = message.correlation_id;
    const data = message.data;
    if (message.event === "subscribe" || message.event === "unsubscribe") {
      const channel = data.channel;
      if (typeof channel !== "string" || channel === "") return; // The real servers answer nothing here.
      if (message.event === "subscribe") {
        client.rooms.add(channel);
        let members = this.rooms.get(channel);
        if (!members) this.rooms.set(channel, members = new Set());
        members.add(client);
      } else {
        client.rooms.delete(channel);
        this.rooms.get(channel)?.delete(client);
      }
      this.#respond(client, message.event, { status: `${message.event}d`, channel }, corr);
      return;
    }
    const answer = answerRequest(this.name, message.event, data, { sim: this.sim });
    if (answer.kind === "response") this.#respond(client, message.event, answer.data, corr);
    else if (answer.kind === "error") this.#error(client, answer.code, answer.message, corr);
  }

  /** The first message on a server that requires a token: the auth request, or the connection ends. */
  #authenticate(client: Client, decoded: ReturnType<typeof decodeClientMessage>): void {
    if (!decoded.ok) {
      client.ws.close(1011, "Authentication error");
      return;
    }
    const message = decoded.message;
    if (message.type !== "request" || message.event !== "auth") {
      this.#error(client, "AUTH_REQUIRED", "Authentication required", null);
      client.ws.close(1008, "Authentication required");
      return;
    }
    const token = message.data.token;
    if (typeof token !== "string" || token !== this.options.requireToken) {
      const why = typeof token === "string" ? "Invalid or expired token" : "Missing or malformed auth token";
      this.#error(client, "AUTH_FAILED", why, message.correlation_id);
      client.ws.close(1008, "Authentication failed");
      return;
    }
    client.authenticated = true;
    this.#respond(client, "auth", { status: "authenticated", user_id: "demo" }, message.correlation_id);
    this.#welcome(client);
  }

  #respond(client: Client, event: string | null, data: Record<string, unknown>, corr: string | null): void {
    this.#send(client, serverFrame("response", event, data, { correlation_id: corr }, this.#now()));
  }
}

/** The Mahavishnu client rate limit of `options` (messages per second). */
function clientRate(options: DemoServerOptions): number {
  return options.clientRateLimit ?? 100;
}

/** True when `text` is longer than {@link MAX_CLIENT_MESSAGE_BYTES} in UTF-8. */
function tooLarge(text: string): boolean {
  if (text.length > MAX_CLIENT_MESSAGE_BYTES) return true;
  if (text.length * 3 <= MAX_CLIENT_MESSAGE_BYTES) return false;
  return new TextEncoder().encode(text).length > MAX_CLIENT_MESSAGE_BYTES;
}

/** Starts the demo server(s); resolves once they listen. */
export function startDemoServer(options: DemoServerOptions = {}): DemoServer {
  const now = options.now ?? Date.now;
  const hostname = options.hostname ?? "127.0.0.1";
  const rate = options.rate ?? 8;
  if (!(rate > 0) || rate > 1_000_000) {
    throw new RangeError(`Cannot start demo server as rate is not in (0, 1e6]: current value is ${rate}`);
  }
  const sim = new Simulation({
    random: seededRandom(options.seed ?? Date.now()),
    scenario: options.scenario,
    poolStatusShape: options.poolStatusShape,
    now: now(),
  });
  const mPort = options.port === undefined ? 8690 : options.port;
  const aPort = options.akoshaPort === undefined ? 8692 : options.akoshaPort;
  // A replaying server has no pool manager: status requests get no answer, as on such a real server.
  const world = options.replay ? null : sim;
  const mahavishnu = mPort === null ? null : new Endpoint("mahavishnu", hostname, mPort, options, world);
  let akosha: Endpoint | null = null;
  try {
    akosha = aPort === null ? null : new Endpoint("akosha", hostname, aPort, options, world);
  } catch (error) {
    mahavishnu?.server.shutdown();
    throw error;
  }
  /** The handle on both endpoints; `stop` ends what feeds them. */
  const running = (stop: () => void): DemoServer => ({
    port: mahavishnu?.port ?? null,
    akoshaPort: akosha?.port ?? null,
    get clients() {
      return (mahavishnu?.clients.size ?? 0) + (akosha?.clients.size ?? 0);
    },
    async close() {
      stop();
      await Promise.all([mahavishnu?.close(), akosha?.close()]);
    },
  });
  if (options.replay) {
    const frames = options.replay;
    const speed = options.replaySpeed ?? 1;
    let i = 0;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const next = () => {
      const f = frames[i++];
      if (!f) return;
      (f.service === "akosha" ? akosha : mahavishnu)?.broadcastRaw(f.frame);
      const following = frames[i];
      const gap = following ? Math.max(0, Date.parse(following.t) - Date.parse(f.t)) / speed : 0;
      timer = setTimeout(next, Number.isFinite(gap) ? Math.min(gap, 60_000) : 0);
    };
    // Start once a client has subscribed, so that the first frames reach someone.
    const wait = () => {
      const subscribed = (mahavishnu?.rooms.size ?? 0) + (akosha?.rooms.size ?? 0) > 0;
      timer = setTimeout(subscribed ? next : wait, subscribed ? 100 : 50);
    };
    wait();
    return running(() => {
      if (timer !== null) clearTimeout(timer);
    });
  }
  const tickMs = 50;
  let credit = 0;
  let tickCount = 0;
  const timer = setInterval(() => {
    const t = now();
    tickCount++;
    let factor = 1;
    if (sim.scenario === "burst" && tickCount % 100 < 20) factor = 20;
    credit += rate * factor * tickMs / 1000;
    if (mahavishnu) {
      while (credit >= 1) {
        credit--;
        for (const e of sim.poolStep(t)) mahavishnu.broadcast(e, t);
      }
      for (const e of sim.workflowStep(t)) mahavishnu.broadcast(e, t);
    }
    if (akosha) { for (const e of sim.akoshaStep(t)) akosha.broadcast(e, t); }
  }, tickMs);
  return running(() => clearInterval(timer));
}
