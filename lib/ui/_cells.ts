// deno-lint-ignore-file no-control-regex
/**
 * The renderer's model of one screen row as terminal cells, and the shortest
 * bytes that turn one row into another: only the changed spans are written,
 * each starting and ending on grapheme-cluster boundaries of both rows and
 * opening with the SGR state its first cell needs.
 *
 * A cell's style is the view's own SGR sequences since the last reset, in
 * order: replayed after a reset they give back the exact state without
 * interpreting them, so a span writes no sequence the view did not write
 * (plus cursor moves, the reset and erase-to-end-of-line).
 *
 * @module
 */

import { displayWidth } from "./text.ts";

/** A row as cells: `text[c]` is what cell `c` shows ("" for the right part of a wide cluster), `style[c]` its SGR state. */
export interface Cells {
  text: string[];
  style: string[];
  /** Index after the last cell that is not a default-style space: the rest is erased. */
  end: number;
}

const SGR_SPLIT = /(\x1b\[[0-9;]*m)/;
const PLAIN = /^[\x20-\x7e]*$/;
/** Text in which every UTF-16 unit is a grapheme cluster of its own (no surrogates, combining or joining marks). */
const SINGLE_UNITS = /^[\x20-\x7e\u00a0-\u02ff\u2010-\u205f\u2070-\u20cf\u2100-\u2bff]*$/;
const RESET = "\x1b[0m";
const segmenter = new Intl.Segmenter();
const widths = new Map<string, number>();

function widthOf(cluster: string): number {
  let w = widths.get(cluster);
  if (w === undefined) {
    w = displayWidth(cluster);
    if (widths.size < 4096) widths.set(cluster, w);
  }
  return w;
}

/** A row of `columns` erased cells. */
export function blankCells(columns: number): Cells {
  return { text: new Array(columns).fill(" "), style: new Array(columns).fill(""), end: 0 };
}

/**
 * Splits a terminal-safe line (SGR sequences only, in {@link terminalText}
 * form, at most `columns` cells wide) into `columns` cells; cells past the
 * line are erased ones.
 */
export function toCells(line: string, columns: number): Cells {
  const cells = blankCells(columns);
  const { text, style } = cells;
  let col = 0;
  let current = "";
  let pending = "";
  const put = (cluster: string, w: number) => {
    if (w === 0) {
      if (col === 0) pending += cluster;
      else {
        let k = col - 1;
        while (k > 0 && text[k] === "") k--;
        text[k] += cluster;
      }
      return;
    }
    if (col + w > columns) {
      col = columns;
      return;
    }
    text[col] = pending + cluster;
    style[col] = current;
    pending = "";
    for (let k = 1; k < w; k++) {
      text[col + k] = "";
      style[col + k] = current;
    }
    col += w;
  };
  const pieces = line.includes("\x1b") ? line.split(SGR_SPLIT) : [line];
  for (let i = 0; i < pieces.length && col < columns; i++) {
    const piece = pieces[i];
    if (i % 2 === 1) {
      current = piece === RESET || piece === "\x1b[m" ? "" : current + piece;
      continue;
    }
    if (PLAIN.test(piece)) {
      for (let k = 0; k < piece.length && col < columns; k++) put(piece[k], 1);
    } else if (SINGLE_UNITS.test(piece)) {
      for (let k = 0; k < piece.length && col < columns; k++) put(piece[k], widthOf(piece[k]));
    } else {
      for (const { segment } of segmenter.segment(piece)) {
        if (col >= columns) break;
        put(segment, widthOf(segment));
      }
    }
  }
  let end = col;
  while (end > 0 && text[end - 1] === " " && style[end - 1] === "") end--;
  cells.end = end;
  return cells;
}

/** Bytes `text` takes in UTF-8. */
export function utf8Length(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) n += c >= 0x800 && (c < 0xd800 || c > 0xdfff) ? 2 : 1;
  }
  return n;
}

/**
 * Whether cluster `b` written right after cluster `a` would join it into one
 * (regional indicators, Hangul jamo, a conjunct): the view kept them apart
 * with an SGR sequence, which the span must keep too.
 */
function joins(a: string, b: string): boolean {
  if (a === "" || b.charCodeAt(0) < 0x300) return false;
  for (const { segment } of segmenter.segment(a + b)) return segment.length > a.length;
  return false;
}

/** The text of the cluster that ends just before cell `c` ("" at the start of the row). */
function clusterBefore(cells: Cells, c: number): string {
  let p = c - 1;
  while (p > 0 && cells.text[p] === "") p--;
  return p >= 0 ? cells.text[p] : "";
}

/** Writes cells `from`..`to` (exclusive) of `cells`, starting and ending in the default SGR state. */
function paint(cells: Cells, from: number, to: number): string {
  let out = "";
  let current = "";
  let last = "";
  for (let c = from; c < to; c++) {
    const t = cells.text[c];
    if (t === "") continue;
    const s = cells.style[c];
    if (s !== current) {
      if (current !== "" && s.startsWith(current)) out += s.slice(current.length);
      else out += (current === "" ? "" : RESET) + s;
      current = s;
    } else if (joins(last, t)) out += current === "" ? RESET : current; // a no-op sequence between them
    out += t;
    last = t;
  }
  return current === "" ? out : out + RESET;
}

/**
 * The bytes that turn row `row` (0-based) of the screen from `old` into
 * `next` (both `columns` wide): a cursor move and the changed cells for each
 * changed span, spans close together joined when that is shorter, and an
 * erase to the end of the line when the tail became blank. Starts and ends in
 * the default SGR state; "" when nothing changed.
 */
export function rowUpdate(row: number, old: Cells, next: Cells, columns: number): string {
  const spans: [number, number][] = [];
  // A span never starts inside a wide cluster (the cell before it would be the same cluster in both rows, so
  // equal), but it may end before the right part of one that changed ("" in both rows): it takes that part in.
  for (let c = 0; c < columns; c++) {
    if (old.text[c] === next.text[c] && old.style[c] === next.style[c]) continue;
    // Written after the cell before it (not rewritten), the first cluster must not join it.
    let from = c;
    while (from > 0 && joins(clusterBefore(next, from), next.text[from])) {
      from--;
      while (from > 0 && next.text[from] === "") from--;
    }
    let to = c + 1;
    while (
      to < columns && (old.text[to] !== next.text[to] || old.style[to] !== next.style[to] || next.text[to] === "")
    ) to++;
    const last = spans.at(-1);
    if (last && from <= last[1]) last[1] = to;
    else spans.push([from, to]);
    c = to;
  }
  if (spans.length === 0) return "";
  // Join a span with the next when writing the cells between costs less than moving the cursor over them.
  const joined: [number, number][] = [spans[0]];
  for (let i = 1; i < spans.length; i++) {
    const prev = joined[joined.length - 1];
    const [from, to] = spans[i];
    const apart = utf8Length(paint(next, prev[0], prev[1])) + `\x1b[${from - prev[1]}C`.length +
      utf8Length(paint(next, from, to));
    if (utf8Length(paint(next, prev[0], to)) <= apart) prev[1] = to;
    else joined.push([from, to]);
  }
  let out = "";
  let at = -1;
  for (const [from, to] of joined) {
    out += at >= 0 ? `\x1b[${from - at}C` : from === 0 ? `\x1b[${row + 1}H` : `\x1b[${row + 1};${from + 1}H`;
    if (to > next.end && next.end < columns) {
      out += paint(next, from, Math.max(from, next.end)) + "\x1b[K";
      break;
    }
    out += paint(next, from, to);
    at = to;
  }
  return out;
}
