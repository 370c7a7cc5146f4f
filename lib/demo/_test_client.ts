/**
 * Test helper: a bare WebSocket client that records every frame a server
 * sends, for tests that talk to the demo server the way any client would.
 *
 * @module
 */

/** A received frame, parsed. */
export type Frame = Record<string, unknown>;

/** A raw WebSocket client with a log of received frames. */
export class TestClient {
  /** Every frame received, in order. */
  readonly frames: Frame[] = [];
  /** Resolves with the close event once the socket has closed. */
  readonly closed: Promise<CloseEvent>;
  #ws: WebSocket;
  #waiters: { check: () => boolean; resolve: () => void }[] = [];
  #counter = 0;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    this.closed = new Promise((resolve) => {
      ws.addEventListener("close", (e) => {
        resolve(e);
        this.#wake();
      });
    });
    ws.onmessage = (e) => {
      this.frames.push(typeof e.data === "string" ? JSON.parse(e.data) : { binary: true });
      this.#wake();
    };
  }

  /** Opens a connection to `url`; resolves once open. */
  static async open(url: string): Promise<TestClient> {
    const ws = new WebSocket(url);
    const client = new TestClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error(`cannot connect to ${url}`));
    });
    return client;
  }

  /** Sends a raw text frame, or an object as JSON. */
  send(message: string | Frame): void {
    this.#ws.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  /** Sends a request with a fresh correlation id; returns that id. */
  request(event: string, data: Frame = {}): string {
    const id = `t${++this.#counter}`;
    this.send({ id, correlation_id: id, type: "request", event, data, timestamp: new Date().toISOString() });
    return id;
  }

  /** Sends a request and resolves with the frame that carries its correlation id. */
  async ask(event: string, data: Frame = {}): Promise<Frame> {
    const id = this.request(event, data);
    await this.waitFor(() => this.frames.some((f) => f.correlation_id === id), `an answer to ${event}`);
    return this.frames.find((f) => f.correlation_id === id)!;
  }

  /** Subscribes to `channel` and waits for the confirmation. */
  async subscribe(channel: string): Promise<Frame> {
    return await this.ask("subscribe", { channel });
  }

  /** Events received so far, optionally only those named `event`. */
  events(event?: string): Frame[] {
    return this.frames.filter((f) => f.type === "event" && (event === undefined || f.event === event));
  }

  /** Resolves once `check()` holds (checked on every frame); rejects after `timeoutMs`. */
  waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        check,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /** Closes the socket and waits until it is closed. */
  async close(): Promise<void> {
    if (this.#ws.readyState < WebSocket.CLOSING) this.#ws.close();
    await this.closed;
  }

  #wake(): void {
    const ready = this.#waiters.filter((w) => w.check());
    this.#waiters = this.#waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }
}
