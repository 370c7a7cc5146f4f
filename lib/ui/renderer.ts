/**
 * The live renderer: owns the terminal while a monitor runs. It enters the
 * alternate screen with a hidden cursor, writes each screen update as one
 * synchronized-output chunk that redraws only what changed (blocks of rows
 * that moved are shifted with a scroll region; in a changed row only the
 * changed spans of cells are written, see `_cells.ts`), and always gives
 * back the terminal as it found it. It is the last line of defence: whatever
 * a view hands over, it writes no escape or control sequence but its own
 * (the view's SGR colours, cursor moves, erase, scroll region, insert and
 * delete line, synchronized output, alternate screen, the bell).
 *
 * @module
 */

import { blankCells, type Cells, rowUpdate, toCells, utf8Length } from "./_cells.ts";
import { terminalSafe } from "./terminal_safe.ts";
import { displayWidth, terminalText, truncate } from "./text.ts";

/** Terminal size in cells. */
export interface TerminalSize {
  columns: number;
  rows: number;
}

/** Where screen updates go: a real terminal, or a byte sink in tests and benchmarks. */
export interface TerminalSink {
  /** Writes all of `text`. */
  write(text: string): void;
  /** The current size. */
  size(): TerminalSize;
}

/** Alternate screen, hidden cursor, home, clear. */
export const ENTER_SEQUENCE = "\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J";
/** Reset colours, show the cursor, leave the alternate screen. */
export const RESTORE_SEQUENCE = "\x1b[0m\x1b[?25h\x1b[?1049l";
/** Begin / end synchronized output (terminals that lack it ignore it). */
export const SYNC_BEGIN = "\x1b[?2026h";
/** See {@link SYNC_BEGIN}. */
export const SYNC_END = "\x1b[?2026l";

/**
 * Draws screens (arrays of lines) on a {@link TerminalSink}. Call
 * {@link LiveRenderer.start} once, {@link LiveRenderer.render} per screen update and
 * {@link LiveRenderer.stop} on every way out.
 */
export class LiveRenderer {
  #sink: TerminalSink;
  /** The view's lines on screen, as given. */
  #previous: string[] = [];
  /** The same lines as written (cleaned, cut), and their cells once a diff needed them. */
  #written: string[] = [];
  #cells: (Cells | undefined)[] = [];
  #size: TerminalSize | null = null;
  #active = false;
  /** Bytes (UTF-16 units) written by the last {@link render}. */
  lastFrameBytes = 0;
  /** Screen updates written. */
  frames = 0;

  constructor(sink: TerminalSink) {
    this.#sink = sink;
  }

  /** True between {@link start} and {@link stop}. */
  get active(): boolean {
    return this.#active;
  }

  /** Enters the alternate screen and hides the cursor. */
  start(): void {
    if (this.#active) return;
    this.#active = true;
    this.#forget();
    this.#sink.write(ENTER_SEQUENCE);
  }

  /** Forgets what is on screen, so the next screen update redraws everything (after a resize). */
  invalidate(): void {
    this.#forget();
    this.#size = null;
  }

  #forget(): void {
    this.#previous = [];
    this.#written = [];
    this.#cells = [];
  }

  /**
   * Draws `lines`: rows beyond the screen are dropped, lines wider than the
   * screen are cut, any sequence but SGR colours is removed, and only what
   * differs from the last screen is written: in a changed row, only the
   * changed spans of cells (see {@link rowUpdate}) when that is shorter than
   * the whole row. Returns the number of characters written (0 when nothing
   * changed).
   */
  render(lines: readonly string[]): number {
    if (!this.#active) return 0;
    const size = this.#sink.size();
    const columns = size.columns;
    let out = "";
    if (!this.#size || columns !== this.#size.columns || size.rows !== this.#size.rows) {
      this.#forget();
      this.#size = size;
      out += "\x1b[H\x1b[2J";
    }
    out += this.#scrollShift(lines, size.rows);
    for (let row = 0; row < size.rows; row++) {
      const given = lines[row] ?? "";
      if (given === this.#previous[row]) continue;
      let line = terminalText(terminalSafe(given));
      const width = displayWidth(line);
      if (width > columns) line = truncate(line, columns);
      const whole = `\x1b[${row + 1};1H${line}\x1b[0m${width < columns ? "\x1b[K" : ""}`;
      const before = this.#written[row];
      let update = whole;
      if (before !== undefined) {
        const old = this.#cells[row] ?? toCells(before, columns);
        const cells = toCells(line, columns);
        this.#cells[row] = cells;
        const spans = rowUpdate(row, old, cells, columns);
        if (utf8Length(spans) < utf8Length(whole)) update = spans;
      } else this.#cells[row] = undefined;
      this.#previous[row] = given;
      this.#written[row] = line;
      out += update;
    }
    this.#previous.length = size.rows;
    this.#written.length = size.rows;
    this.#cells.length = size.rows;
    if (out === "") {
      this.lastFrameBytes = 0;
      return 0;
    }
    const frame = SYNC_BEGIN + out + SYNC_END;
    this.#sink.write(frame);
    this.lastFrameBytes = frame.length;
    this.frames++;
    return frame.length;
  }

  /**
   * When blocks of lines moved up or down by a few rows (a newest-first list
   * got new entries, a worker moved in a sorted table), shifts each on the
   * terminal with a scroll region and Insert or Delete Line instead of
   * rewriting every row, and updates what is on screen to match. Returns the
   * sequences to write ("" when not worth it).
   */
  #scrollShift(lines: readonly string[], rows: number): string {
    if (this.#previous.length === 0) return "";
    let out = "";
    for (let n = 0; n < 4; n++) {
      const move = this.#largestMove(lines, rows);
      if (move.bottom - move.top + 1 < 4) break;
      out += this.#shift(move.by, move.top, move.bottom);
    }
    return out;
  }

  /**
   * The longest run of rows `top..bottom` whose new lines are the lines on
   * screen `by` rows above (below if negative), or nearly (a moved table row
   * whose age ticked).
   */
  #largestMove(lines: readonly string[], rows: number): { by: number; top: number; bottom: number } {
    const prev = this.#previous;
    let best = { by: 0, top: 0, bottom: -1 };
    for (const by of [1, 2, 3, 4, 5, 6, 7, 8, -1, -2, -3, -4, -5, -6, -7, -8]) {
      let runStart = -1;
      for (let i = 0; i <= rows; i++) {
        const from = i - by;
        const moved = i < rows && from >= 0 && from < rows && lines[i] !== undefined && lines[i] !== prev[i] &&
          closer(lines[i], prev[from], prev[i]);
        if (moved && runStart < 0) runStart = i;
        if (!moved && runStart >= 0) {
          if (i - runStart > best.bottom - best.top + 1) best = { by, top: runStart, bottom: i - 1 };
          runStart = -1;
        }
      }
    }
    return best;
  }

  /** Moves rows `top - by .. bottom - by` to `top..bottom` on the terminal and in what is on screen. */
  #shift(by: number, top: number, bottom: number): string {
    const blank = blankCells(this.#size!.columns);
    const [first, last] = by > 0 ? [top - by, bottom] : [top, bottom - by];
    for (const column of [this.#previous, this.#written, this.#cells] as unknown[][]) {
      const before = column.slice();
      for (let i = first; i <= last; i++) {
        const from = i - by;
        column[i] = from >= first && from <= last ? before[from] : column === this.#cells ? blank : "";
      }
    }
    const edit = by > 0 ? `${by}L` : `${-by}M`;
    return `\x1b[${first + 1};${last + 1}r\x1b[${first + 1}H\x1b[${edit}\x1b[r`;
  }

  /** Rings the terminal bell (between screen updates). */
  bell(): void {
    if (this.#active) this.#sink.write("\x07");
  }

  /** Restores the terminal (main screen, cursor, colours). Safe to call twice. */
  stop(): void {
    if (!this.#active) return;
    this.#active = false;
    this.#sink.write(RESTORE_SEQUENCE);
  }
}

/** Share of `a` that `b` has in common with it at its start and end (1 when equal). */
function likeness(a: string, b: string): number {
  if (a === b) return 1;
  const n = Math.min(a.length, b.length);
  let same = 0;
  while (same < n && a.charCodeAt(same) === b.charCodeAt(same)) same++;
  for (let k = 1; k <= n - same && a.charCodeAt(a.length - k) === b.charCodeAt(b.length - k); k++) same++;
  return same / Math.max(a.length, b.length);
}

/** Whether `line` is `moved` (or nearly: 80% in common) and more like it than like `staying`. */
function closer(line: string, moved: string, staying: string): boolean {
  if (line === moved) return true;
  const like = likeness(line, moved);
  return like >= 0.8 && like > likeness(line, staying);
}

/** A {@link TerminalSink} on Deno's stdout. */
export function stdoutSink(): TerminalSink {
  const encoder = new TextEncoder();
  return {
    write(text: string) {
      const bytes = encoder.encode(text);
      let written = 0;
      while (written < bytes.length) written += Deno.stdout.writeSync(bytes.subarray(written));
    },
    size() {
      try {
        const { columns, rows } = Deno.consoleSize();
        return { columns: Math.max(20, columns), rows: Math.max(5, rows) };
      } catch {
        return { columns: 80, rows: 24 };
      }
    },
  };
}
