import assert from "node:assert/strict";
import { parseAlert } from "../model/alerts.ts";
import type { HistoryEntry } from "../model/history.ts";
import { ENTER_SEQUENCE, RESTORE_SEQUENCE } from "../ui/renderer.ts";
import type { Monitor } from "./monitor.ts";
import type { OutputHost, Received } from "./output.ts";
import { runMonitor } from "./runtime.ts";
import { TerminalOutput } from "./terminal_output.ts";
import { JsonOutput } from "./json_output.ts";
import { RecordOutput } from "./record_output.ts";
import { StoreOutput } from "../store/store_output.ts";
import { eventsPerSecond, latencyPercentiles } from "../model/metrics.ts";
import { startRawServer } from "../transport/_ws_test_server.ts";
import { frameBytes } from "../transport/ws_handshake.ts";

interface CountState {
  seen: string[];
  queue: number;
  history: HistoryEntry[];
}

/** A small monitor: counts pool events, keeps their queue size, ends on `pool.closed` when asked. */
function countMonitor(options: { finishOnStop?: boolean; view?: () => string[] } = {}): Monitor<CountState> {
  return {
    sources: [{ name: "svc", url: "ws://127.0.0.1:1", channels: ["c"] }],
    init: () => ({ seen: [], queue: 0, history: [] }),
    update: (s, { event }, now) => {
      if (event.kind !== "pool.status" && event.kind !== "pool.closed") return false;
      s.seen.push(event.kind);
      if (event.kind === "pool.status") s.queue = event.queueSize ?? s.queue;
      s.history.push({ at: now, event: event.name, severity: event.severity, text: `queue ${s.queue}` });
      return true;
    },
    view: (s) => options.view?.() ?? [`seen ${s.seen.length}`],
    alertValues: (s) => ({ queue: s.queue }),
    history: (s) => [{ service: "svc", entries: [...s.history].reverse() }],
    note: (s, entry) => void s.history.push(entry),
    clear: (s) => void (s.history = []),
    finished: options.finishOnStop ? (s) => s.seen.at(-1) === "pool.closed" ? 7 : null : undefined,
  };
}

/** Writes a recording of pool `events` (`status` with a queue size, or `closed`) for service `svc`. */
function recording(dir: string, events: ["status" | "closed", number][]): string {
  const path = `${dir}/rec.jsonl`;
  const t0 = Date.UTC(2026, 0, 1);
  Deno.writeTextFileSync(
    path,
    events.map(([event, queue], i) =>
      JSON.stringify({
        t: new Date(t0 + i).toISOString(),
        service: "svc",
        frame: JSON.stringify({
          type: "event",
          event: `pool.${event === "status" ? "status_changed" : "closed"}`,
          data: { pool_id: "p", queue_size: queue },
          id: `m${i}`,
        }),
      })
    ).join("\n") + "\nnot json\n",
  );
  return path;
}

/** An output that logs every call and what the host showed at that moment. */
function logOutput(interactive = false) {
  const out = {
    interactive,
    log: [] as string[],
    host: null as OutputHost | null,
    start(host: OutputHost) {
      out.host = host;
      out.log.push("start");
    },
    received(r: Received) {
      out.log.push(`received ${r.event.kind} (${out.host!.view({} as never)[0]})`);
    },
    status(service: string, s: { state: string }) {
      out.log.push(`status ${service} ${s.state}`);
    },
    changed() {
      out.log.push("changed");
    },
    alert(change: { kind: string; alert: { text: string } }) {
      out.log.push(`alert ${change.kind} ${change.alert.text}`);
    },
    ending() {
      out.log.push("ending");
    },
    close() {
      out.log.push("close");
      return Promise.resolve();
    },
  };
  return out;
}

Deno.test("runMonitor() feeds every output in order and ends when a replay is over", async () => {
  const dir = Deno.makeTempDirSync();
  const errors: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void errors.push(args.join(" "));
  try {
    const out = logOutput();
    const code = await runMonitor(countMonitor(), {
      outputs: [out],
      replayPath: recording(dir, [["status", 1], ["status", 60], ["status", 2]]),
      replaySpeed: 1000,
      exportPath: `${dir}/history.jsonl`,
    });
    assert.equal(code, 0);
    const log = out.log;
    assert.deepEqual(log.filter((l) => l !== "changed"), [
      "start",
      "status svc connected",
      "received pool.status (seen 1)",
      "received pool.status (seen 2)",
      "received pool.status (seen 3)",
      "status svc closed",
      "ending",
      "close",
    ]);
    assert.equal(log.filter((l) => l === "changed").length >= 3, true);
    assert.match(errors.join("\n"), /skipped 1 unreadable line/);
    const exported = Deno.readTextFileSync(`${dir}/history.jsonl`);
    assert.deepEqual(exported.trim().split("\n").map((l) => JSON.parse(l).text), ["queue 1", "queue 60", "queue 2"]);
  } finally {
    console.error = original;
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("runMonitor() ends with the monitor's exit code and feeds nothing after it", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const out = logOutput(true);
    const code = await runMonitor(countMonitor({ finishOnStop: true }), {
      outputs: [out],
      replayPath: recording(dir, [["status", 1], ["closed", 1], ["status", 1]]),
      replaySpeed: 1000,
    });
    assert.equal(code, 7);
    assert.deepEqual(out.log.filter((l) => l.startsWith("received")), [
      "received pool.status (seen 1)",
      "received pool.closed (seen 2)",
    ]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("runMonitor() outlives its sources while an interactive output watches, until it quits", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const out = logOutput(true);
    const status = out.status;
    out.status = (service, s) => {
      status(service, s);
      if (s.state === "closed") setTimeout(() => out.host!.quit(3, undefined), 50);
    };
    const code = await runMonitor(countMonitor(), {
      outputs: [out],
      replayPath: recording(dir, [["status", 1]]),
      replaySpeed: 1000,
    });
    assert.equal(code, 3);
    const closedAt = out.log.indexOf("status svc closed");
    assert.ok(closedAt > 0 && out.log.indexOf("ending") > closedAt);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("runMonitor() alerts: triggered and cleared reach the outputs and the history", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const out = logOutput();
    // Frames 300 ms apart at speed 1: the 100 ms alert clock sees every value.
    const path = `${dir}/rec.jsonl`;
    const t0 = Date.UTC(2026, 0, 1);
    Deno.writeTextFileSync(
      path,
      [10, 60, 5].map((queue, i) =>
        JSON.stringify({
          t: new Date(t0 + i * 300).toISOString(),
          service: "svc",
          frame: JSON.stringify({
            type: "event",
            event: "pool.status_changed",
            data: { pool_id: "p", queue_size: queue },
          }),
        })
      ).join("\n"),
    );
    const alerts = [parseAlert("queue>50")];
    await runMonitor(countMonitor(), { outputs: [out], replayPath: path, alerts });
    assert.deepEqual(out.log.filter((l) => l.startsWith("alert")), [
      "alert triggered queue>50",
      "alert cleared queue>50",
    ]);
    assert.deepEqual(out.host!.history()[0].entries.filter((e) => e.event === "alert").map((e) => e.text), [
      "cleared queue>50 (now 5)",
      "ALERT queue>50 (now 60)",
    ]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("runMonitor() with TerminalOutput restores the terminal and exits 1 when the view throws", async () => {
  const out: string[] = [];
  const errors: unknown[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void errors.push(args.join(" "));
  try {
    const terminal = new TerminalOutput({
      sink: { write: (t) => void out.push(t), size: () => ({ columns: 80, rows: 24 }) },
      keys: false,
    });
    const code = await runMonitor(
      countMonitor({
        view: () => {
          throw new Error("view exploded");
        },
      }),
      { outputs: [terminal], closeTimeoutMs: 500 },
    );
    assert.equal(code, 1);
  } finally {
    console.error = original;
  }
  assert.equal(out[0], ENTER_SEQUENCE);
  assert.equal(out.at(-1), RESTORE_SEQUENCE);
  assert.match(String(errors[0]), /the view failed: Error: view exploded/);
});

Deno.test("runMonitor() refuses to run without outputs", async () => {
  await assert.rejects(() => runMonitor(countMonitor(), { outputs: [] }), TypeError);
});

Deno.test("runMonitor() with nobody watching ends with the config exit code (4) when every source failed authentication", async () => {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const { socket, response } = Deno.upgradeWebSocket(req);
    socket.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.event !== "auth") return;
      socket.send(JSON.stringify({
        type: "error",
        event: null,
        data: {},
        correlation_id: m.correlation_id,
        error_code: "AUTH_FAILED",
        error_message: "bad \x1b]0;t\x07token",
      }));
      socket.close(1008, "auth");
    };
    return response;
  });
  const errors: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void errors.push(args.join(" "));
  try {
    const monitor = countMonitor();
    monitor.sources[0].url = `ws://127.0.0.1:${server.addr.port}`;
    monitor.sources[0].token = "t";
    const out = logOutput();
    assert.equal(await runMonitor(monitor, { outputs: [out] }), 4);
    assert.ok(out.log.includes("status svc auth_failed"));
  } finally {
    console.error = original;
    await server.shutdown();
  }
  assert.match(errors.join("\n"), /^authentication failed: .*AUTH_FAILED: bad token/);
});

Deno.test("runMonitor() changes the state once for an event delivered twice, counts the duplicate, passes both on", async () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/rec.jsonl`;
  const ids = ["a", "b", "a", "c", "b"];
  Deno.writeTextFileSync(
    path,
    ids.map((id, i) =>
      JSON.stringify({
        t: new Date(Date.UTC(2026, 0, 1) + i).toISOString(),
        service: "svc",
        frame: JSON.stringify({ type: "event", event: "pool.status_changed", data: { queue_size: i }, id }),
      })
    ).join("\n") + "\n",
  );
  const out = logOutput();
  let summaries: string[] = [];
  const monitor = countMonitor();
  const code = await runMonitor(monitor, {
    outputs: [{ ...out, close: () => (summaries = out.host!.summaries().map((s) => s.text), Promise.resolve()) }],
    replayPath: path,
    replaySpeed: 1000,
  });
  assert.equal(code, 0);
  assert.equal(out.log.filter((l) => l.startsWith("received")).length, 5, "outputs see every delivery");
  assert.deepEqual(out.log.filter((l) => l.startsWith("received")).map((l) => l.slice(-7, -1)), [
    "seen 1",
    "seen 2",
    "seen 2",
    "seen 3",
    "seen 3",
  ]);
  assert.deepEqual(summaries, ["duplicates 2"]);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("runMonitor() hands every output each message's own fields when one read brings many", async () => {
  const dir = Deno.makeTempDirSync();
  const n = 2000;
  const frames = Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      type: "event",
      event: i === n - 1 ? "pool.closed" : "pool.status_changed",
      id: `m${i}`,
      data: { pool_id: "p", queue_size: i, note: "x".repeat(i % 50) },
    }));
  // Every frame in one write: the client decodes many of them in one turn.
  const bytes = concat(frames.map((f) => frameBytes(0x1, new TextEncoder().encode(f))));
  const server = startRawServer((peer) => peer.write(bytes));
  try {
    const chunks: Uint8Array[] = [];
    const json = new JsonOutput({ writer: { writeSync: (b) => (chunks.push(b.slice()), b.length) } });
    const record = new RecordOutput(`${dir}/out.jsonl`);
    const store = new StoreOutput(`${dir}/events.db`, { batchMs: 20, reportOnClose: false });
    await store.ready();
    const monitor = {
      ...countMonitor({ finishOnStop: true }),
      sources: [{ name: "svc", url: server.url, channels: [] }],
    };
    const code = await runMonitor(monitor, { outputs: [json, record, store] });
    assert.equal(code, 7, "ends on pool.closed, the last frame");
    const lines = new TextDecoder().decode(concat(chunks)).trim().split("\n").map((l) => JSON.parse(l))
      .filter((l) => l.kind === "message");
    assert.deepEqual(
      lines.map((l) => [l.service, JSON.stringify(l.message.data)]),
      frames.map((f) => ["svc", JSON.stringify(JSON.parse(f).data)]),
    );
    assert.deepEqual(lines.map((l) => l.message.id), frames.map((_, i) => `m${i}`));
    const recorded = Deno.readTextFileSync(`${dir}/out.jsonl`).trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(recorded.map((r) => [r.service, r.frame]), frames.map((f) => ["svc", f]));
    assert.deepEqual(recorded.map((r) => r.t), lines.map((l) => l.time), "the same receive time in both");
    assert.equal(store.counts.stored, n, store.describe());
  } finally {
    await server.close();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("runMonitor() counts every event and times one per receive time (the first with a time of its own)", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    // Three frames per receive time (one socket read): the first without a timestamp, then two with one.
    const t0 = Date.UTC(2026, 0, 1);
    const n = 300;
    const at = (i: number) => t0 + Math.floor(i / 3);
    const stampOf = (i: number) => i % 3 === 0 ? undefined : new Date(at(i) - (i % 3 === 1 ? 100 + (i % 7) : 5));
    const replayPath = `${dir}/in.jsonl`;
    Deno.writeTextFileSync(
      replayPath,
      Array.from({ length: n }, (_, i) =>
        JSON.stringify({
          t: new Date(at(i)).toISOString(),
          service: "svc",
          frame: JSON.stringify({
            type: "event",
            event: "pool.status_changed",
            id: `m${i}`,
            data: { pool_id: "p", queue_size: i, timestamp: stampOf(i)?.toISOString() },
          }),
        })).join("\n"),
    );
    let host: OutputHost | null = null;
    const code = await runMonitor(countMonitor(), {
      outputs: [{ start: (h) => void (host = h), close: () => Promise.resolve() }],
      replayPath,
      replaySpeed: 1_000_000,
    });
    assert.equal(code, 0);
    const metrics = (host as OutputHost | null)!.metrics;
    assert.equal(eventsPerSecond(metrics, t0 + 1000), n, "every event counted");
    const samples = Array.from({ length: n / 3 }, (_, g) => 100 + ((3 * g + 1) % 7)).sort((a, b) => a - b);
    assert.equal(metrics.latencies.length, n / 3);
    assert.deepEqual(latencyPercentiles(metrics), {
      p50: samples[Math.floor(samples.length / 2)],
      p99: samples[Math.floor(samples.length * 0.99)],
    });
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
