/**
 * Pieces of the benchmark harness: the flood sender process and its
 * commands, processes in a pseudo-terminal with their drawn frames, the
 * shipped command lines from `deno.json`, and `/proc` readings.
 *
 * @module
 */

import { Screen } from "../lib/ui/_screen.ts";

/** The repository root (with a trailing slash). */
export const ROOT = new URL("../", import.meta.url).pathname;

const decoder = new TextDecoder();

/** The number after `name` on the command line (`--rate 1000`), else `fallback`. */
export function numberOption(name: string, fallback: number, args: readonly string[] = Deno.args): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

/** Waits `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Epoch milliseconds with sub-millisecond resolution (the clock the sender and the pty runner use). */
export const epochMs = (): number => performance.timeOrigin + performance.now();

/** Reads lines from a byte stream, one at a time. */
class LineReader {
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #buffer = "";
  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.getReader();
  }
  async next(): Promise<string | null> {
    while (true) {
      const nl = this.#buffer.indexOf("\n");
      if (nl >= 0) {
        const line = this.#buffer.slice(0, nl);
        this.#buffer = this.#buffer.slice(nl + 1);
        return line;
      }
      const { value, done } = await this.#reader.read();
      if (done) return null;
      this.#buffer += decoder.decode(value, { stream: true });
    }
  }
  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }
}

/** One connection as the sender counts it. */
export interface SenderConnection {
  id: number;
  channels: string[];
  frames: number;
  events: number;
  bytes: number;
  open: boolean;
  flooding: boolean;
  /** The client's port. */
  peerPort: number;
  /** Mean frame size of the connection's mix, once flooding. */
  frameBytes: number | null;
}

/** A `stats` answer of the sender. */
export interface SenderStats {
  t: number;
  cpu: number;
  conns: SenderConnection[];
}

/** The flood sender process (`bench/flood_sender.ts`), driven over its stdin/stdout. */
export class Sender {
  readonly port: number;
  readonly pid: number;
  #child: Deno.ChildProcess;
  #lines: LineReader;
  #writer: WritableStreamDefaultWriter<Uint8Array>;

  private constructor(child: Deno.ChildProcess, lines: LineReader, port: number) {
    this.#child = child;
    this.#lines = lines;
    this.port = port;
    this.pid = child.pid;
    this.#writer = child.stdin.getWriter();
  }

  /** Starts a sender and waits for its port. */
  static async start(): Promise<Sender> {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-net=127.0.0.1", "bench/flood_sender.ts"],
      cwd: ROOT,
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const lines = new LineReader(child.stdout);
    const first = await lines.next();
    const port = JSON.parse(first ?? "{}").port;
    if (typeof port !== "number") throw new Error(`flood sender did not start: ${first}`);
    return new Sender(child, lines, port);
  }

  /** Sends one command and resolves to its answer. */
  async cmd(command: Record<string, unknown>): Promise<Record<string, unknown>> {
    await this.#writer.write(new TextEncoder().encode(JSON.stringify(command) + "\n"));
    const line = await this.#lines.next();
    if (line === null) throw new Error("flood sender exited");
    return JSON.parse(line);
  }

  /** Counters of every connection so far, and the sender's CPU seconds. */
  async stats(): Promise<SenderStats> {
    return await this.cmd({ cmd: "stats" }) as unknown as SenderStats;
  }

  /** Waits until `count` connections with id above `afterId` have subscribed and started; returns them. */
  async waitFlooding(afterId: number, count: number, timeoutMs = 20_000): Promise<SenderConnection[]> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const conns = (await this.stats()).conns.filter((c) => c.id > afterId && c.open && c.flooding);
      if (conns.length >= count) return conns;
      await sleep(50);
    }
    throw new Error(`no ${count} subscribed connection(s) within ${timeoutMs} ms`);
  }

  /** The highest connection id so far (0 when none). */
  async lastId(): Promise<number> {
    return Math.max(0, ...(await this.stats()).conns.map((c) => c.id));
  }

  /** Ends the sender. */
  async stop(): Promise<void> {
    try {
      await this.#writer.write(new TextEncoder().encode(JSON.stringify({ cmd: "quit" }) + "\n"));
      await this.#writer.close();
    } catch { /* gone */ }
    await this.#child.status;
    await this.#lines.cancel();
  }
}

/**
 * Bytes on their way from the sender on `serverPort` to the client on
 * `peerPort`: the sender socket's send queue plus the client socket's receive
 * queue, from `ss` (iproute2). Null when `ss` is not available.
 */
export function inflightBytes(serverPort: number, peerPort: number): number | null {
  let text: string;
  try {
    const out = new Deno.Command("ss", { args: ["-tnH", "state", "established"] }).outputSync();
    if (!out.success) return null;
    text = decoder.decode(out.stdout);
  } catch {
    return null;
  }
  let bytes = 0;
  for (const line of text.split("\n")) {
    const [recvQ, sendQ, local, peer] = line.trim().split(/\s+/);
    if (local === `127.0.0.1:${serverPort}` && peer === `127.0.0.1:${peerPort}`) bytes += Number(sendQ);
    if (local === `127.0.0.1:${peerPort}` && peer === `127.0.0.1:${serverPort}`) bytes += Number(recvQ);
  }
  return bytes;
}

let clockTicks = 0;
/** CPU seconds (user + system) of process `pid`, from /proc (read through `cat`: Deno wants --allow-all for /proc). */
export function cpuOf(pid: number): number {
  if (clockTicks === 0) {
    clockTicks = Number(decoder.decode(new Deno.Command("getconf", { args: ["CLK_TCK"] }).outputSync().stdout)) || 100;
  }
  const stat = decoder.decode(new Deno.Command("cat", { args: [`/proc/${pid}/stat`] }).outputSync().stdout);
  const fields = stat.slice(stat.lastIndexOf(") ") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

/** Resident set size of process `pid` in bytes, from /proc. */
export function rssOf(pid: number): number {
  const status = decoder.decode(new Deno.Command("cat", { args: [`/proc/${pid}/status`] }).outputSync().stdout);
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) * 1024;
}

/**
 * The `deno run` arguments of a shipped task in `deno.json` (`pool`,
 * `workflow`, `dashboard`), without the leading `deno`, with `flags` put
 * after `run` (e.g. `--cpu-prof`).
 */
export function shippedArgs(task: string, flags: string[] = []): string[] {
  const tasks = JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`)).tasks as Record<string, string>;
  const words = tasks[task]?.trim().split(/\s+/) ?? [];
  if (words[0] !== "deno" || words[1] !== "run") {
    throw new TypeError(`Cannot run task as it is not a 'deno run' command line: current value is ${tasks[task]}`);
  }
  return ["run", ...flags, ...words.slice(2)];
}

/** One synchronized-output frame (`ESC[?2026h` ... `ESC[?2026l`) as the terminal received it. */
export interface Frame {
  /** Byte offsets of the begin and end sequences in the output. */
  begin: number;
  end: number;
  /** Epoch ms at which the terminal received the begin and the end. */
  tBegin: number;
  tEnd: number;
  /** Bytes of the frame, begin and end sequences included. */
  bytes: number;
  /** Whether it clears the screen (a full redraw). */
  full: boolean;
  /** The text on the screen once it is drawn (a terminal model fed everything up to its end), rows joined by "\n". */
  text: string;
  /** Every `msgs N` counter on the screen once it is drawn, in order. */
  msgs: number[];
}

const BEGIN = "\x1b[?2026h";
const END = "\x1b[?2026l";

/**
 * Splits a terminal recording (bytes + `epoch end` index lines) into frames,
 * each with the screen it leaves on a terminal of `size` (the renderer
 * rewrites only changed cells, so a frame's own bytes may hold a digit of a
 * counter, not the counter).
 */
export function parseFrames(
  bytes: Uint8Array,
  index: string,
  size: { columns: number; rows: number } = { columns: 120, rows: 40 },
): Frame[] {
  const times: number[] = [];
  const ends: number[] = [];
  for (const line of index.split("\n")) {
    const [t, end] = line.split(" ");
    if (end === undefined) continue;
    times.push(Number(t) * 1000);
    ends.push(Number(end));
  }
  const timeAt = (offset: number): number => {
    let lo = 0;
    let hi = ends.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ends[mid] > offset) hi = mid;
      else lo = mid + 1;
    }
    return times[lo] ?? NaN;
  };
  // One character per byte, so that string offsets are byte offsets.
  const raw = new TextDecoder("latin1").decode(bytes);
  const frames: Frame[] = [];
  const screen = new Screen(size.columns, size.rows);
  let at = 0;
  while (true) {
    const begin = raw.indexOf(BEGIN, at);
    if (begin < 0) break;
    const endAt = raw.indexOf(END, begin);
    if (endAt < 0) break;
    const end = endAt + END.length;
    const body = raw.slice(begin, end);
    screen.write(decoder.decode(bytes.subarray(at, end)));
    const text = screen.lines().join("\n");
    frames.push({
      begin,
      end,
      tBegin: timeAt(begin),
      tEnd: timeAt(end - 1),
      bytes: end - begin,
      full: body.includes("\x1b[2J"),
      text,
      msgs: [...text.matchAll(/msgs (\d+)/g)].map((m) => Number(m[1])),
    });
    at = end;
  }
  return frames;
}

/** Options for {@link PtyRun.start}. */
export interface PtyOptions {
  /** Default 120. */
  columns?: number;
  /** Default 40. */
  rows?: number;
  /** Where the recording goes. */
  outFile: string;
}

/** A process in a pseudo-terminal of a fixed size (`tests/_pty.py`), its output recorded with times. */
export class PtyRun {
  /** The command's pid (not the runner's). */
  readonly pid: number;
  /** Epoch ms just before the fork. */
  readonly startedAt: number;
  readonly outFile: string;
  /** The terminal's size. */
  readonly size: { columns: number; rows: number };
  #child: Deno.ChildProcess;
  #stdin: WritableStreamDefaultWriter<Uint8Array>;

  private constructor(
    child: Deno.ChildProcess,
    pid: number,
    startedAt: number,
    outFile: string,
    size: { columns: number; rows: number },
  ) {
    this.#child = child;
    this.size = size;
    this.pid = pid;
    this.startedAt = startedAt;
    this.outFile = outFile;
    this.#stdin = child.stdin.getWriter();
  }

  /** Starts `command` (program and arguments) in a pseudo-terminal. */
  static async start(command: string[], options: PtyOptions): Promise<PtyRun> {
    const size = { columns: options.columns ?? 120, rows: options.rows ?? 40 };
    const child = new Deno.Command("python3", {
      args: [`${ROOT}tests/_pty.py`, ...command],
      cwd: ROOT,
      env: {
        TERM: "xterm-256color",
        PTY_SIZE: `${size.columns}x${size.rows}`,
        PTY_OUT: options.outFile,
      },
      stdin: "piped",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const lines = new LineReader(child.stderr);
    const first = (await lines.next()) ?? "";
    const m = /pid (\d+) start ([\d.]+)/.exec(first);
    if (!m) throw new Error(`pty runner did not start: ${first}`);
    // Keep draining the runner's stderr (the command's own stderr goes to the terminal).
    (async () => {
      while ((await lines.next()) !== null) { /* drain */ }
    })();
    return new PtyRun(child, Number(m[1]), Number(m[2]) * 1000, options.outFile, size);
  }

  /** The frames drawn so far. */
  frames(): Frame[] {
    let bytes: Uint8Array;
    let index: string;
    try {
      bytes = Deno.readFileSync(this.outFile);
      index = Deno.readTextFileSync(this.outFile + ".idx");
    } catch {
      return [];
    }
    return parseFrames(bytes, index, this.size);
  }

  /** Epoch ms of the first output byte, or null. */
  firstOutputAt(): number | null {
    try {
      const first = Deno.readTextFileSync(this.outFile + ".idx").split("\n")[0];
      return first ? Number(first.split(" ")[0]) * 1000 : null;
    } catch {
      return null;
    }
  }

  /** Types `text` on the terminal. */
  async keys(text: string): Promise<void> {
    await this.#stdin.write(new TextEncoder().encode(text));
  }

  /** Sends `signal` to the command and waits (SIGKILL after `graceMs`); resolves to the runner's exit code. */
  async stop(signal: Deno.Signal = "SIGTERM", graceMs = 5000): Promise<number> {
    try {
      Deno.kill(this.pid, signal);
    } catch { /* exited */ }
    const guard = setTimeout(() => {
      try {
        Deno.kill(this.pid, "SIGKILL");
      } catch { /* exited */ }
    }, graceMs);
    try {
      await this.#stdin.close();
    } catch { /* closed */ }
    const status = await this.#child.status;
    clearTimeout(guard);
    return status.code;
  }

  /** Waits for the command to end by itself. */
  async exited(): Promise<number> {
    return (await this.#child.status).code;
  }
}

/** A plain child process (the bare clients), with its stdout collected. */
export class PlainRun {
  readonly pid: number;
  #child: Deno.ChildProcess;
  #out: Promise<string>;

  constructor(args: string[]) {
    this.#child = new Deno.Command(Deno.execPath(), {
      args,
      cwd: ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.pid = this.#child.pid;
    this.#out = new Response(this.#child.stdout).text();
  }

  /** SIGTERM, then the last stdout line parsed as JSON. */
  async stop(): Promise<Record<string, number | null>> {
    try {
      this.#child.kill("SIGTERM");
    } catch { /* exited */ }
    await this.#child.status;
    const last = (await this.#out).trim().split("\n").at(-1) ?? "";
    try {
      return JSON.parse(last);
    } catch {
      return {};
    }
  }
}

/** The `q`-quantile of sorted numbers. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** The median. */
export function median(values: number[]): number {
  return quantile([...values].sort((a, b) => a - b), 0.5);
}
