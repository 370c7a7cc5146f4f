// deno-lint-ignore-file no-control-regex
import assert from "node:assert/strict";
import { parseAlert } from "../model/alerts.ts";
import { createMetrics } from "../model/metrics.ts";
import { Screen } from "../ui/_screen.ts";
import { ENTER_SEQUENCE, RESTORE_SEQUENCE, type TerminalSink } from "../ui/renderer.ts";
import type { OutputHost } from "./output.ts";
import { TerminalOutput } from "./terminal_output.ts";

function memorySink(columns = 80, rows = 6): TerminalSink & { out: string[] } {
  const out: string[] = [];
  return { out, write: (t) => void out.push(t), size: () => ({ columns, rows }) };
}

/** The screen everything written so far leaves (the renderer rewrites only the cells that change). */
function screen(sink: TerminalSink & { out: string[] }): string {
  const model = new Screen(sink.size().columns, sink.size().rows);
  for (const chunk of sink.out) model.write(chunk);
  return model.lines().join("\n");
}

function fakeHost(view: () => string[], quits: [number, string | undefined][] = []): OutputHost {
  const alert = parseAlert("queue_size>5");
  return {
    now: () => Date.UTC(2026, 0, 1),
    startedAt: Date.UTC(2026, 0, 1),
    sources: () => [{
      name: "pool",
      status: { state: "connected", url: "ws://x", attempt: 0, retryAt: null, reason: null, since: 0 },
      messages: 3,
      malformed: 0,
      reconnects: 2,
    }],
    messages: () => 3,
    view,
    history: () => [],
    alerts: [alert],
    metrics: createMetrics(0),
    summaries: () => [{ text: "recording 3", ok: true }, { text: "store down", ok: false }],
    clear: () => {},
    quit: (code, message) => void quits.push([code, message]),
  };
}

Deno.test("TerminalOutput draws the view, alert banners and the metrics line, then restores the terminal", async () => {
  const sink = memorySink();
  const host = fakeHost(() => ["Title line", "second"]);
  const out = new TerminalOutput({ sink, keys: false, color: false, refreshMs: 10 });
  out.start(host);
  assert.equal(sink.out[0], ENTER_SEQUENCE);
  const first = sink.out[1];
  assert.match(first, /\x1b\[1;1HTitle line/);
  assert.match(first, /\x1b\[6;1H0 events\/s .*reconnects 2 · recording 3 · store down/);

  (host.alerts[0] as { active: boolean; since: number | null }).active = true;
  (host.alerts[0] as { since: number | null }).since = Date.UTC(2026, 0, 1, 12, 0, 0);
  out.alert({ alert: host.alerts[0] as never, kind: "triggered", actual: 9 });
  assert.equal(sink.out.at(-1), "\x07", "a triggered alert rings the bell at once");
  await new Promise((r) => setTimeout(r, 30));
  assert.match(screen(sink), /^ ALERT queue_size>5 since \d\d:\d\d:\d\d/);
  assert.match(screen(sink).split("\n")[1], /^Title line/, "the view moves down under the banner");

  out.ending();
  assert.equal(sink.out.at(-1), RESTORE_SEQUENCE);
  const count = sink.out.length;
  out.changed();
  out.bell();
  await out.close();
  assert.equal(sink.out.length, count, "nothing is written once the terminal is given back");
});

Deno.test("TerminalOutput draws at most one screen update per refresh interval", async () => {
  const sink = memorySink();
  let n = 0;
  const out = new TerminalOutput({ sink, keys: false, color: false, refreshMs: 200 });
  out.start(fakeHost(() => [`view ${++n}`]));
  const afterFirst = sink.out.length;
  for (let i = 0; i < 50; i++) out.changed();
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(sink.out.length, afterFirst, "no second screen update within the interval");
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(sink.out.length, afterFirst + 1, "one screen update for fifty changes");
  await out.close();
});

Deno.test("TerminalOutput quits with code 1 and draws no more when the view throws", async () => {
  const sink = memorySink();
  const quits: [number, string | undefined][] = [];
  const out = new TerminalOutput({ sink, keys: false, refreshMs: 10 });
  out.start(fakeHost(() => {
    throw new Error("boom");
  }, quits));
  assert.equal(quits.length, 1);
  assert.equal(quits[0][0], 1);
  assert.match(quits[0][1] ?? "", /the view failed: Error: boom/);
  out.changed();
  await new Promise((r) => setTimeout(r, 30));
  await out.close();
  assert.deepEqual(sink.out, [ENTER_SEQUENCE, RESTORE_SEQUENCE]);
});

/** A keyboard fed by the test: `press(bytes)` delivers bytes, `end()` is end of file. */
function scriptedKeyboard() {
  const queue: (string | null)[] = [];
  let wake: (() => void) | null = null;
  const raw: boolean[] = [];
  return {
    raw,
    press(text: string | null) {
      queue.push(text);
      wake?.();
    },
    async read(buffer: Uint8Array): Promise<number | null> {
      while (queue.length === 0) await new Promise<void>((r) => wake = r);
      const next = queue.shift()!;
      if (next === null) return null;
      const bytes = new TextEncoder().encode(next);
      buffer.set(bytes);
      return bytes.length;
    },
    setRaw(mode: boolean) {
      raw.push(mode);
    },
  };
}

Deno.test("TerminalOutput draws a key's effect at once, without waiting for a change or the clock", async () => {
  const sink = memorySink(80, 8);
  const keyboard = scriptedKeyboard();
  const out = new TerminalOutput({ sink, keyboard, color: false, refreshMs: 5000 });
  out.start(fakeHost(() => ["view"]));
  assert.deepEqual(keyboard.raw, [true], "raw mode before the first frame");
  const before = sink.out.length;
  keyboard.press("?");
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(sink.out.length, before + 1, "one screen update for the key, at once");
  assert.match(sink.out.at(-1)!, /pause \/ resume the display/);
  keyboard.press("\t");
  await new Promise((r) => setTimeout(r, 20));
  keyboard.press("\t");
  await new Promise((r) => setTimeout(r, 20));
  assert.match(sink.out.at(-1)!, /↕ table/, "the focused list is named on the status line");
  await out.close();
  assert.deepEqual(keyboard.raw, [true, false]);
});

Deno.test("TerminalOutput: Ctrl+C quits with 0; end of file on the keyboard ends the run", async () => {
  for (const [bytes, label] of [["\x03", "Ctrl+C"], [null, "end of file"]] as const) {
    const quits: [number, string | undefined][] = [];
    const keyboard = scriptedKeyboard();
    const out = new TerminalOutput({ sink: memorySink(), keyboard, refreshMs: 10 });
    out.start(fakeHost(() => ["view"], quits));
    keyboard.press(bytes);
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(quits, [[0, undefined]], label);
    await out.close();
  }
});

Deno.test("TerminalOutput ends the run when the terminal cannot be written, and writes no more", async () => {
  const quits: [number, string | undefined][] = [];
  let writes = 0;
  let broken = false;
  const sink: TerminalSink = {
    write: () => {
      writes++;
      if (broken) throw new Error("Input/output error (os error 5)");
    },
    size: () => ({ columns: 80, rows: 6 }),
  };
  let n = 0;
  const out = new TerminalOutput({ sink, keys: false, refreshMs: 1 });
  out.start(fakeHost(() => [`view ${++n}`], quits));
  broken = true;
  out.changed();
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(quits, [[0, undefined]]);
  const count = writes;
  out.changed();
  await new Promise((r) => setTimeout(r, 20));
  await out.close();
  assert.equal(writes, count, "not even the restore sequence is tried on a terminal that is gone");
});

Deno.test("TerminalOutput lays a paused screen out again for the new size on resize", async () => {
  let size = { columns: 80, rows: 6 };
  const out: string[] = [];
  const sink: TerminalSink = { write: (t) => void out.push(t), size: () => size };
  const keyboard = scriptedKeyboard();
  const terminal = new TerminalOutput({ sink, keyboard, color: false, refreshMs: 1 });
  terminal.start(fakeHost(() => ["title", `laid out for ${size.columns} columns`]));
  keyboard.press("p");
  await new Promise((r) => setTimeout(r, 20));
  assert.match(out.at(-1)!, /PAUSED/);
  size = { columns: 60, rows: 10 };
  Deno.kill(Deno.pid, "SIGWINCH");
  await new Promise((r) => setTimeout(r, 100));
  assert.match(out.at(-1)!, /\x1b\[H\x1b\[2J/, "cleared and redrawn");
  assert.match(out.at(-1)!, /PAUSED/, "still paused");
  assert.match(out.at(-1)!, /laid out for 60 columns/);
  assert.match(out.at(-1)!, /\x1b\[10;1H/, "laid out for 10 rows");
  await terminal.close();
});

Deno.test("TerminalOutput: scrolling down stops where the view stops moving, so one key back up moves at once", async () => {
  const sink = memorySink(80, 8);
  const keyboard = scriptedKeyboard();
  const entries = Array.from({ length: 12 }, (_, i) => `entry ${i}`);
  // A view that shows 5 rows of a 12-entry list and clamps its scroll at 7, like historyLines().
  const host = fakeHost(() => []);
  let shown = -1;
  host.view = (ctx) => {
    shown = Math.min(ctx.scroll, entries.length - 5);
    return [`scrolled ${shown}`, ...entries.slice(shown, shown + 5)];
  };
  const out = new TerminalOutput({ sink, keyboard, color: false, refreshMs: 1 });
  out.start(host);
  keyboard.press("j".repeat(30));
  await new Promise((r) => setTimeout(r, 20));
  assert.match(screen(sink), /scrolled 7/);
  keyboard.press("k");
  await new Promise((r) => setTimeout(r, 20));
  assert.match(screen(sink), /scrolled 6/, "the first key up moves");
  keyboard.press("\x1b[6~\x1b[F"); // page down, End: again no further than the end
  await new Promise((r) => setTimeout(r, 20));
  keyboard.press("k");
  await new Promise((r) => setTimeout(r, 20));
  assert.match(screen(sink), /scrolled 6/);
  await out.close();
});

Deno.test("TerminalOutput draws from the message path when a flood keeps the draw timer from running", async () => {
  const sink = memorySink();
  let clock = Date.UTC(2026, 0, 1);
  let n = 0;
  const host = { ...fakeHost(() => [`view ${++n}`]), now: () => clock };
  const out = new TerminalOutput({ sink, keys: false, color: false, refreshMs: 100 });
  out.start(host);
  const afterFirst = sink.out.length;
  // One second of messages without the event loop turning once: 10 frames are due.
  for (let i = 0; i < 100_000; i++) {
    clock += 0.01;
    out.received();
    out.changed();
  }
  const frames = sink.out.length - afterFirst;
  assert.ok(frames >= 9 && frames <= 10, `${frames} frames drawn in one flooded second, expected about 10`);
  assert.match(screen(sink), new RegExp(`^view ${n}`), "the last frame drawn is on screen");
  await out.close();
});

Deno.test("TerminalOutput draws a connection's new state in the same turn, but not while it is still subscribing", async () => {
  const sink = memorySink();
  let label = "connecting";
  const out = new TerminalOutput({ sink, keys: false, color: false, refreshMs: 60_000 });
  const host = fakeHost(() => [label]);
  out.start(host);
  await Promise.resolve();
  const status = { state: "connected", url: "ws://x", attempt: 0, retryAt: null, reason: null, since: 0 } as const;
  label = "subscribing";
  out.status("pool", { ...status, phase: "subscribing" } as never);
  await Promise.resolve();
  assert.doesNotMatch(screen(sink), /subscribing/, "a subscribing state waits for the frame slot");
  label = "connected";
  out.status("pool", { ...status, phase: "connected" } as never);
  assert.doesNotMatch(screen(sink), /^connected/, "not in the middle of the message that changed it");
  await Promise.resolve();
  assert.match(screen(sink), /^connected/, "drawn before the turn ends");
  out.ending();
});
