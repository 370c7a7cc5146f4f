/**
 * The one resilient WebSocket client all monitors use, as an explicit state
 * machine: it connects (ws or wss with an optional CA), authenticates, waits
 * for the welcome, subscribes and re-subscribes after every reconnect,
 * matches responses, detects dead connections ({@link Liveness}) and
 * reconnects with exponential backoff; failures are classified
 * ({@link classifyClose}) into retry, auth failure or configuration error.
 *
 * ```
 * phase             event                                        next phase
 * idle              start()                                      connecting, or config_error (token over ws://)
 * connecting        socket open                                  authenticating (token) or awaiting_welcome
 *                   no network permission                        config_error
 * authenticating    auth answered (or refused as unknown)        awaiting_welcome, subscribing if welcomed
 * awaiting_welcome  welcome, or welcome timeout                  subscribing (subscribes + initial requests)
 * subscribing       every subscribe answered or refused          connected
 * (socket phases)   close, handshake/auth stall, dead probe      backing_off; auth_failed on close 1008
 *                   AUTH_FAILED / AUTH_REQUIRED                  auth_failed
 * backing_off       retry timer                                  connecting
 * (any)             close()                                      closed (auth_failed, config_error stay)
 * ```
 * auth_failed, config_error and closed are final: nothing is retried.
 *
 * Every timer goes through a {@link Scheduler}, so tests drive the whole
 * machine on virtual time.
 *
 * @module
 */

import { Backoff, type BackoffOptions } from "./backoff.ts";
import { Liveness } from "./liveness.ts";
import { realScheduler, type Scheduler, type TimerId } from "./scheduler.ts";
import { WsClient } from "./ws_client.ts";
import {
  authFailure,
  authStall,
  classifyClose,
  classifyThrown,
  cleanServerText,
  type Failure,
  type FailureContext,
  handshakeStall,
  insecureToken,
  probeTimeout,
  redactToken,
} from "./failure.ts";
import {
  authRequest,
  type Envelope,
  messageChannel,
  parseMessage,
  type ParseOptions,
  type Problem,
  responseStatus,
  subscribeRequest,
} from "../protocol/envelope.ts";

import {
  type ConnectionCounters,
  type ConnectionPhase,
  type ConnectionStatus,
  type MessageInfo,
  publicState,
  type RefusedChannel,
} from "./status.ts";

export type {
  ConnectionCounters,
  ConnectionPhase,
  ConnectionState,
  ConnectionStatus,
  MessageInfo,
  RefusedChannel,
} from "./status.ts";
export { publicState } from "./status.ts";

/** Options for {@link Connection}. */
export interface ConnectionOptions {
  /** Channels to subscribe to after every (re)connect. Default none. */
  channels?: string[];
  /** Auth token (JWT), sent as the first message. Never logged, never part of a status. */
  token?: string;
  /** Send the token over plain `ws://` to a host other than loopback. Default false (a config error). */
  allowInsecureToken?: boolean;
  /** Extra trusted CA certificates (PEM) for `wss://`. */
  caCerts?: string[];
  /** Requests to send after the subscriptions on every (re)connect, e.g. `get_pool_status`. */
  initialRequests?: () => Envelope[];
  /**
   * Called for every parsed message, responses and errors included. `info` is valid during the call only (the
   * connection refills the same object for every message): copy what you keep.
   */
  onMessage?: (message: Envelope, info: MessageInfo) => void;
  /** Called for every frame that could not be parsed. */
  onProblem?: (problem: Problem, receivedAt: number) => void;
  /** Called when the status a view shows changes (state, attempt, retry time, reason, refused channels). */
  onStatus?: (status: ConnectionStatus) => void;
  /** Backoff settings, or a ready {@link Backoff}. */
  backoff?: Backoff | BackoffOptions;
  /** Quiet time (ms) after which a probe request is sent. Default 20 000. */
  idleTimeoutMs?: number;
  /** Time (ms) a probe may go unanswered before the connection counts as dead. Default 5 000. */
  probeTimeoutMs?: number;
  /** Time (ms) the socket may take to open. Default 10 000. */
  handshakeTimeoutMs?: number;
  /** Time (ms) the server may take to answer the auth request. Default 10 000. */
  authTimeoutMs?: number;
  /** Time (ms) to wait for the welcome before subscribing anyway. Default 2 000. */
  welcomeTimeoutMs?: number;
  /** Frames longer than this many characters are refused. Default {@link MAX_FRAME_LENGTH}. */
  maxFrameLength?: number;
  /** Timers and clock. Default {@link realScheduler}. */
  scheduler?: Scheduler;
  /** Clock (ms). Default: the scheduler's. */
  now?: () => number;
}

/** The default frame size limit: 4 MiB (characters). */
export const MAX_FRAME_LENGTH = 4 * 1024 * 1024;

const AUTH_ERRORS = new Set(["AUTH_FAILED", "AUTH_REQUIRED"]);
const FINAL_PHASES = new Set<ConnectionPhase>(["auth_failed", "config_error", "closed"]);

/** Per-socket data; a new one for every attempt. */
interface Session {
  ws: WsClient;
  /** The correlation id of the auth request, when one was sent. */
  authId: string | null;
  /** A welcome arrived (it may come before the auth answer). */
  welcomed: boolean;
  /** Subscribe requests of this socket still waiting for an answer, by channel. */
  awaiting: Set<string>;
  liveness: Liveness | null;
  errorText: string | null;
  closed: Promise<void>;
}

/**
 * A reconnecting client for one Mahavishnu/Akosha server. Call
 * {@link Connection.start} once and {@link Connection.close} to end it.
 */
export class Connection {
  /** The server URL. */
  readonly url: string;
  /** Counters for the life of the connection. */
  readonly counters: ConnectionCounters = { messages: 0, malformed: 0, reconnects: 0 };
  #options: ConnectionOptions;
  #parseOptions: ParseOptions;
  /** {@link Connection.#receiveTime} of this turn, NaN outside one. */
  #turnNow = NaN;
  #channels: string[];
  #subscribed = new Set<string>();
  #refused = new Map<string, string>();
  #pending = new Map<string, { event: string; channel?: string }>();
  #backoff: Backoff;
  #scheduler: Scheduler;
  #now: () => number;
  #phase: ConnectionPhase = "idle";
  #phaseTimer: TimerId | null = null;
  #session: Session | null = null;
  #closing = new Set<Promise<void>>();
  #probeCount = 0;
  #status: ConnectionStatus;
  #reported = false;

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
    this.#parseOptions = { maxLength: options.maxFrameLength ?? MAX_FRAME_LENGTH };
    this.#channels = [...new Set(options.channels ?? [])];
    this.#backoff = options.backoff instanceof Backoff ? options.backoff : new Backoff(options.backoff);
    this.#scheduler = options.scheduler ?? realScheduler;
    this.#now = options.now ?? (() => this.#scheduler.now());
    this.#status = {
      state: "connecting",
      url,
      attempt: 0,
      retryAt: null,
      reason: null,
      since: this.#now(),
      phase: "idle",
      refused: [],
    };
  }

  /** The current status. */
  get status(): ConnectionStatus {
    return this.#status;
  }

  /** The current phase of the state machine. */
  get phase(): ConnectionPhase {
    return this.#phase;
  }

  /** Channels the server has confirmed on the current socket. */
  get subscribed(): ReadonlySet<string> {
    return this.#subscribed;
  }

  /** Opens the first connection (once; a final phase stays final). */
  start(): void {
    if (this.#phase !== "idle") return;
    const unsafe = this.#options.token ? insecureToken(this.url, this.#options.allowInsecureToken ?? false) : null;
    if (unsafe) {
      this.#enter("config_error", { reason: unsafe.reason });
      return;
    }
    this.#connect();
  }

  /** Sends `message` when the socket is open; returns false otherwise. */
  send(message: Envelope): boolean {
    const session = this.#session;
    if (!session || session.ws.readyState !== WebSocket.OPEN) return false;
    return this.#sendTracked(session, message);
  }

  /** Closes with code 1000 and stops reconnecting; resolves when the socket is closed. */
  async close(): Promise<void> {
    if (!FINAL_PHASES.has(this.#phase)) {
      const session = this.#session;
      if (session) this.#drop(session, 1000, "client closing");
      this.#enter("closed", { retryAt: null });
    }
    await Promise.all(this.#closing);
  }

  // --- transitions ------------------------------------------------------------

  #connect(): void {
    this.#enter("connecting", { attempt: this.#backoff.attempt, retryAt: null });
    let ws: WsClient;
    try {
      ws = this.#createSocket();
    } catch (error) {
      this.#failed(classifyThrown(error, this.#context()));
      return;
    }
    let resolveClosed!: () => void;
    const session: Session = {
      ws,
      authId: null,
      welcomed: false,
      awaiting: new Set(),
      liveness: null,
      errorText: null,
      closed: new Promise((resolve) => resolveClosed = resolve),
    };
    this.#session = session;
    this.#closing.add(session.closed);
    session.closed.then(() => this.#closing.delete(session.closed));
    const handshakeMs = this.#options.handshakeTimeoutMs ?? 10_000;
    this.#phaseTimer = this.#scheduler.setTimeout(() => this.#fail(session, handshakeStall(handshakeMs)), handshakeMs);

    ws.onopen = () => {
      if (this.#session !== session) return;
      this.#opened(session);
    };
    ws.onmessage = (event) => {
      if (this.#session !== session) return;
      this.#receive(session, event.data);
    };
    ws.onerror = (event) => {
      session.errorText = event instanceof ErrorEvent ? event.message : "socket error";
    };
    ws.onclose = (event) => {
      resolveClosed();
      if (this.#session !== session) return;
      const opened = this.#phase !== "connecting";
      this.#endSession(session);
      if (FINAL_PHASES.has(this.#phase)) return;
      this.#failed(
        classifyClose(
          { code: event.code, reason: event.reason, errorText: session.errorText, opened },
          this.#context(),
        ),
      );
    };
  }

  #opened(session: Session): void {
    session.liveness = new Liveness(this.#scheduler, {
      idleMs: this.#options.idleTimeoutMs ?? 20_000,
      probeTimeoutMs: this.#options.probeTimeoutMs ?? 5_000,
      probe: () => this.#probe(session),
      dead: () => this.#fail(session, probeTimeout(this.#options.probeTimeoutMs ?? 5_000)),
    });
    const token = this.#options.token;
    if (!token) {
      this.#awaitWelcome(session);
      return;
    }
    const auth = authRequest(token, { now: this.#now });
    session.authId = auth.correlation_id;
    this.#sendRaw(session, auth);
    this.#enter("authenticating");
    const authMs = this.#options.authTimeoutMs ?? 10_000;
    this.#phaseTimer = this.#scheduler.setTimeout(() => this.#fail(session, authStall(authMs)), authMs);
  }

  #awaitWelcome(session: Session): void {
    if (session.welcomed) {
      this.#subscribe(session);
      return;
    }
    this.#enter("awaiting_welcome");
    this.#phaseTimer = this.#scheduler.setTimeout(
      () => this.#subscribe(session),
      this.#options.welcomeTimeoutMs ?? 2_000,
    );
  }

  #subscribe(session: Session): void {
    if (this.#session !== session) return;
    this.#backoff.connected(this.#now());
    this.#subscribed.clear();
    this.#enter("subscribing", { attempt: 0, retryAt: null, reason: null });
    for (const channel of this.#channels) {
      if (this.#sendTracked(session, subscribeRequest(channel, { now: this.#now }))) session.awaiting.add(channel);
    }
    for (const request of this.#options.initialRequests?.() ?? []) this.#sendTracked(session, request);
    this.#settled(session);
  }

  /** Moves from subscribing to connected once every subscribe got an answer. */
  #settled(session: Session): void {
    if (this.#phase === "subscribing" && session.awaiting.size === 0) this.#enter("connected");
  }

  /** A failure that ends the socket: retry later, or stop for good. */
  #failed(failure: Failure): void {
    this.#backoff.disconnected(this.#now());
    if (failure.action === "stop_auth") this.#enter("auth_failed", { reason: failure.reason, retryAt: null });
    else if (failure.action === "stop_config") this.#enter("config_error", { reason: failure.reason, retryAt: null });
    else this.#scheduleRetry(failure.reason);
  }

  /** Gives up on a socket that is dead or stuck, and retries. */
  #fail(session: Session, failure: Failure): void {
    if (this.#session !== session) return;
    this.#drop(session, 4000, "client gave up");
    this.#failed(failure);
  }

  #scheduleRetry(reason: string): void {
    const delay = this.#backoff.next();
    this.counters.reconnects++;
    this.#enter("backing_off", { attempt: this.#backoff.attempt, retryAt: this.#now() + delay, reason });
    this.#phaseTimer = this.#scheduler.setTimeout(() => this.#connect(), delay);
  }

  // --- frames -----------------------------------------------------------------

  /**
   * The receive time of the messages delivered in this turn of the event
   * loop: the socket hands over up to 32 KiB of messages of one read at
   * once, and they arrived together. One clock read per turn instead of per
   * message.
   */
  #receiveTime(): number {
    if (this.#turnNow !== this.#turnNow) {
      this.#turnNow = this.#now();
      queueMicrotask(this.#endTurn);
    }
    return this.#turnNow;
  }

  #endTurn = (): void => {
    this.#turnNow = NaN;
  };

  /** What {@link ConnectionOptions.onMessage} gets with each message, refilled each time. */
  #info: MessageInfo = { receivedAt: 0, known: true, raw: "" };

  #receive(session: Session, received: unknown): void {
    const now = this.#receiveTime();
    // The receive time is the scheduler's time unless a clock was given: then liveness reads its own.
    session.liveness?.heard(this.#options.now ? undefined : now);
    this.counters.messages++;
    // A server that echoes the token (in an error, say) must not get it printed or recorded.
    const frame = typeof received === "string" ? redactToken(received, this.#options.token) : received;
    const result = parseMessage(frame, this.#parseOptions);
    if (!result.ok) {
      this.counters.malformed++;
      this.#options.onProblem?.(result.problem, now);
      return;
    }
    const message = result.message;
    this.#track(session, message);
    const info = this.#info;
    info.receivedAt = now;
    info.known = result.known;
    info.raw = frame as string;
    this.#options.onMessage?.(message, info);
  }

  /** Handshake, auth and subscription bookkeeping for one message. */
  #track(session: Session, message: Envelope): void {
    const corr = message.correlation_id;
    const pending = corr ? this.#pending.get(corr) : undefined;
    if (corr && pending) this.#pending.delete(corr);
    const isAuthAnswer = corr !== null && corr === session.authId;
    if (message.type === "error") {
      const code = message.error_code ?? "";
      if (AUTH_ERRORS.has(code)) {
        this.#drop(session, 1000, "auth failed");
        this.#failed(authFailure(code, message.error_message, this.#context()));
      } else if (isAuthAnswer && this.#phase === "authenticating") {
        this.#awaitWelcome(session); // A server without authentication refused the auth request: go on without.
      } else if (pending?.event === "subscribe" && pending.channel !== undefined) {
        this.#refuse(session, pending.channel, code);
      }
      return;
    }
    if (message.type === "event" && message.event === "session.created") {
      session.welcomed = true;
      if (this.#phase === "awaiting_welcome") this.#subscribe(session);
      return;
    }
    if (message.type !== "response") return;
    const status = responseStatus(message);
    if (isAuthAnswer || status === "authenticated") {
      const ok = status === "authenticated" || message.data.authenticated === true;
      if (ok && this.#phase === "authenticating") this.#awaitWelcome(session);
      return;
    }
    const event = pending?.event ?? message.event;
    const channel = pending?.channel ?? messageChannel(message);
    if (!channel) return;
    if (event === "subscribe" && (status === undefined || status === "subscribed")) {
      this.#subscribed.add(channel);
      session.awaiting.delete(channel);
      if (this.#refused.delete(channel)) this.#setStatus({ refused: this.#refusedList() });
      this.#settled(session);
    }
    if (event === "unsubscribe") this.#subscribed.delete(channel);
  }

  #refuse(session: Session, channel: string, code: string): void {
    session.awaiting.delete(channel);
    this.#subscribed.delete(channel);
    const clean = cleanServerText(code || "ERROR", this.#options.token);
    if (this.#refused.get(channel) !== clean) {
      this.#refused.set(channel, clean);
      this.#setStatus({ refused: this.#refusedList() });
    }
    this.#settled(session);
  }

  #refusedList(): RefusedChannel[] {
    return [...this.#refused].map(([channel, code]) => ({ channel, code }));
  }

  /** Sends an idempotent re-subscribe as a liveness probe; false when there is nothing to probe with. */
  #probe(session: Session): boolean {
    if (this.#phase !== "subscribing" && this.#phase !== "connected") return false;
    const channel = this.#subscribed.values().next().value ?? this.#channels[0];
    if (channel === undefined) return false;
    this.#probeCount++;
    return this.#sendTracked(session, subscribeRequest(channel, { id: `probe-${this.#probeCount}`, now: this.#now }));
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

  // --- sockets ----------------------------------------------------------------

  /** The socket: {@link WsClient} reads in large chunks (Deno's WebSocket costs an op and an event per message). */
  #createSocket(): WsClient {
    // A frame over 3 bytes per allowed character cannot fit the limit however it decodes: fail the socket (1009).
    const maxMessageBytes = 3 * (this.#options.maxFrameLength ?? MAX_FRAME_LENGTH);
    return new WsClient(this.url, { caCerts: this.#options.caCerts, maxMessageBytes });
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
    const settle = this.#scheduler.setTimeout(
      () => session.ws.dispatchEvent(new CloseEvent("close", { code: 1006 })),
      3000,
    );
    session.closed.then(() => this.#scheduler.clearTimeout(settle));
  }

  #endSession(session: Session): void {
    session.liveness?.stop();
    if (this.#session === session) {
      this.#clearPhaseTimer();
      this.#session = null;
      this.#subscribed.clear();
      this.#pending.clear();
    }
  }

  #context(): FailureContext {
    return { url: this.url, token: this.#options.token };
  }

  // --- status -----------------------------------------------------------------

  #enter(phase: ConnectionPhase, change: Partial<ConnectionStatus> = {}): void {
    this.#clearPhaseTimer();
    this.#phase = phase;
    this.#setStatus({ ...change, state: publicState(phase), phase });
  }

  #clearPhaseTimer(): void {
    if (this.#phaseTimer !== null) this.#scheduler.clearTimeout(this.#phaseTimer);
    this.#phaseTimer = null;
  }

  /** Updates the status; calls `onStatus` when something a view shows changed (and the first time), and once subscribed. */
  #setStatus(change: Partial<ConnectionStatus>): void {
    const prev = this.#status;
    const next = { ...prev, ...change };
    if (next.state !== prev.state) next.since = this.#now();
    this.#status = next;
    const visible = !this.#reported || next.state !== prev.state || next.attempt !== prev.attempt ||
      next.retryAt !== prev.retryAt || next.reason !== prev.reason || next.refused !== prev.refused ||
      // Every subscription answered: a view may now say "connected" without fearing a refusal.
      (prev.phase === "subscribing" && next.phase === "connected");
    if (!visible) return;
    this.#reported = true;
    this.#options.onStatus?.(next);
  }
}
