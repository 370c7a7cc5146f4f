// deno-lint-ignore-file no-control-regex
/**
 * Keyboard input: raw bytes to named keys, and the UI state reducer that
 * the keys drive (pause, filter, scroll, help, clear, quit). Pure.
 *
 * @module
 */

/** A key press. Printable characters are themselves; others are named. */
export type Key =
  | "up"
  | "down"
  | "pageup"
  | "pagedown"
  | "home"
  | "end"
  | "enter"
  | "escape"
  | "backspace"
  | "tab"
  | "ctrl-c"
  | "ctrl-z"
  | "ctrl-backslash"
  | string;

const SEQUENCES: [string, Key][] = [
  ["\x1b[A", "up"],
  ["\x1b[B", "down"],
  ["\x1b[5~", "pageup"],
  ["\x1b[6~", "pagedown"],
  ["\x1b[H", "home"],
  ["\x1b[F", "end"],
  ["\x1b[1~", "home"],
  ["\x1b[4~", "end"],
  ["\x1bOA", "up"],
  ["\x1bOB", "down"],
];

/** Splits what stdin delivered into key presses. Unknown sequences are dropped. */
export function parseKeys(input: string): Key[] {
  const keys: Key[] = [];
  let i = 0;
  outer: while (i < input.length) {
    const ch = input[i];
    if (ch === "\x1b") {
      for (const [seq, key] of SEQUENCES) {
        if (input.startsWith(seq, i)) {
          keys.push(key);
          i += seq.length;
          continue outer;
        }
      }
      const m = /^\x1b\[[0-9;]*[A-Za-z~]/.exec(input.slice(i));
      if (m) {
        i += m[0].length;
        continue;
      }
      keys.push("escape");
      i++;
      continue;
    }
    i++;
    if (ch === "\x03") keys.push("ctrl-c");
    else if (ch === "\x1a") keys.push("ctrl-z");
    else if (ch === "\x1c") keys.push("ctrl-backslash");
    else if (ch === "\r" || ch === "\n") keys.push("enter");
    else if (ch === "\x7f" || ch === "\b") keys.push("backspace");
    else if (ch === "\t") keys.push("tab");
    else if (ch >= " ") keys.push(ch);
  }
  return keys;
}

/** What the keys control. */
export interface UiState {
  paused: boolean;
  /** Messages received when the pause began. */
  pausedAtCount: number;
  /** History filter text ("" = none). */
  filter: string;
  /** True while the filter is being typed. */
  editingFilter: boolean;
  help: boolean;
  /** Rows scrolled in the event history. */
  scroll: number;
  /** Rows scrolled in the secondary list (workers table). */
  tableScroll: number;
  /** Which list the arrow keys scroll. */
  focus: "history" | "table";
}

/** A side effect the app must carry out: quit, empty the history, or stop the process (Ctrl+Z). */
export type UiEffect = "quit" | "clear" | "suspend" | null;

/** How far each list can scroll; absent: unbounded (the caller stops it at the view's end). */
export interface ScrollLimits {
  scroll?: number;
  tableScroll?: number;
}

/** The state before any key. */
export function initialUi(): UiState {
  return {
    paused: false,
    pausedAtCount: 0,
    filter: "",
    editingFilter: false,
    help: false,
    scroll: 0,
    tableScroll: 0,
    focus: "history",
  };
}

/**
 * Applies one key; `messages` is the count of messages received so far,
 * `page` the rows a page key moves, `limits` where scrolling stops.
 */
export function reduceUi(
  ui: UiState,
  key: Key,
  messages: number,
  page = 10,
  limits: ScrollLimits = {},
): [UiState, UiEffect] {
  // In raw mode the terminal sends these as bytes instead of signals: they act in every mode.
  if (key === "ctrl-c" || key === "ctrl-backslash") return [ui, "quit"];
  if (key === "ctrl-z") return [ui, "suspend"];
  if (ui.editingFilter) {
    if (key === "enter") return [{ ...ui, editingFilter: false }, null];
    if (key === "escape") return [{ ...ui, editingFilter: false, filter: "" }, null];
    if (key === "backspace") return [{ ...ui, filter: [...ui.filter].slice(0, -1).join("") }, null];
    if (key.length === 1 || [...key].length === 1) {
      return [{ ...ui, filter: (ui.filter + key).slice(0, 60), scroll: 0 }, null];
    }
    return [ui, null];
  }
  if (ui.help && key !== "q") return [{ ...ui, help: false }, null];
  const scrollKey = ui.focus === "history" ? "scroll" : "tableScroll";
  const max = limits[scrollKey] ?? Infinity;
  const move = (delta: number): [UiState, UiEffect] => [
    { ...ui, [scrollKey]: Math.max(0, Math.min(max, ui[scrollKey] + delta)) },
    null,
  ];
  switch (key) {
    case "q":
      return [ui, "quit"];
    case "p":
    case " ":
      return [{ ...ui, paused: !ui.paused, pausedAtCount: messages }, null];
    case "/":
      return [{ ...ui, editingFilter: true }, null];
    case "escape":
      return [{ ...ui, filter: "", scroll: 0, tableScroll: 0 }, null];
    case "c":
      return [{ ...ui, scroll: 0 }, "clear"];
    case "?":
    case "h":
      return [{ ...ui, help: true }, null];
    case "tab":
      return [{ ...ui, focus: ui.focus === "history" ? "table" : "history" }, null];
    case "up":
    case "k":
      return move(-1);
    case "down":
    case "j":
      return move(1);
    case "pageup":
      return move(-page);
    case "pagedown":
      return move(page);
    case "home":
      return [{ ...ui, [scrollKey]: 0 }, null];
    case "end":
      // Without known limits: far down; the terminal output stops it where the view stops moving.
      return [{ ...ui, [scrollKey]: Math.min(max, 1_000_000) }, null];
    default:
      return [ui, null];
  }
}

/** Lines of the help overlay. */
export const HELP_LINES = [
  "Keys",
  "",
  "  q, Ctrl+C      quit (the terminal is restored)",
  "  Ctrl+Z         suspend (fg resumes)",
  "  p, space       pause / resume the display (events are still received and counted)",
  "  /              filter the event history by text; Enter keeps it, Esc clears it",
  "  Esc            clear the filter and scrolling",
  "  c              clear the event history",
  "  ↑ ↓ PgUp PgDn  scroll the focused list (Home: top, End: bottom)",
  "  Tab            switch focus between the event history and the table",
  "  ?, h           this help (any key closes it)",
];
