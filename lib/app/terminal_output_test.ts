// deno-lint-ignore-file no-control-regex
import assert from "node:assert/strict";
import { parseAlert } from "../model/alerts.ts";
import { createMetrics } from "../model/metrics.ts";
import { ENTER_SEQUENCE, RESTORE_SEQUENCE, type TerminalSink } from "../ui/renderer.ts";
import type { OutputHost } from "./output.ts";
import { TerminalOutput } from "./terminal_output.ts";

function memorySink(columns = 80, rows = 6): TerminalSink & { out: string[] } {
  const out: string[] = [];
  return { out, write: (t) => void out.push(t), size: () => ({ columns, rows }) };
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
  assert.match(sink.out.at(-1)!, /\x1b\[1;1H ALERT queue_size>5 since \d\d:\d\d:\d\d/);
  assert.match(sink.out.at(-1)!, /\x1b\[2;1HTitle line/, "the view moves down under the banner");

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
