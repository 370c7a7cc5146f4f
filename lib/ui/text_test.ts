import assert from "node:assert/strict";
import { sanitizeText } from "../protocol/sanitize.ts";
import { WIDE_CASES } from "./_wide_cases.ts";
import { displayWidth, fit, fitRight, terminalText, truncate, wrap } from "./text.ts";

const segmenter = new Intl.Segmenter();
const clusters = (text: string) => [...segmenter.segment(text)].map((s) => s.segment);

Deno.test("terminalText() keeps only what terminals draw alike", async (t) => {
  const cases: [string, string, string][] = [
    ["VS16 dropped", "❤️", "❤"],
    ["VS15 dropped", "☺︎", "☺"],
    ["keycap keeps its mark", "1️⃣", "1\u20e3"],
    ["skin tone dropped", "👍🏽", "👍"],
    ["ZWJ sequence becomes its first emoji", "👩‍💻 and 👨‍👩‍👧", "👩 and 👨"],
    ["ZWJ sequence with skin tone", "👩🏽‍💻", "👩"],
    ["ZWJ between letters dropped", "a\u200db", "ab"],
    ["noncharacter and lone surrogate", "a\uffff\ud800b", "a\ufffd\ufffdb"],
    ["SGR, CJK, combining marks and flags kept", "\x1b[1m作業 e\u0301 🇫🇷\x1b[0m", "\x1b[1m作業 e\u0301 🇫🇷\x1b[0m"],
    ["ASCII unchanged", "pool_local w1", "pool_local w1"],
  ];
  for (const [name, input, expected] of cases) {
    await t.step(name, () => assert.equal(terminalText(input), expected));
  }
});

Deno.test("displayWidth() is what tmux draws", async (t) => {
  for (const [name, raw, cells] of WIDE_CASES) {
    await t.step(name, () => {
      assert.equal(displayWidth(raw), cells, "raw");
      assert.equal(displayWidth(sanitizeText(raw)), cells, "sanitized");
      assert.equal(displayWidth(`\x1b[31m${raw}\x1b[0m`), cells, "with SGR");
    });
  }
});

Deno.test("truncate(), fit() and fitRight() never split a grapheme cluster", async (t) => {
  for (const [name, raw] of WIDE_CASES) {
    await t.step(name, () => {
      const text = `ab${raw}${raw}cd`;
      const whole = clusters(terminalText(text));
      for (let width = 0; width <= displayWidth(text) + 1; width++) {
        const cut = truncate(text, width);
        assert.ok(displayWidth(cut) <= width, `${JSON.stringify(cut)} wider than ${width}`);
        const kept = clusters(cut.endsWith("…") ? cut.slice(0, -1) : cut);
        assert.deepEqual(kept, whole.slice(0, kept.length), `cut inside a cluster at ${width}`);
        if (width > 0) {
          assert.equal(displayWidth(fit(text, width)), width);
          assert.equal(displayWidth(fitRight(text, width)), width);
        }
        const styled = truncate(`\x1b[32m${text}`, width);
        if (width > 0 && displayWidth(text) > width) assert.ok(styled.endsWith("…\x1b[0m"), JSON.stringify(styled));
      }
    });
  }
});

Deno.test("wrap() breaks lines between clusters only", () => {
  const text = WIDE_CASES.map(([, raw]) => raw).join("");
  for (const width of [2, 3, 5, 8]) {
    const lines = wrap(text, width);
    for (const line of lines) assert.ok(displayWidth(line) <= width, `${JSON.stringify(line)} wider than ${width}`);
    assert.deepEqual(lines.flatMap(clusters), clusters(terminalText(text)));
  }
});
