/**
 * Flood sender for the benchmarks: a Mahavishnu-like WebSocket server on a
 * raw TCP socket that is never the bottleneck. It answers the HTTP Upgrade by
 * hand, sends the `session.created` welcome, answers `subscribe`,
 * `get_pool_status`, `get_workflow_status` and `auth` requests (reading the
 * masked client frames), and 100 ms after the last `subscribe` serves the
 * event mix of the subscribed channels (`bench/_mixes.ts`) as pre-built
 * frames written in blocks of 256 KiB. TCP backpressure paces it: a client
 * that falls behind makes its writes wait, so the frames a connection has
 * written in a window, once the socket buffers are full, are the frames the
 * client consumed.
 *
 * Usage: `deno run --allow-net=127.0.0.1 bench/flood_sender.ts`. Prints
 * `{"port":P}` first; then takes JSON-line commands on stdin and answers each
 * on stdout:
 * - `{"cmd":"plan","mode":"flood"|"idle"|"quota"|"rate","n":N,"rate":R}`: what new connections get
 *   (default `flood`; `quota`: N events then wait for `more`; `rate`: R events/s, each with `data.sent_at`);
 * - `{"cmd":"more","n":N}`: N more events for every open connection in quota mode;
 * - `{"cmd":"send","events":[{"event":E,"data":D,"room":R}]}`: these events now, on every open connection;
 * - `{"cmd":"stats"}`: `{t, cpu, conns: [{id, channels, frames, events, bytes, open, flooding, peerPort,
 *   frameBytes}]}` (`t` in epoch ms, `cpu` in seconds of this process, `frameBytes` the mean frame size of the mix);
 * - `{"cmd":"log","id":ID}`: `[seq, sentAt, writtenAt]` of each paced event of a connection, where `seq`
 *   is the frame's position on the connection (1 = the welcome), `sentAt` its `data.sent_at` and
 *   `writtenAt` when its write to the socket started (epoch ms);
 * - `{"cmd":"quit"}`.
 *
 * @module
 */

import process from "node:process";
import { serverFrame } from "../lib/demo/server.ts";
import { Simulation } from "../lib/demo/simulation.ts";
import { seededRandom } from "../lib/transport/random.ts";
import { acceptKey, FrameReader, OP, serverFrameBytes } from "./_ws_frame.ts";
import { mixFor, refreshed, type Template } from "./_mixes.ts";

/** What a connection is sent once it has subscribed. */
export type Plan =
  | { mode: "flood" }
  | { mode: "idle" }
  | { mode: "quota"; n: number }
  | { mode: "rate"; rate: number };

/** A run of pre-built frames and where each one ends. */
interface Block {
  bytes: Uint8Array;
  ends: number[];
}

const BLOCK_BYTES = 256 * 1024;
const clock = () => performance.timeOrigin + performance.now();
const decoder = new TextDecoder();

const blockCache = new Map<string, Block[]>();
const mixCache = new Map<string, Template[]>();
/**
 * Events of a mix before it repeats: four times the monitors' duplicate window
 * (`DedupWindow`, 4096 ids), so that a repeated event's id has left the
 * window and the monitor reduces it like a new one instead of skipping it.
 */
const MIX_EVENTS = 16_384;

function mix(channels: string[]): Template[] {
  const key = [...channels].sort().join(",");
  let m = mixCache.get(key);
  if (!m) mixCache.set(key, m = mixFor(channels, { count: MIX_EVENTS }));
  return m;
}

/** The mix of `channels` as pre-built frames, cut into blocks at frame boundaries. */
function blocksFor(channels: string[]): Block[] {
  const key = [...channels].sort().join(",");
  const cached = blockCache.get(key);
  if (cached) return cached;
  const blocks: Block[] = [];
  let parts: Uint8Array[] = [];
  let ends: number[] = [];
  let size = 0;
  const flush = () => {
    const bytes = new Uint8Array(size);
    let at = 0;
    for (const p of parts) {
      bytes.set(p, at);
      at += p.length;
    }
    blocks.push({ bytes, ends });
    parts = [];
    ends = [];
    size = 0;
  };
  for (const t of mix(channels)) {
    const frame = serverFrameBytes(serverFrame("event", t.event, t.data, { room: t.room }));
    parts.push(frame);
    size += frame.length;
    ends.push(size);
    if (size >= BLOCK_BYTES) flush();
  }
  if (size > 0) flush();
  blockCache.set(key, blocks);
  return blocks;
}

/** Mean size in bytes of a frame of the mix of `channels`. */
function averageFrameBytes(channels: string[]): number {
  const blocks = blocksFor(channels);
  return blocks.reduce((n, b) => n + b.bytes.length, 0) / blocks.reduce((n, b) => n + b.ends.length, 0);
}

const snapshotSim = new Simulation({ random: seededRandom(2), now: Date.now() });

let nextId = 1;
let plan: Plan = { mode: "flood" };
const connections = new Map<number, Connection>();

/** One client connection. */
class Connection {
  readonly id = nextId++;
  readonly channels: string[] = [];
  frames = 0;
  events = 0;
  bytes = 0;
  open = true;
  flooding = false;
  quota: number;
  readonly plan: Plan;
  /** Paced events: [position on the connection, `data.sent_at`, when the write started]. */
  readonly sentLog: [number, number, number][] = [];
  #queue: { bytes: Uint8Array; event: boolean; sentAt: number | null }[] = [];
  #wake: (() => void) | null = null;
  #startTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(readonly conn: Deno.TcpConn) {
    this.plan = plan;
    this.quota = plan.mode === "flood" ? Infinity : plan.mode === "quota" ? plan.n : 0;
  }

  /** Queues one frame ahead of the flood. */
  enqueue(text: string, event = false, sentAt: number | null = null): void {
    this.#queue.push({ bytes: serverFrameBytes(text), event, sentAt });
    this.wake();
  }

  wake(): void {
    this.#wake?.();
    this.#wake = null;
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    if (this.#startTimer !== null) clearTimeout(this.#startTimer);
    try {
      this.conn.close();
    } catch { /* closed */ }
    this.wake();
  }

  async run(): Promise<void> {
    try {
      const rest = await this.#handshake();
      if (rest === null) return;
      this.enqueue(serverFrame("event", "session.created", {
        connection_id: crypto.randomUUID(),
        server: "bench-flood-sender",
        message: "Connected to the bench flood sender",
        authenticated: false,
        secure: false,
        rate_limit: { messages_per_second: 100 },
      }));
      this.#read(rest);
      await this.#write();
    } catch {
      /* the client went away */
    } finally {
      this.close();
    }
  }

  async #handshake(): Promise<Uint8Array | null> {
    let head = new Uint8Array(0);
    const buf = new Uint8Array(4096);
    while (true) {
      const n = await this.conn.read(buf);
      if (n === null) return null;
      const joined = new Uint8Array(head.length + n);
      joined.set(head);
      joined.set(buf.subarray(0, n), head.length);
      head = joined;
      const text = decoder.decode(head);
      const end = text.indexOf("\r\n\r\n");
      if (end < 0) continue;
      const key = /^sec-websocket-key:\s*(\S+)/im.exec(text.slice(0, end))?.[1];
      if (!key) {
        await this.#writeAll(new TextEncoder().encode("HTTP/1.1 426 Upgrade Required\r\nContent-Length: 0\r\n\r\n"));
        return null;
      }
      const answer = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        `Sec-WebSocket-Accept: ${await acceptKey(key)}\r\n\r\n`;
      await this.#writeAll(new TextEncoder().encode(answer));
      return head.slice(new TextEncoder().encode(text.slice(0, end + 4)).length);
    }
  }

  async #read(first: Uint8Array): Promise<void> {
    const reader = new FrameReader();
    const buf = new Uint8Array(64 * 1024);
    let chunk: Uint8Array | null = first;
    try {
      while (this.open) {
        for (const f of reader.push(chunk)) {
          if (f.opcode === OP.close) {
            this.#queue.push({ bytes: serverFrameBytes(f.payload.slice(0, 2), OP.close), event: false, sentAt: null });
            this.wake();
            setTimeout(() => this.close(), 50);
          } else if (f.opcode === OP.ping) {
            this.#queue.push({ bytes: serverFrameBytes(f.payload, OP.pong), event: false, sentAt: null });
            this.wake();
          } else if (f.opcode === OP.text) this.#request(decoder.decode(f.payload));
        }
        const n = await this.conn.read(buf);
        if (n === null) break;
        chunk = buf.subarray(0, n);
      }
    } catch { /* closed */ }
    this.close();
  }

  #request(text: string): void {
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(text);
    } catch {
      this.enqueue(serverFrame("error", null, {}, { error_code: "DECODE_ERROR", error_message: "bad JSON" }));
      return;
    }
    const corr = typeof m.correlation_id === "string" ? m.correlation_id : null;
    const data = (m.data ?? {}) as Record<string, unknown>;
    const name = m.type === "request" ? m.event : m.type;
    const respond = (event: string, d: Record<string, unknown>) =>
      this.enqueue(serverFrame("response", event, d, { correlation_id: corr }));
    if (name === "subscribe" && typeof data.channel === "string") {
      if (!this.channels.includes(data.channel)) this.channels.push(data.channel);
      respond("subscribe", { status: "subscribed", channel: data.channel });
      if (!this.flooding) {
        if (this.#startTimer !== null) clearTimeout(this.#startTimer);
        this.#startTimer = setTimeout(() => this.#start(), 100);
      }
    } else if (name === "unsubscribe" && typeof data.channel === "string") {
      respond("unsubscribe", { status: "unsubscribed", channel: data.channel });
    } else if (name === "auth") {
      respond("auth", { status: "authenticated" });
    } else if (name === "get_pool_status" && typeof data.pool_id === "string") {
      respond("get_pool_status", { ...snapshotSim.poolSnapshot("pool_local"), pool_id: data.pool_id });
    } else if (name === "get_workflow_status" && typeof data.workflow_id === "string") {
      // The real server's placeholder answer (see docs/PROTOCOL.md).
      respond("get_workflow_status", {
        workflow_id: data.workflow_id,
        status: "running",
        stages_completed: 0,
        total_stages: 10,
      });
    } else if (m.type === "request") {
      this.enqueue(serverFrame("error", typeof m.event === "string" ? m.event : null, {}, {
        correlation_id: corr,
        error_code: "UNKNOWN_REQUEST",
        error_message: "unknown request",
      }));
    }
  }

  #start(): void {
    this.#startTimer = null;
    if (!this.open) return;
    this.flooding = true;
    if (this.plan.mode === "rate") this.#pace(this.plan.rate);
    this.wake();
  }

  /** Paced mode: frames built when due, each with `data.sent_at` (epoch ms). */
  async #pace(rate: number): Promise<void> {
    const templates = mix(this.channels);
    const start = clock();
    let sent = 0;
    while (this.open) {
      const due = Math.floor((clock() - start) * rate / 1000);
      while (sent < due) {
        const t = templates[sent++ % templates.length];
        const now = clock();
        const e = refreshed(t, now, { sent_at: now });
        this.enqueue(serverFrame("event", e.event, e.data, { room: e.room }, now), true, now);
      }
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  async #writeAll(bytes: Uint8Array): Promise<void> {
    let at = 0;
    while (at < bytes.length) at += await this.conn.write(bytes.subarray(at));
    this.bytes += bytes.length;
  }

  async #write(): Promise<void> {
    const blocks = () => blocksFor(this.channels);
    let b = 0;
    while (this.open) {
      const item = this.#queue.shift();
      if (item) {
        if (item.sentAt !== null) this.sentLog.push([this.frames + 1, item.sentAt, clock()]);
        await this.#writeAll(item.bytes);
        this.frames++;
        if (item.event) this.events++;
        continue;
      }
      if (this.flooding && this.quota > 0 && this.plan.mode !== "rate") {
        const all = blocks();
        const block = all[b++ % all.length];
        const count = Math.min(block.ends.length, this.quota);
        const end = block.ends[count - 1];
        let at = 0;
        let done = 0;
        while (at < end) {
          at += await this.conn.write(block.bytes.subarray(at, end));
          for (; done < count && block.ends[done] <= at; done++) {
            this.frames++;
            this.events++;
          }
        }
        this.bytes += end;
        this.quota -= count;
        continue;
      }
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
  }
}

function reply(value: Record<string, unknown>): void {
  Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(value) + "\n"));
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function command(line: string): boolean {
  const c = JSON.parse(line);
  switch (c.cmd) {
    case "plan":
      plan = c.mode === "quota"
        ? { mode: "quota", n: c.n }
        : c.mode === "rate"
        ? { mode: "rate", rate: c.rate }
        : { mode: c.mode === "idle" ? "idle" : "flood" };
      reply({ reply: "plan", plan });
      break;
    case "more":
      for (const conn of connections.values()) {
        if (conn.plan.mode === "quota") {
          conn.quota += c.n;
          conn.wake();
        }
      }
      reply({ reply: "more" });
      break;
    case "send":
      for (const conn of connections.values()) {
        if (!conn.open) continue;
        for (const e of c.events as Template[]) {
          conn.enqueue(serverFrame("event", e.event, e.data, { room: e.room ?? conn.channels[0] ?? null }), true);
        }
      }
      reply({ reply: "send" });
      break;
    case "stats":
      reply({
        reply: "stats",
        t: clock(),
        cpu: cpuSeconds(),
        conns: [...connections.values()].map((c) => ({
          id: c.id,
          channels: c.channels,
          frames: c.frames,
          events: c.events,
          bytes: c.bytes,
          open: c.open,
          flooding: c.flooding,
          peerPort: (c.conn.remoteAddr as Deno.NetAddr).port,
          frameBytes: c.flooding ? averageFrameBytes(c.channels) : null,
        })),
      });
      break;
    case "log":
      reply({ reply: "log", sent: connections.get(c.id)?.sentLog ?? [] });
      break;
    case "quit":
      return false;
    default:
      reply({ reply: "error", error: `unknown command ${c.cmd}` });
  }
  return true;
}

if (import.meta.main) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  reply({ port: (listener.addr as Deno.NetAddr).port });
  (async () => {
    for await (const conn of listener) {
      conn.setNoDelay(true);
      const c = new Connection(conn);
      connections.set(c.id, c);
      c.run();
    }
  })().catch(() => {});
  let buffered = "";
  let running = true;
  for await (const chunk of Deno.stdin.readable) {
    buffered += decoder.decode(chunk, { stream: true });
    let nl: number;
    while (running && (nl = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (line) running = command(line);
    }
    if (!running) break;
  }
  for (const c of connections.values()) c.close();
  listener.close();
  Deno.exit(0);
}
