// deno-lint-ignore-file no-control-regex
import assert from "node:assert/strict";
import { sanitizeText } from "./sanitize.ts";

Deno.test("sanitizeText() removes terminal control", async (t) => {
  const cases: [string, string, string][] = [
    ["clear screen", "a\x1b[2Jb", "ab"],
    ["cursor move", "\x1b[10;10Hx", "x"],
    ["colour", "\x1b[31mred\x1b[0m", "red"],
    ["OSC title with BEL", "\x1b]0;pwned\x07ok", "ok"],
    ["OSC hyperlink with ST", "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "link"],
    ["DCS", "\x1bPq#0;2;0;0;0\x1b\\after", "after"],
    ["C1 CSI", "\x9b2Jz", "z"],
    ["BEL and backspace", "a\x07b\bc", "a\ufffdb\ufffdc"],
    ["carriage return and newline", "line1\r\nline2\rline3", "line1 line2 line3"],
    ["bidi override", "abc\u202edef\u202c", "abcdef"],
    ["zero width", "a\u200bb\ufeffc\u2066d", "abcd"],
    ["tab", "a\tb", "a b"],
    ["unterminated OSC", "\x1b]0;title forever", ""],
    ["plain", "pool_local_w1", "pool_local_w1"],
    ["CJK kept", "作業者", "作業者"],
  ];
  for (const [name, input, expected] of cases) {
    await t.step(name, () => assert.equal(sanitizeText(input), expected));
  }
});

Deno.test("sanitizeText() never lets ESC through", () => {
  const nasty = "\x1b\x1b[\x1b]\x1bP\x1b[?1049l\x1b[38;2;1;2;3m\x1bc\x1b7\x1b8";
  assert.ok(!sanitizeText(nasty).includes("\x1b"));
  for (let c = 0; c < 0x20; c++) {
    const out = sanitizeText(`x${String.fromCharCode(c)}y`);
    assert.ok(!/[\x00-\x1f]/.test(out), `char ${c} leaked: ${JSON.stringify(out)}`);
  }
});

Deno.test("sanitizeText() shows non-strings and cuts long text", () => {
  assert.equal(sanitizeText(42), "42");
  assert.equal(sanitizeText(undefined), "");
  assert.equal(sanitizeText("abcdefgh", { maxLength: 5 }), "abcd…");
});

Deno.test("sanitizeText() keeps a zero-width joiner only between two emoji", async (t) => {
  const cases: [string, string, string][] = [
    ["woman technologist", "w-👩‍💻", "w-👩‍💻"],
    ["family", "👨‍👩‍👧", "👨‍👩‍👧"],
    ["with skin tone", "👩🏽‍💻", "👩🏽‍💻"],
    ["with VS16", "❤️‍🔥", "❤️‍🔥"],
    ["between letters", "a\u200db", "ab"],
    ["Devanagari", "क्\u200dष", "क्ष"],
    ["after an emoji, before a letter", "👩\u200dx", "👩x"],
    ["before an emoji, after a letter", "x\u200d💻", "x💻"],
    ["trailing", "👩\u200d", "👩"],
    ["two in a row (not a sequence)", "👩\u200d\u200d💻", "👩💻"],
  ];
  for (const [name, input, expected] of cases) {
    await t.step(name, () => assert.equal(sanitizeText(input), expected));
  }
});

Deno.test("sanitizeText() cuts long text between grapheme clusters", async (t) => {
  const cases: [string, string, number, string][] = [
    ["surrogate pair", "a😀b", 3, "a…"],
    ["ZWJ sequence", "ab👩‍💻cd", 6, "ab…"],
    ["combining mark", "e\u0301e\u0301e", 4, "e\u0301…"],
    ["whole cluster fits", "ab👩‍💻cd", 8, "ab👩‍💻…"],
  ];
  for (const [name, input, max, expected] of cases) {
    await t.step(name, () => {
      const out = sanitizeText(input, { maxLength: max });
      assert.equal(out, expected);
      assert.ok(out.length <= max);
    });
  }
});
