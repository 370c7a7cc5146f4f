/**
 * Test helper: text that terminals draw with different widths, and the
 * cells tmux 3.3a drew for each once shown (measured by hand: the shown
 * form printed between two `|` in a tmux pane, then the cursor column read
 * back with a DSR `ESC [6n` query; glibc 2.36 `wcswidth`, what xterm and
 * VTE follow, gave the same numbers for every case).
 *
 * @module
 */

import { createPoolState, type PoolState, reducePool } from "../model/pool_state.ts";
import { ev } from "../protocol/_test_envelope.ts";
import { decodeMessage } from "../protocol/decode.ts";

/** `[name, raw text as a server may send it, cells tmux draws for its shown form]`. */
export const WIDE_CASES: readonly [string, string, number][] = [
  ["heart with VS16", "❤️", 1],
  ["keycap", "1️⃣", 1],
  ["hash keycap", "#️⃣", 1],
  ["skin tone", "👍🏽", 2],
  ["lone skin tone", "x🏽y", 2],
  ["ZWJ woman technologist", "👩‍💻", 2],
  ["ZWJ family", "👨‍👩‍👧", 2],
  ["ZWJ rainbow flag", "🏳️‍🌈", 1],
  ["ZWJ heart on fire", "❤️‍🔥", 1],
  ["ZWJ with skin tone", "👩🏽‍💻", 2],
  ["flag", "🇫🇷", 2],
  ["lone regional indicator", "🇫", 1],
  ["tag sequence flag", "🏴󠁧󠁢󠁥󠁮󠁧󠁿", 2],
  ["CJK", "作業者", 6],
  ["combining acute", "e\u0301", 1],
  ["two combining marks", "e\u0323\u0304", 1],
  ["Devanagari conjunct", "नमस्ते", 4],
  ["Devanagari with ZWJ", "क्\u200dष", 2],
  ["Thai marks", "ที่", 1],
  ["Hebrew points", "שָׁלוֹם", 4],
  ["Tamil spacing mark", "நி", 2],
  ["VS15", "☺︎", 1],
  ["ZWJ between letters", "a\u200db", 2],
  ["noncharacter", "a\uffffb", 3],
  ["CJK with VS17", "葛\u{e0100}", 2],
  ["Hangul jamo", "\u1100\u1161\u11a8", 2],
  ["emoji", "w-😀-1", 6],
  ["soft hyphen", "a\u00adb", 3],
  ["fullwidth latin", "ＡＢ", 4],
];

/** Worker ids built from the cases above, for table tests. */
export const HOSTILE_IDS: readonly string[] = [
  "w-plain",
  "w-❤️",
  "w-1️⃣",
  "w-👍🏽",
  "w-👩‍💻",
  "w-👨‍👩‍👧",
  "w-🏳️‍🌈",
  "w-作業者",
  "w-e\u0301e\u0323\u0304",
  "w-नमस्ते",
  "w-ที่",
  "w-🇫🇷",
  "w-நி",
];

/** A running pool whose workers have the {@link HOSTILE_IDS}; every other one busy on a task with a hostile id. */
export function hostilePool(): PoolState {
  const pool = createPoolState("pool-👩‍💻-作業");
  let n = 0;
  const send = (event: string, data: Record<string, unknown>) =>
    reducePool(pool, decodeMessage({ ...ev(event, data), id: `e${n++}` }), 1000 + n);
  send("pool.status_changed", {
    pool_id: pool.poolId,
    status: { state: "running", worker_count: HOSTILE_IDS.length, queue_size: 1 },
  });
  HOSTILE_IDS.forEach((id, i) => {
    send("worker.added", { worker_id: id });
    if (i % 2) send("task.assigned", { worker_id: id, task_id: `t-${HOSTILE_IDS[(i + 3) % HOSTILE_IDS.length]}` });
  });
  return pool;
}
