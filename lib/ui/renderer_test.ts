// deno-lint-ignore-file no-control-regex
import assert from "node:assert/strict";
import { Screen } from "./_screen.ts";
import { dashboardFrames, poolFrames, randomFrames } from "./_view_frames.ts";
import { WIDE_CASES } from "./_wide_cases.ts";
import { ENTER_SEQUENCE, LiveRenderer, RESTORE_SEQUENCE, type TerminalSink } from "./renderer.ts";

function memorySink(columns = 10, rows = 3): TerminalSink & { out: string[]; resize(c: number, r: number): void } {
  let size = { columns, rows };
  const out: string[] = [];
  return { out, write: (t) => void out.push(t), size: () => size, resize: (c, r) => size = { columns: c, rows: r } };
}

Deno.test("LiveRenderer.render() writes exact bytes", async (t) => {
  await t.step("first frame: enter, clear, every row", () => {
    const sink = memorySink();
    const r = new LiveRenderer(sink);
    r.start();
    r.render(["one", "two"]);
    assert.deepEqual(sink.out, [
      "\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J",
      "\x1b[?2026h\x1b[H\x1b[2J" +
      "\x1b[1;1Hone\x1b[0m\x1b[K" +
      "\x1b[2;1Htwo\x1b[0m\x1b[K" +
      "\x1b[3;1H\x1b[0m\x1b[K" +
      "\x1b[?2026l",
    ]);
  });
  await t.step("one changed line: only that row", () => {
    const sink = memorySink();
    const r = new LiveRenderer(sink);
    r.start();
    r.render(["one", "two", "three"]);
    sink.out.length = 0;
    const n = r.render(["one", "TWO", "three"]);
    assert.deepEqual(sink.out, ["\x1b[?2026h\x1b[2HTWO\x1b[?2026l"]);
    assert.equal(n, sink.out[0].length);
  });
  await t.step("one changed cell: a cursor move and that cell", () => {
    const sink = memorySink(30, 2);
    const r = new LiveRenderer(sink);
    r.start();
    r.render(["\x1b[1mPool\x1b[0m  msgs 38  up 4s", "x"]);
    sink.out.length = 0;
    r.render(["\x1b[1mPool\x1b[0m  msgs 39  up 4s", "x"]);
    assert.deepEqual(sink.out, ["\x1b[?2026h\x1b[1;13H9\x1b[?2026l"]);
  });
  await t.step("a changed cell in colour starts with its colour and ends with a reset", () => {
    const sink = memorySink(30, 1);
    const r = new LiveRenderer(sink);
    r.start();
    r.render(["w2  \x1b[32m\x1b[1midle\x1b[0m  0s"]);
    sink.out.length = 0;
    r.render(["w2  \x1b[36m\x1b[1mbusy\x1b[0m  0s"]);
    assert.deepEqual(sink.out, ["\x1b[?2026h\x1b[1;5H\x1b[36m\x1b[1mbusy\x1b[0m\x1b[?2026l"]);
  });
  await t.step("two spans far apart: a relative move between them", () => {
    const sink = memorySink(40, 1);
    const r = new LiveRenderer(sink);
    r.start();
    r.render(["idle 24  busy 12  error 0  offline 0"]);
    sink.out.length = 0;
    r.render(["idle 25  busy 11  error 0  offline 0"]);
    assert.deepEqual(sink.out, ["\x1b[?2026h\x1b[1;7H5\x1b[8C1\x1b[?2026l"]);
  });
  await t.step("spans close together are written as one", () => {
    const sink = memorySink(40, 1);
    const r = new LiveRenderer(sink);
    r.start();
    r.render(["a 1 b 1"]);
    sink.out.length = 0;
    r.render(["a 2 b 2"]);
    assert.deepEqual(sink.out, ["\x1b[?2026h\x1b[1;3H2 b 2\x1b[?2026l"]);
  });
  await t.step("a shorter line: its new end, then erase to the end of the line", () => {
    const sink = memorySink(40, 1);
    const r = new LiveRenderer(sink);
    r.start();
    r.render(["history 99/500 · tail text"]);
    sink.out.length = 0;
    r.render(["history 100/500"]);
    assert.deepEqual(sink.out, ["\x1b[?2026h\x1b[1;9H100/500\x1b[K\x1b[?2026l"]);
  });
  await t.step("a change next to a wide cluster rewrites the whole cluster", () => {
    const sink = memorySink(20, 1);
    const r = new LiveRenderer(sink);
    r.start();
    r.render(["ab作業cd"]);
    sink.out.length = 0;
    r.render(["ab作x cd"]);
    assert.deepEqual(sink.out, ["\x1b[?2026h\x1b[1;5Hx \x1b[?2026l"]);
    sink.out.length = 0;
    r.render(["ab作業cd"]);
    assert.deepEqual(sink.out, ["\x1b[?2026h\x1b[1;5H業\x1b[?2026l"]);
    sink.out.length = 0;
    r.render(["ab作業cd".replace("作", "e\u0301 ")]);
    assert.deepEqual(sink.out, ["\x1b[?2026h\x1b[1;3He\u0301 \x1b[?2026l"]);
  });
  await t.step("nothing changed: nothing written", () => {
    const sink = memorySink();
    const r = new LiveRenderer(sink);
    r.start();
    r.render(["a"]);
    sink.out.length = 0;
    assert.equal(r.render(["a"]), 0);
    assert.deepEqual(sink.out, []);
  });
  await t.step("wide lines are cut by display width, extra rows dropped", () => {
    const sink = memorySink(6, 2);
    const r = new LiveRenderer(sink);
    r.start();
    sink.out.length = 0;
    r.render(["日本語日本語", "abcdefghij", "dropped"]);
    assert.equal(
      sink.out[0],
      "\x1b[?2026h\x1b[H\x1b[2J\x1b[1;1H日本…\x1b[0m\x1b[2;1Habcde…\x1b[0m\x1b[?2026l",
      "a full row is not followed by an erase (xterm would erase its last cell)",
    );
  });
  await t.step("resize redraws everything", () => {
    const sink = memorySink(10, 1);
    const r = new LiveRenderer(sink);
    r.start();
    r.render(["a"]);
    sink.resize(12, 1);
    sink.out.length = 0;
    r.render(["a"]);
    assert.equal(sink.out[0], "\x1b[?2026h\x1b[H\x1b[2J\x1b[1;1Ha\x1b[0m\x1b[K\x1b[?2026l");
  });
});

Deno.test("LiveRenderer.stop() restores the terminal once", () => {
  const sink = memorySink();
  const r = new LiveRenderer(sink);
  r.start();
  r.stop();
  r.stop();
  assert.deepEqual(sink.out, [ENTER_SEQUENCE, RESTORE_SEQUENCE]);
  assert.equal(RESTORE_SEQUENCE, "\x1b[0m\x1b[?25h\x1b[?1049l");
  assert.equal(r.render(["x"]), 0, "no frames after stop");
});

Deno.test("LiveRenderer.render() shifts a moved block with a scroll region", () => {
  const sink = memorySink(20, 8);
  const r = new LiveRenderer(sink);
  r.start();
  r.render(["head", "e5", "e4", "e3", "e2", "e1", "e0", "foot"]);
  sink.out.length = 0;
  r.render(["head", "e6", "e5", "e4", "e3", "e2", "e1", "foot"]);
  // Rows 2..7 (1-based) form the region; one line is inserted at row 2; then only row 2 is written.
  assert.deepEqual(sink.out, ["\x1b[?2026h\x1b[2;7r\x1b[2H\x1b[1L\x1b[r\x1b[2He6\x1b[?2026l"]);
});

Deno.test("LiveRenderer.render() shifts a block that moved up with Delete Line, and two blocks at once", () => {
  const sink = memorySink(20, 13);
  const r = new LiveRenderer(sink);
  r.start();
  r.render(["head", "a", "b", "c", "d", "e", "f", "foot", "e4", "e3", "e2", "e1", "e0"]);
  sink.out.length = 0;
  r.render(["head", "b", "c", "d", "e", "f", "g", "foot", "e5", "e4", "e3", "e2", "e1"]);
  assert.deepEqual(sink.out, [
    "\x1b[?2026h" +
    "\x1b[2;7r\x1b[2H\x1b[1M\x1b[r" + // rows 3..7 up by one
    "\x1b[9;13r\x1b[9H\x1b[1L\x1b[r" + // rows 9..12 down by one
    "\x1b[7Hg\x1b[9He5\x1b[?2026l",
  ]);
});

Deno.test("LiveRenderer.render() shifts rows that moved and changed a little (a sorted table whose ages ticked)", () => {
  const sink = memorySink(20, 7);
  const r = new LiveRenderer(sink);
  r.start();
  r.render(["head", "w1 busy 3s", "w2 idle 3s", "w3 idle 3s", "w4 idle 3s", "w5 idle 3s", "foot"]);
  sink.out.length = 0;
  r.render(["head", "w5 error 0s", "w1 busy 4s", "w2 idle 4s", "w3 idle 4s", "w4 idle 4s", "foot"]);
  assert.deepEqual(sink.out, [
    "\x1b[?2026h\x1b[2;6r\x1b[2H\x1b[1L\x1b[r\x1b[2Hw5 error 0s\x1b[3;9H4\x1b[4;9H4\x1b[5;9H4\x1b[6;9H4\x1b[?2026l",
  ]);
  sink.out.length = 0;
  r.render(["head", "x1 zzzz 9s", "x2 zzzz 9s", "x3 zzzz 9s", "x4 zzzz 9s", "x5 zzzz 9s", "foot"]);
  assert.doesNotMatch(sink.out[0], /\x1b\[\d+;\d+r/, "rows that are not alike are rewritten in place");
});

Deno.test("LiveRenderer.render() keeps apart clusters that the view kept apart with a colour", () => {
  const sink = memorySink(10, 1);
  const r = new LiveRenderer(sink);
  r.start();
  r.render(["🇫\x1b[0m🇫🇷"]); // a lone regional indicator, then a flag
  sink.out.length = 0;
  r.render(["🇫\x1b[0m🇫"]); // two lone ones: written together they would make one flag
  assert.deepEqual(sink.out, ["\x1b[?2026h\x1b[1H🇫\x1b[0m🇫\x1b[K\x1b[?2026l"]);
  assert.equal(screenOf([ENTER_SEQUENCE, ...sink.out], 10, 1).dump(), fullRedraw(["🇫\x1b[0m🇫"], 10, 1));
});

Deno.test("LiveRenderer.render() writes no sequence of a view but SGR colours", () => {
  const sink = memorySink(40, 2);
  const r = new LiveRenderer(sink);
  r.start();
  r.render(["\x1b[31mred\x1b[0m \x1b]0;title\x07\x1b[2Jx", "bell\x07 \x9b2J \u202eback"]);
  const frame = sink.out[1];
  assert.ok(frame.includes("\x1b[1;1H\x1b[31mred\x1b[0m x\x1b[0m\x1b[K"), JSON.stringify(frame));
  assert.ok(frame.includes("\x1b[2;1Hbell\ufffd  back\x1b[0m\x1b[K"), JSON.stringify(frame));
  r.bell();
  assert.equal(sink.out.at(-1), "\x07");
  r.stop();
  r.bell();
  assert.equal(sink.out.at(-1), RESTORE_SEQUENCE, "no bell once the terminal is given back");
});

/** Feeds everything a sink received to a fresh terminal model. */
function screenOf(out: readonly string[], columns: number, rows: number): Screen {
  const screen = new Screen(columns, rows);
  for (const chunk of out) screen.write(chunk);
  assert.deepEqual(screen.unknown, [], "only sequences the model knows");
  return screen;
}

/** The screen a fresh renderer leaves for `lines` (a full redraw). */
function fullRedraw(lines: readonly string[], columns: number, rows: number): string {
  const sink = memorySink(columns, rows);
  const r = new LiveRenderer(sink);
  r.start();
  r.render(lines);
  return screenOf(sink.out, columns, rows).dump();
}

/** Checks after each of `frames` that the screen the renderer left equals a full redraw of it. */
function assertSameAsFullRedraw(frames: readonly string[][], columns: number, rows: number): number[] {
  const sink = memorySink(columns, rows);
  const r = new LiveRenderer(sink);
  r.start();
  const screen = new Screen(columns, rows);
  const sizes: number[] = [];
  frames.forEach((lines, i) => {
    sizes.push(r.render(lines));
    for (const chunk of sink.out) screen.write(chunk);
    sink.out.length = 0;
    assert.deepEqual(screen.unknown, []);
    assert.equal(screen.dump(), fullRedraw(lines, columns, rows), `frame ${i}: ${JSON.stringify(lines)}`);
  });
  return sizes;
}

Deno.test("LiveRenderer.render() leaves the screen a full redraw leaves, frame after frame", async (t) => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    await t.step(`random frames, seed ${seed}`, () => {
      assertSameAsFullRedraw(randomFrames(seed, 24, 10, 60), 24, 10);
    });
  }
  await t.step("random frames of text terminals draw with different widths", () => {
    const tokens = [...WIDE_CASES.map(([, text]) => text), " ", "ab", "\x1b[1m", "\x1b[31m", "\x1b[0m"];
    for (let seed = 11; seed <= 30; seed++) assertSameAsFullRedraw(randomFrames(seed, 30, 10, 60, tokens), 30, 10);
  });
});

Deno.test("LiveRenderer.render() leaves the real views' screens as a full redraw does", async (t) => {
  for (const [columns, rows] of [[120, 40], [80, 24], [200, 50]]) {
    await t.step(`pool monitor, hostile ids, ${columns}x${rows}`, () => {
      assertSameAsFullRedraw(poolFrames(columns, rows, 60).map((f) => f.lines), columns, rows);
    });
    await t.step(`dashboard, ${columns}x${rows}`, () => {
      assertSameAsFullRedraw(dashboardFrames(columns, rows, 45).map((f) => f.lines), columns, rows);
    });
  }
});

Deno.test("LiveRenderer.render() writes under 10% of a full redraw for any one worker change in the pool view", () => {
  const frames = poolFrames(120, 40, 60);
  const sizes = assertSameAsFullRedraw(frames.map((f) => f.lines), 120, 40);
  const encoder = new TextEncoder();
  const sink = memorySink(120, 40);
  const full = new LiveRenderer(sink);
  full.start();
  sink.out.length = 0;
  full.render(frames[30].lines);
  const fullBytes = encoder.encode(sink.out[0]).length;
  const changes = frames.flatMap((f, i) => f.cause === "worker.status_changed" ? [i] : []);
  assert.ok(changes.length > 20);
  // Bytes, not UTF-16 units: the frames are re-rendered to measure them as the terminal receives them.
  const sink2 = memorySink(120, 40);
  const r = new LiveRenderer(sink2);
  r.start();
  const bytes: number[] = [];
  frames.forEach((f, i) => {
    sink2.out.length = 0;
    r.render(f.lines);
    if (changes.includes(i)) bytes.push(encoder.encode(sink2.out.join("")).length);
  });
  assert.equal(bytes.length, changes.length);
  assert.ok(sizes.length === frames.length);
  // A worker that turns to error moves to the top of the sorted table: the rows between move down by one (a
  // scroll region), their ages rewritten when the clock ticked in the same frame.
  const worst = Math.max(...bytes);
  assert.ok(
    worst < fullBytes * 0.1,
    `worst ${worst} bytes against ${fullBytes} for a full redraw: ${bytes.join(", ")}`,
  );
});
