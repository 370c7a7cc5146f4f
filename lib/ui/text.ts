// deno-lint-ignore-file no-control-regex
/**
 * Display-width aware text layout for the views: widths by terminal cells
 * (CJK and emoji count two), ANSI-aware truncation with an ellipsis and
 * padding. Width measurement comes from the `string-width` package.
 *
 * @module
 */

import stringWidth from "string-width";

const SGR = /\x1b\[[0-9;]*m/y;
const segmenter = new Intl.Segmenter();

/** Terminal cells that `text` takes (SGR sequences take none). */
export function displayWidth(text: string): number {
  // Fast path for plain ASCII.
  if (/^[\x20-\x7e]*$/.test(text)) return text.length;
  return stringWidth(text);
}

/**
 * Cuts `text` to at most `width` cells, ending in `…` when cut; keeps SGR
 * sequences and closes them with a reset when cut.
 */
export function truncate(text: string, width: number): string {
  if (width <= 0) return "";
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
      const w = stringWidth(segment);
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

/** Splits plain `text` into lines of at most `width` cells, at spaces where possible. */
export function wrap(text: string, width: number, maxLines = Infinity): string[] {
  if (width <= 0) return [];
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
