import assert from "node:assert/strict";
import { terminalSafe } from "./terminal_safe.ts";

/** Any byte sequence outside SGR that a terminal would act on. */
// deno-lint-ignore no-control-regex
const NOT_SGR = /\x1b(?!\[[0-9;]*m)|[\x00-\x1a\x1c-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200b-\u200f]/;

Deno.test("terminalSafe() keeps plain and SGR-coloured lines as they are", () => {
  for (const line of ["plain ascii", "\x1b[1;97;41m ALERT \x1b[0m", "wide 表 😀 ok", ""]) {
    assert.equal(terminalSafe(line), line);
  }
});

Deno.test("terminalSafe() removes every other sequence and control, keeps the visible text", async (t) => {
  const cases: [string, string][] = [
    ["OSC title", "a\x1b]0;owned\x07b"],
    ["OSC title with ST", "a\x1b]2;owned\x1b\\b"],
    ["clear screen", "a\x1b[2J\x1b[Hb"],
    ["OSC 8 hyperlink", "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\"],
    ["DCS", "a\x1bP1$qm\x1b\\b"],
    ["8-bit CSI", "a\x9b2Jb"],
    ["8-bit OSC", "a\x9d0;t\x9cb"],
    ["BEL BS CR LF TAB", "a\x07\b\r\n\tb"],
    ["bidi override", "a\u202eb\u2066c"],
    ["zero width", "a\u200bb"],
    ["cursor save and DEC modes", "a\x1b7\x1b[?25l\x1b[?1049lb"],
    ["SGR inside an OSC", "a\x1b]0;x\x1b[31my\x07b"],
    ["lone ESC at the end", "ab\x1b"],
  ];
  for (const [name, input] of cases) {
    await t.step(name, () => {
      const out = terminalSafe(`\x1b[31m${input}\x1b[0m`);
      assert.equal(NOT_SGR.exec(out), null, JSON.stringify(out));
      assert.ok(out.startsWith("\x1b[31m") && out.endsWith("\x1b[0m"), "own colours kept");
    });
  }
  assert.equal(terminalSafe("a\x1b[2Jb"), "ab");
  assert.equal(terminalSafe("\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\"), "click");
});
