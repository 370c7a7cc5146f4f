// deno-lint-ignore-file no-control-regex
/**
 * Display-width aware text layout for the views, in terminal cells: widths,
 * ANSI-aware truncation with an ellipsis, padding and wrapping.
 *
 * Terminals disagree about emoji sequences: tmux 3.3 draws a zero-width-joiner
 * sequence (👩‍💻) in one wide cell where xterm and VTE draw each part; ❤️ (with
 * VS16) takes one cell in tmux, xterm and VTE and two in kitty or WezTerm; a
 * skin-tone modifier (👍🏽) is a cell of its own in some and joined in others.
 * So text is first put in a form they agree on ({@link terminalText}), and a
 * width is what tmux, xterm and VTE (`wcwidth`) draw for that form: per
 * grapheme cluster, the sum of its code points' widths (East Asian Wide and
 * Fullwidth two cells; combining marks, Hangul medial/final jamo and format
 * characters none; the rest one). `string-width` counts only a cluster's first
 * code point, which is wrong for Indic conjuncts and spacing marks (नमस्ते is 3
 * there, 4 in a terminal), so it is not used here.
 *
 * Cuts (truncate, fit, wrap) happen only between grapheme clusters.
 *
 * @module
 */

import { eastAsianWidth } from "get-east-asian-width";

const SGR = /\x1b\[[0-9;]*m/y;
const SGR_ALL = /\x1b\[[0-9;]*m/g;
const segmenter = new Intl.Segmenter();

/** Characters {@link terminalText} changes: ZWJ, VS15/VS16, skin tones, unassigned code points, lone surrogates. */
const NEEDS_NORMALISING = /[\u200d\ufe0e\ufe0f\u{1f3fb}-\u{1f3ff}\p{Cn}\p{Cs}]/u;
const PICTOGRAPHIC = /^\p{Extended_Pictographic}/u;
const DROPPED = /[\ufe0e\ufe0f\u{1f3fb}-\u{1f3ff}]/gu;
const UNKNOWN = /[\p{Cn}\p{Cs}]/gu;
/** Zero cells in wcwidth: combining marks, format characters, Hangul medial and final jamo. */
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}\u1160-\u11ff\ud7b0-\ud7ff]$/u;
/** Format characters that still take a cell (soft hyphen, prepended concatenation marks). */
const FORMAT_WITH_WIDTH = /^[\u00ad\u0600-\u0605\u06dd\u070f\u0890\u0891\u08e2\u{110bd}\u{110cd}]$/u;

/**
 * Returns `text` in the form every common terminal draws with the same width:
 * a zero-width-joiner emoji sequence becomes its first emoji (👩‍💻 → 👩,
 * 👨‍👩‍👧 → 👨), a joiner anywhere else is dropped, variation selectors VS15
 * and VS16 and skin-tone modifiers are dropped (❤️ → ❤, 👍🏽 → 👍, 1️⃣ → 1⃣),
 * and unassigned code points and lone surrogates become `�`. Everything
 * else, SGR sequences included, is kept.
 */
export function terminalText(text: string): string {
  if (!NEEDS_NORMALISING.test(text)) return text;
  let out = text;
  if (text.includes("\u200d")) {
    out = "";
    for (const { segment } of segmenter.segment(text)) {
      if (!segment.includes("\u200d")) out += segment;
      else if (PICTOGRAPHIC.test(segment)) out += String.fromCodePoint(segment.codePointAt(0)!);
      else out += segment.replaceAll("\u200d", "");
    }
  }
  return out.replace(DROPPED, "").replace(UNKNOWN, "\ufffd");
}

function codePointWidth(cp: number, char: string): number {
  if (cp < 0x7f) return cp < 0x20 ? 0 : 1;
  if (cp < 0xa0) return 0;
  if (cp < 0x300) return 1;
  if (ZERO_WIDTH.test(char) && !FORMAT_WITH_WIDTH.test(char)) return 0;
  return eastAsianWidth(cp);
}

/** Cells that `text` takes once normalised by {@link terminalText}, without SGR sequences. */
function cells(text: string): number {
  let width = 0;
  for (const char of text) width += codePointWidth(char.codePointAt(0)!, char);
  return width;
}

/**
 * Terminal cells that `text` takes when drawn (as {@link terminalText}):
 * SGR sequences take none, a grapheme cluster takes the sum of its code
 * points' widths.
 */
export function displayWidth(text: string): number {
  // Fast path for plain ASCII.
  if (/^[\x20-\x7e]*$/.test(text)) return text.length;
  return cells(terminalText(text.includes("\x1b") ? text.replace(SGR_ALL, "") : text));
}

/**
 * Cuts `text` to at most `width` cells, ending in `…` when cut, never inside
 * a grapheme cluster; keeps SGR sequences and closes them with a reset when
 * cut. The result is in {@link terminalText} form.
 */
export function truncate(text: string, width: number): string {
  if (width <= 0) return "";
  text = terminalText(text);
  if (displayWidth(text) <= width) return text;
  let out = "";
  let used = 0;
  let styled = false;
  let i = 0;
  while (i < text.length) {
    SGR.lastIndex = i;
    const m = SGR.exec(text);
    if (m) {
      out += m[0];
      styled = true;
      i += m[0].length;
      continue;
    }
    const next = text.indexOf("\x1b", i);
    const chunk = text.slice(i, next === -1 ? text.length : next);
    for (const { segment } of segmenter.segment(chunk)) {
      const w = cells(segment);
      if (used + w > width - 1) {
        return out + "…" + (styled ? "\x1b[0m" : "");
      }
      out += segment;
      used += w;
    }
    i += chunk.length;
    if (chunk.length === 0) {
      // A lone ESC that is not SGR: drop it (views only emit SGR).
      i++;
    }
  }
  return out;
}

/** Pads (or truncates) `text` to exactly `width` cells. */
export function fit(text: string, width: number): string {
  const cut = truncate(text, width);
  const w = displayWidth(cut);
  return w < width ? cut + " ".repeat(width - w) : cut;
}

/** Right-aligns `text` in `width` cells. */
export function fitRight(text: string, width: number): string {
  const cut = truncate(text, width);
  const w = displayWidth(cut);
  return w < width ? " ".repeat(width - w) + cut : cut;
}

/** Splits plain `text` into lines of at most `width` cells, at spaces where possible, never inside a cluster. */
export function wrap(text: string, width: number, maxLines = Infinity): string[] {
  if (width <= 0) return [];
  text = terminalText(text);
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    let w = word;
    while (displayWidth(w) > width) {
      if (line) {
        lines.push(line);
        line = "";
      }
      let head = "";
      for (const { segment } of segmenter.segment(w)) {
        if (displayWidth(head + segment) > width) break;
        head += segment;
      }
      if (!head) break;
      lines.push(head);
      w = w.slice(head.length);
    }
    const candidate = line ? `${line} ${w}` : w;
    if (displayWidth(candidate) <= width) line = candidate;
    else {
      lines.push(line);
      line = w;
    }
  }
  if (line) lines.push(line);
  if (lines.length > maxLines) {
    const kept = lines.slice(0, maxLines);
    kept[maxLines - 1] = truncate(kept[maxLines - 1] + " …", width);
    return kept;
  }
  return lines;
}
