/**
 * The one resilient WebSocket client all monitors use: connects (ws or wss
 * with an optional CA), authenticates, waits for the welcome, subscribes and
 * re-subscribes after every reconnect, matches responses, detects dead
 * connections and reconnects with exponential backoff.
 *
 * @module
 */

import { Backoff, type BackoffOptions } from "./backoff.ts";
import {
  authRequest,
  type Envelope,
  messageChannel,
  parseMessage,
  type Problem,
  responseStatus,
  subscribeRequest,
  unsubscribeRequest,
} from "../protocol/envelope.ts";

/** Where a connection is in its life. */
export type ConnectionState = "connecting" | "connected" | "reconnecting" | "auth_failed" | "closed";

/** A snapshot of a connection's state, for views. */
export interface ConnectionStatus {
  state: ConnectionState;
  /** The server URL. */
  url: string;
  /** Failed attempts since the last good connection. */
  attempt: number;
  /** When `reconnecting`: the time (ms) of the next attempt. */
  retryAt: number | null;
  /** Why the last connection ended or failed, in words for a person. */
  reason: string | null;
  /** When this state began (ms). */
  since: number;
}

/** Counters kept for the life of a {@link Connection}. */
export interface ConnectionCounters {
  /** Frames received, good or bad. */
  messages: number;
  /** Frames that could not be parsed. */
  malformed: number;
  /** Reconnect attempts scheduled. */
  reconnects: number;
}

/** What the connection knows about a received message. */
export interface MessageInfo {
  /** Receive time (ms). */
  receivedAt: number;
  /** False for event names or types the protocol does not define. */
  known: boolean;
  /** The frame text as received. */
  raw: string;
}

/** Options for {@link Connection}. */
export interface ConnectionOptions {
  /** Channels to subscribe to after every (re)connect. Default none. */
  channels?: string[];
  /** Auth token (JWT), sent as the first message. Never logged. */
  token?: string;
  /** Extra trusted CA certificates (PEM) for `wss://`. */
  caCerts?: string[];
  /** Requests to send after the subscriptions on every (re)connect, e.g. `get_pool_status`. */
  initialRequests?: () => Envelope[];
  /** Called for every parsed message, responses and errors included. */
  onMessage?: (message: Envelope, info: MessageInfo) => void;
  /** Called for every frame that could not be parsed. */
  onProblem?: (problem: Problem, receivedAt: number) => void;
  /** Called on every status change. */
  onStatus?: (status: ConnectionStatus) => void;
  /** Backoff settings, or a ready {@link Backoff}. */
  backoff?: Backoff | BackoffOptions;
  /** Quiet time (ms) after which a probe request is sent. Default 20 000. */
  idleTimeoutMs?: number;
  /** Time (ms) a probe may go unanswered before the connection counts as dead. Default 5 000. */
  probeTimeoutMs?: number;
  /** Time (ms) the socket may take to open. Default 10 000. */
  handshakeTimeoutMs?: number;
  /** Time (ms) to wait for the welcome before subscribing anyway. Default 2 000. */
  welcomeTimeoutMs?: number;
  /** Frames longer than this many characters are refused. Default 4 MiB. */
  maxFrameLength?: number;
  /** Clock (ms). Default `Date.now`. */
  now?: () => number;
}

const AUTH_ERRORS = new Set(["AUTH_FAILED", "AUTH_REQUIRED"]);

/** Per-socket state; a new one for every attempt. */
interface Session {
  ws: WebSocket;
  opened: boolean;
  ready: boolean;
  authenticated: boolean;
  welcomed: boolean;
  authId: string | null;
  lastReceivedAt: number;
  probeSentAt: number | null;
  timers: ReturnType<typeof setTimeout>[];
  closed: Promise<void>;
}

/**
 * A reconnecting client for one Mahavishnu/Akosha server. Call
 * {@link Connection.start} once and {@link Connection.close} to end it.
 */
export class Connection {
  readonly url: string;
  readonly counters: ConnectionCounters = { messages: 0, malformed: 0, reconnects: 0 };
  #options: ConnectionOptions;
  #channels: Set<string>;
  #subscribed = new Set<string>();
  #pending = new Map<string, { event: string; channel?: string }>();
  #backoff: Backoff;
  #now: () => number;
  #session: Session | null = null;
  #closing: Promise<void>[] = [];
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #stopped = false;
  #probeCount = 0;
  #status: ConnectionStatus;

  constructor(url: string, options: ConnectionOptions = {}) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new TypeError(`Cannot connect as url is invalid: current value is ${url}`);
    }
    if (parsed.protocol !== "ws:" && parsed.protocol !== "wss:") {
      throw new TypeError(`Cannot connect as url is not ws:// or wss://: current value is ${url}`);
    }
    this.url = url;
    this.#options = options;
    this.#channels = new Set(options.channels ?? []);
    this.#backoff = options.backoff instanceof Backoff ? options.backoff : new Backoff(options.backoff);
    this.#now = options.now ?? Date.now;
    this.#status = { state: "connecting", url, attempt: 0, retryAt: null, reason: null, since: this.#now() };
  }

  /** The current status. */
  get status(): ConnectionStatus {
    return this.#status;
  }

  /** Channels the server has confirmed on the current socket. */
  get subscribed(): ReadonlySet<string> {
    return this.#subscribed;
  }

  /** Opens the first connection. */
  start(): void {
    if (this.#session || this.#stopped) return;
    this.#connect();
  }

  /** Sends `message` when the socket is open; returns false otherwise. */
  send(message: Envelope): boolean {
    const session = this.#session;
    if (!session || session.ws.readyState !== WebSocket.OPEN) return false;
    return this.#sendTracked(session, message);
  }

  /** Adds a channel: subscribed now when connected, and after every reconnect. */
  subscribe(channel: string): void {
    this.#channels.add(channel);
    if (this.#session?.ready) this.send(subscribeRequest(channel, { now: this.#now }));
  }

  /** Removes a channel. */
  unsubscribe(channel: string): void {
    this.#channels.delete(channel);
    this.#subscribed.delete(channel);
    if (this.#session?.ready) this.send(unsubscribeRequest(channel, { now: this.#now }));
  }

  /** Closes with code 1000 and stops reconnecting; resolves when the socket is closed. */
  async close(): Promise<void> {
    if (!this.#stopped) {
      this.#stopped = true;
      this.#clearRetry();
      const session = this.#session;
      if (session) this.#drop(session, 1000, "client closing");
      this.#setStatus({ state: "closed", retryAt: null });
    }
    await Promise.all(this.#closing);
  }

  #connect(): void {
    const attempt = this.#backoff.attempt;
    this.#setStatus({ state: "connecting", attempt, retryAt: null });
    let ws: WebSocket;
    try {
      ws = this.#createSocket();
    } catch (error) {
      this.#scheduleRetry(describeError(error, this.url));
      return;
    }
    let resolveClosed!: () => void;
    const session: Session = {
      ws,
      opened: false,
      ready: false,
      authenticated: !this.#options.token,
      welcomed: false,
      authId: null,
      lastReceivedAt: this.#now(),
      probeSentAt: null,
      timers: [],
      closed: new Promise((resolve) => resolveClosed = resolve),
    };
    this.#session = session;
    this.#closing.push(session.closed);
    session.closed.then(() => {
      this.#closing = this.#closing.filter((p) => p !== session.closed);
    });
    let errorText: string | null = null;
    session.timers.push(setTimeout(() => {
      if (!session.opened) this.#fail(session, "the server accepted no WebSocket handshake in time");
    }, this.#options.handshakeTimeoutMs ?? 10_000));

    ws.onopen = () => {
      if (this.#session !== session) return;
      session.opened = true;
      session.lastReceivedAt = this.#now();
      if (this.#options.token) {
        const auth = authRequest(this.#options.token, { now: this.#now });
        session.authId = auth.correlation_id;
        this.#sendRaw(session, auth);
      }
      session.timers.push(setTimeout(() => this.#maybeReady(session, true), this.#options.welcomeTimeoutMs ?? 2_000));
      this.#startLiveness(session);
    };
    ws.onmessage = (event) => {
      if (this.#session !== session) return;
      this.#receive(session, event.data);
    };
    ws.onerror = (event) => {
      errorText = event instanceof ErrorEvent ? event.message : "socket error";
    };
    ws.onclose = (event) => {
      resolveClosed();
      if (this.#session !== session) return;
      this.#endSession(session);
      if (this.#stopped) return;
      this.#backoff.disconnected(this.#now());
      const why = describeClose(event.code, event.reason, session.opened, errorText, this.url);
      if (event.code === 1008) {
        this.#setStatus({ state: "auth_failed", reason: why, retryAt: null });
        return;
      }
      this.#scheduleRetry(why);
    };
  }

  #createSocket(): WebSocket {
    const caCerts = this.#options.caCerts;
    if (caCerts?.length) {
      const client = Deno.createHttpClient({ caCerts });
      // Deno accepts an HttpClient in the WebSocket options bag.
      return new WebSocket(this.url, { client } as unknown as string[]);
    }
    return new WebSocket(this.url);
  }

  #receive(session: Session, frame: unknown): void {
    const now = this.#now();
    session.lastReceivedAt = now;
    session.probeSentAt = null;
    this.counters.messages++;
    const result = parseMessage(frame, { maxLength: this.#options.maxFrameLength });
    if (!result.ok) {
      this.counters.malformed++;
      this.#options.onProblem?.(result.problem, now);
      return;
    }
    const message = result.message;
    this.#track(session, message);
    this.#options.onMessage?.(message, { receivedAt: now, known: result.known, raw: frame as string });
  }

  /** Handshake, auth and subscription bookkeeping for one message. */
  #track(session: Session, message: Envelope): void {
    const corr = message.correlation_id;
    const pending = corr ? this.#pending.get(corr) : undefined;
    if (corr && pending) this.#pending.delete(corr);
    if (message.type === "error" && message.error_code && AUTH_ERRORS.has(message.error_code)) {
      const detail = message.error_message ? `: ${message.error_message}` : "";
      const why = message.error_code === "AUTH_REQUIRED"
        ? `the server requires a token (${message.error_code}${detail}); provide one with --token-env or --token-file`
        : `the server refused the token (${message.error_code}${detail}); check the token, it is not retried`;
      this.#stopped = true;
      this.#drop(session, 1000, "auth failed");
      this.#setStatus({ state: "auth_failed", reason: why, retryAt: null });
      return;
    }
    if (message.type === "event" && message.event === "session.created") {
      session.welcomed = true;
      this.#maybeReady(session, false);
      return;
    }
    if (message.type !== "response") return;
    const status = responseStatus(message);
    if ((corr !== null && corr === session.authId) || status === "authenticated") {
      if (status === "authenticated" || message.data.authenticated === true) {
        session.authenticated = true;
        this.#maybeReady(session, false);
      }
      return;
    }
    const event = pending?.event ?? message.event;
    const channel = pending?.channel ?? messageChannel(message);
    if (!channel) return;
    if (event === "subscribe" && (status === undefined || status === "subscribed")) this.#subscribed.add(channel);
    if (event === "unsubscribe") this.#subscribed.delete(channel);
  }

  #maybeReady(session: Session, welcomeTimedOut: boolean): void {
    if (session.ready || this.#session !== session || !session.authenticated) return;
    if (!session.welcomed && !welcomeTimedOut) return;
    session.ready = true;
    this.#backoff.connected(this.#now());
    this.#setStatus({ state: "connected", attempt: 0, retryAt: null, reason: null });
    this.#subscribed.clear();
    for (const channel of this.#channels) this.#sendTracked(session, subscribeRequest(channel, { now: this.#now }));
    for (const request of this.#options.initialRequests?.() ?? []) this.#sendTracked(session, request);
  }

  /**
   * Liveness with one-shot timers (no periodic wake-ups while messages flow):
   * each check schedules the next for when the link could first be idle, or
   * when a probe's answer is due.
   */
  #startLiveness(session: Session): void {
    const idle = this.#options.idleTimeoutMs ?? 20_000;
    const probeTimeout = this.#options.probeTimeoutMs ?? 5_000;
    const check = () => {
      if (this.#session !== session || !session.opened) return;
      const now = this.#now();
      let due: number;
      if (session.probeSentAt !== null) {
        if (now - session.probeSentAt >= probeTimeout) {
          this.#fail(session, `no answer to a liveness probe within ${probeTimeout} ms (half-open connection?)`);
          return;
        }
        due = session.probeSentAt + probeTimeout;
      } else if (now - session.lastReceivedAt >= idle && session.ready && this.#channels.size > 0) {
        const channel = this.#channels.values().next().value as string;
        this.#probeCount++;
        session.probeSentAt = now;
        this.#sendTracked(session, subscribeRequest(channel, { id: `probe-${this.#probeCount}`, now: this.#now }));
        due = now + probeTimeout;
      } else {
        due = Math.max(session.lastReceivedAt + idle, now + Math.min(idle, 1000));
      }
      session.timers = session.timers.filter((t) => t !== timer);
      timer = setTimeout(check, Math.max(10, due - now));
      session.timers.push(timer);
    };
    let timer = setTimeout(check, idle);
    session.timers.push(timer);
  }

  /** Sends and remembers the request for response matching; false when the socket refused it. */
  #sendTracked(session: Session, message: Envelope): boolean {
    if (!this.#sendRaw(session, message)) return false;
    if (message.correlation_id && message.event) {
      this.#pending.set(message.correlation_id, {
        event: message.event,
        channel: typeof message.data.channel === "string" ? message.data.channel : undefined,
      });
    }
    return true;
  }

  #sendRaw(session: Session, message: Envelope): boolean {
    try {
      session.ws.send(JSON.stringify(message));
      return true;
    } catch {
      return false; // The close handler reports the failure.
    }
  }

  /** Gives up on a socket that is dead or stuck, and retries. */
  #fail(session: Session, reason: string): void {
    if (this.#session !== session) return;
    this.#backoff.disconnected(this.#now());
    this.#drop(session, 4000, "client gave up");
    this.#scheduleRetry(reason);
  }

  #drop(session: Session, code: number, reason: string): void {
    this.#endSession(session);
    try {
      if (session.ws.readyState === WebSocket.CONNECTING || session.ws.readyState === WebSocket.OPEN) {
        session.ws.close(code, reason);
      }
    } catch {
      // Already closing.
    }
    // A half-open socket may never finish its close handshake: do not wait forever.
    const settle = setTimeout(() => session.ws.dispatchEvent(new CloseEvent("close", { code: 1006 })), 3000);
    session.closed.then(() => clearTimeout(settle));
  }

  #endSession(session: Session): void {
    for (const timer of session.timers) clearTimeout(timer);
    session.timers = [];
    if (this.#session === session) {
      this.#session = null;
      this.#subscribed.clear();
      this.#pending.clear();
    }
  }

  #scheduleRetry(reason: string): void {
    if (this.#stopped) return;
    this.#clearRetry();
    const delay = this.#backoff.next();
    this.counters.reconnects++;
    this.#setStatus({ state: "reconnecting", attempt: this.#backoff.attempt, retryAt: this.#now() + delay, reason });
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      if (!this.#stopped) this.#connect();
    }, delay);
  }

  #clearRetry(): void {
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }

  #setStatus(change: Partial<ConnectionStatus>): void {
    const next = { ...this.#status, ...change };
    if (change.state && change.state !== this.#status.state) next.since = this.#now();
    this.#status = next;
    this.#options.onStatus?.(next);
  }
}

function hostOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || (u.protocol === "wss:" ? "443" : "80")}`;
  } catch {
    return url;
  }
}

/** Words for a person about an error thrown while opening a socket. */
export function describeError(error: unknown, url: string): string {
  const text = error instanceof Error ? error.message : String(error);
  return explainFailure(text, url);
}

function explainFailure(text: string, url: string): string {
  const where = hostOf(url);
  if (/certificate|UnknownIssuer|tls|handshake.*ssl/i.test(text)) {
    return `TLS error talking to ${where} (${text}); for a self-signed certificate pass its CA with --ca FILE`;
  }
  if (/dns|lookup|resolve|name or service/i.test(text)) {
    return `cannot resolve the host of ${where} (${text}); check --host`;
  }
  return `cannot connect to ${where} (${text}); is the server running there? check --host and --port`;
}

/** Words for a person about why a socket closed. */
export function describeClose(
  code: number,
  reason: string,
  opened: boolean,
  errorText: string | null,
  url: string,
): string {
  const said = reason ? `: ${reason}` : "";
  switch (code) {
    case 1000:
      return `the server closed the connection${said}`;
    case 1001:
      return `the server is going away${said}`;
    case 1008:
      return `authentication failed or required (close 1008${said}); check the token, it is not retried`;
    case 1011:
      return `the server had an internal error (close 1011${said})`;
    case 1013:
      return `the server is at maximum capacity (close 1013${said})`;
  }
  if (!opened) return explainFailure(errorText ?? "connection failed", url);
  return `the connection was lost (code ${code}${said})`;
}
