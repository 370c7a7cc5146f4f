// deno-lint-ignore-file no-control-regex
/**
 * Test helper: a small terminal emulator for what the renderer writes, so
 * that tests and benchmarks can read the screen a stream of bytes leaves
 * instead of the bytes themselves. It follows xterm where terminals differ:
 * an erase in the last column after a full row erases that column, a wide
 * cluster that does not fit wraps, overwriting half of a wide cluster blanks
 * the other half, erased cells take the current background. Widths are
 * {@link displayWidth}'s (what tmux, xterm and VTE draw; see `text.ts`).
 *
 * Understood: printable text (grapheme clusters), CR, LF, BS, CUP (`H`, `f`),
 * CUU/CUD/CUF/CUB, CHA (`G`), VPA (`d`), ED (`J`), EL (`K`), IL/DL (`L`, `M`),
 * DECSTBM (`r`), SGR (`m`), DECSET/DECRST 1049 (alternate screen, cleared);
 * other private modes (cursor, synchronized output) change nothing drawn.
 * Anything else is recorded in {@link Screen.unknown}.
 *
 * @module
 */

import { displayWidth } from "./text.ts";

/** One cell: its text ("" for the right half of a wide cluster) and its attributes (a canonical string). */
export interface ScreenCell {
  ch: string;
  attrs: string;
}

interface Attrs {
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
  blink: boolean;
  inverse: boolean;
  hidden: boolean;
  strike: boolean;
  fg: string;
  bg: string;
}

const plainAttrs = (): Attrs => ({
  bold: false,
  dim: false,
  italic: false,
  underline: false,
  blink: false,
  inverse: false,
  hidden: false,
  strike: false,
  fg: "",
  bg: "",
});

function key(a: Attrs): string {
  const flags = (["bold", "dim", "italic", "underline", "blink", "inverse", "hidden", "strike"] as const)
    .filter((f) => a[f]).join(",");
  return flags === "" && a.fg === "" && a.bg === "" ? "" : `${flags}|${a.fg}|${a.bg}`;
}

const segmenter = new Intl.Segmenter();
const PLAIN = /^[\x20-\x7e]*$/;
const INCOMPLETE = /^\x1b(?:\[[?]?[0-9;]*|\][^\x07\x1b]*|[()])?$/;
const SEQUENCE =
  /\x1b\[([?]?)([0-9;]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78]|[\x00-\x1f]/y;

/** A terminal screen of a fixed size, fed with {@link Screen.write}. */
export class Screen {
  readonly columns: number;
  readonly rows: number;
  /** Sequences the model does not understand, in order. */
  readonly unknown: string[] = [];
  #cells: ScreenCell[][];
  #row = 0;
  #col = 0;
  #wrapNext = false;
  #top = 0;
  #bottom: number;
  #attrs = plainAttrs();
  #cut = "";

  constructor(columns: number, rows: number) {
    this.columns = columns;
    this.rows = rows;
    this.#bottom = rows - 1;
    this.#cells = Array.from({ length: rows }, () => this.#blankRow(""));
  }

  #blankRow(attrs: string): ScreenCell[] {
    return Array.from({ length: this.columns }, () => ({ ch: " ", attrs }));
  }

  /** The background-only attributes erased cells take. */
  #eraseAttrs(): string {
    return key({ ...plainAttrs(), bg: this.#attrs.bg });
  }

  /** Feeds terminal output (an escape sequence cut at the end waits for the rest). */
  write(text: string): void {
    text = this.#cut + text;
    this.#cut = "";
    const esc = text.lastIndexOf("\x1b");
    if (esc >= 0 && INCOMPLETE.test(text.slice(esc))) {
      this.#cut = text.slice(esc);
      text = text.slice(0, esc);
    }
    let i = 0;
    while (i < text.length) {
      SEQUENCE.lastIndex = i;
      const m = SEQUENCE.exec(text);
      if (m) {
        this.#control(m[0], m[1], m[2], m[3]);
        i += m[0].length;
        continue;
      }
      let next = i;
      while (next < text.length && text.charCodeAt(next) >= 0x20 && text[next] !== "\x1b") next++;
      const run = text.slice(i, next);
      if (PLAIN.test(run)) { for (const ch of run) this.#print(ch); }
      else for (const { segment } of segmenter.segment(run)) this.#print(segment);
      i = next;
    }
  }

  #print(cluster: string): void {
    const w = displayWidth(cluster);
    if (w === 0) {
      // Joins the cell before the cursor.
      const col = this.#wrapNext ? this.#col : this.#col - 1;
      let c = Math.max(0, col);
      while (c > 0 && this.#cells[this.#row][c].ch === "") c--;
      this.#cells[this.#row][c].ch += cluster;
      return;
    }
    if (this.#wrapNext || this.#col + w > this.columns) {
      this.#col = 0;
      this.#lineFeed();
    }
    this.#wrapNext = false;
    const line = this.#cells[this.#row];
    this.#clearWide(line, this.#col);
    this.#clearWide(line, this.#col + w - 1);
    const attrs = key(this.#attrs);
    line[this.#col] = { ch: cluster, attrs };
    for (let k = 1; k < w; k++) line[this.#col + k] = { ch: "", attrs };
    this.#col += w;
    if (this.#col >= this.columns) {
      this.#col = this.columns - 1;
      this.#wrapNext = true;
    }
  }

  /** Blanks the rest of a wide cluster that cell `c` is part of. */
  #clearWide(line: ScreenCell[], c: number): void {
    if (line[c].ch === "") {
      let s = c;
      while (s > 0 && line[s].ch === "") s--;
      line[s] = { ch: " ", attrs: line[s].attrs };
      for (let k = s + 1; k < this.columns && line[k].ch === ""; k++) line[k] = { ch: " ", attrs: line[k].attrs };
    } else if (c + 1 < this.columns && line[c + 1].ch === "") {
      for (let k = c + 1; k < this.columns && line[k].ch === ""; k++) line[k] = { ch: " ", attrs: line[k].attrs };
    }
  }

  #lineFeed(): void {
    if (this.#row === this.#bottom) this.#scrollUp();
    else if (this.#row < this.rows - 1) this.#row++;
  }

  #scrollUp(): void {
    this.#cells.splice(this.#top, 1);
    this.#cells.splice(this.#bottom, 0, this.#blankRow(this.#eraseAttrs()));
  }

  #control(seq: string, priv: string | undefined, params: string | undefined, final: string | undefined): void {
    if (seq === "\r") {
      this.#col = 0;
      this.#wrapNext = false;
      return;
    }
    if (seq === "\n") {
      this.#lineFeed();
      this.#wrapNext = false;
      return;
    }
    if (seq === "\b") {
      this.#col = Math.max(0, this.#col - 1);
      this.#wrapNext = false;
      return;
    }
    if (seq === "\x07") return;
    if (final === undefined) {
      this.unknown.push(seq);
      return;
    }
    const nums = (params ?? "").split(";").map((p) => p === "" ? 0 : Number(p));
    const n = (i: number, d = 1) => nums[i] || d;
    if (priv === "?") {
      if ((final === "h" || final === "l") && nums.includes(1049)) this.#reset();
      else if (!(final === "h" || final === "l") || nums.some((p) => p !== 25 && p !== 2026)) this.unknown.push(seq);
      return;
    }
    const clampRow = (r: number) => Math.min(this.rows - 1, Math.max(0, r));
    const clampCol = (c: number) => Math.min(this.columns - 1, Math.max(0, c));
    if (final !== "m") this.#wrapNext = false;
    switch (final) {
      case "H":
      case "f":
        this.#row = clampRow(n(0) - 1);
        this.#col = clampCol(n(1) - 1);
        return;
      case "A":
        this.#row = Math.max(this.#row >= this.#top ? this.#top : 0, this.#row - n(0));
        return;
      case "B":
        this.#row = Math.min(this.#row <= this.#bottom ? this.#bottom : this.rows - 1, this.#row + n(0));
        return;
      case "C":
        this.#col = clampCol(this.#col + n(0));
        return;
      case "D":
        this.#col = clampCol(this.#col - n(0));
        return;
      case "G":
        this.#col = clampCol(n(0) - 1);
        return;
      case "d":
        this.#row = clampRow(n(0) - 1);
        return;
      case "J":
        return this.#eraseDisplay(nums[0]);
      case "K":
        return this.#eraseLine(nums[0]);
      case "L":
      case "M":
        return this.#insertDelete(final === "L", n(0));
      case "r": {
        const top = n(0) - 1;
        const bottom = (nums[1] || this.rows) - 1;
        if (top < bottom && bottom < this.rows) {
          this.#top = top;
          this.#bottom = bottom;
        }
        this.#row = 0;
        this.#col = 0;
        return;
      }
      case "m":
        return this.#sgr(nums);
      default:
        this.unknown.push(seq);
    }
  }

  #reset(): void {
    this.#cells = Array.from({ length: this.rows }, () => this.#blankRow(""));
    this.#row = this.#col = 0;
    this.#top = 0;
    this.#bottom = this.rows - 1;
    this.#wrapNext = false;
  }

  #eraseLine(mode: number, row = this.#row): void {
    const line = this.#cells[row];
    const [from, to] = mode === 1 ? [0, this.#col + 1] : mode === 2 ? [0, this.columns] : [this.#col, this.columns];
    if (from > 0) this.#clearWide(line, from);
    if (to < this.columns) this.#clearWide(line, to - 1);
    const attrs = this.#eraseAttrs();
    for (let c = from; c < to; c++) line[c] = { ch: " ", attrs };
  }

  #eraseDisplay(mode: number): void {
    const attrs = this.#eraseAttrs();
    if (mode === 2 || mode === 3) {
      this.#cells = Array.from({ length: this.rows }, () => this.#blankRow(attrs));
      return;
    }
    this.#eraseLine(mode === 1 ? 1 : 0);
    const rows = mode === 1 ? [0, this.#row] : [this.#row + 1, this.rows];
    for (let r = rows[0]; r < rows[1]; r++) this.#cells[r] = this.#blankRow(attrs);
  }

  #insertDelete(insert: boolean, count: number): void {
    if (this.#row < this.#top || this.#row > this.#bottom) return;
    const k = Math.min(count, this.#bottom - this.#row + 1);
    for (let i = 0; i < k; i++) {
      if (insert) {
        this.#cells.splice(this.#bottom, 1);
        this.#cells.splice(this.#row, 0, this.#blankRow(this.#eraseAttrs()));
      } else {
        this.#cells.splice(this.#row, 1);
        this.#cells.splice(this.#bottom, 0, this.#blankRow(this.#eraseAttrs()));
      }
    }
    this.#col = 0;
  }

  #sgr(nums: number[]): void {
    const a = this.#attrs;
    for (let i = 0; i < nums.length; i++) {
      const p = nums[i];
      if (p === 0) this.#attrs = plainAttrs();
      else if (p === 1) a.bold = true;
      else if (p === 2) a.dim = true;
      else if (p === 3) a.italic = true;
      else if (p === 4) a.underline = true;
      else if (p === 5) a.blink = true;
      else if (p === 7) a.inverse = true;
      else if (p === 8) a.hidden = true;
      else if (p === 9) a.strike = true;
      else if (p === 22) a.bold = a.dim = false;
      else if (p === 23) a.italic = false;
      else if (p === 24) a.underline = false;
      else if (p === 25) a.blink = false;
      else if (p === 27) a.inverse = false;
      else if (p === 28) a.hidden = false;
      else if (p === 29) a.strike = false;
      else if ((p >= 30 && p <= 37) || (p >= 90 && p <= 97)) a.fg = String(p);
      else if (p === 39) a.fg = "";
      else if ((p >= 40 && p <= 47) || (p >= 100 && p <= 107)) a.bg = String(p);
      else if (p === 49) a.bg = "";
      else if (p === 38 || p === 48) {
        const colour = nums[i + 1] === 5 ? nums.slice(i + 1, i + 3) : nums.slice(i + 1, i + 5);
        i += colour.length;
        if (p === 38) a.fg = colour.join(":");
        else a.bg = colour.join(":");
      } else this.unknown.push(`SGR ${p}`);
      if (p === 0) return this.#sgr(nums.slice(i + 1));
    }
  }

  /** The cells of row `row` (0-based). */
  cells(row: number): readonly ScreenCell[] {
    return this.#cells[row];
  }

  /** The text of every row, trailing spaces kept, wide clusters once. */
  lines(): string[] {
    return this.#cells.map((line) => line.map((c) => c.ch).join(""));
  }

  /** The screen as one string: each row's text, then `|` and each run of attributes (for comparing screens). */
  dump(): string {
    return this.#cells.map((line, r) => {
      const runs: string[] = [];
      let at = 0;
      for (let c = 1; c <= line.length; c++) {
        if (c === line.length || line[c].attrs !== line[at].attrs) {
          if (line[at].attrs !== "") runs.push(`${at}-${c - 1}:${line[at].attrs}`);
          at = c;
        }
      }
      return `${String(r + 1).padStart(2)} ${line.map((c) => c.ch).join("")}|${runs.join(" ")}`;
    }).join("\n");
  }
}
