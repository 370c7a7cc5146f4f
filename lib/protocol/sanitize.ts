// deno-lint-ignore-file no-control-regex
/**
 * Makes server-sent text safe to print on a terminal.
 *
 * Everything that comes from the network (worker ids, stage names, error
 * text) passes through {@link sanitizeText} before it reaches the screen, so
 * that a hostile or broken server cannot move the cursor, change the window
 * title, ring the bell, hide lines or reorder text.
 *
 * @module
 */

const ESCAPE_SEQUENCES =
  /\x1b\][\s\S]*?(?:\x07|\x1b\\|$)|\x1b[PX^_][\s\S]*?(?:\x1b\\|$)|\x1b\[[0-?]*[ -/]*[@-~]?|\x1b[ -/]*[0-~]?|\x9b[0-?]*[ -/]*[@-~]?|[\x90\x98\x9d\x9e\x9f][\s\S]*?(?:\x9c|$)/g;
const LINE_BREAKS = /\r\n|[\r\n\v\f\u2028\u2029\u0085]/g;
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;
/** Bidi overrides/isolates and zero-width characters that hide or reorder text. */
const INVISIBLES = /[\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u061c]/g;
/** A zero-width joiner that does not join two emoji (👩‍💻 keeps its joiner; the views decide how to draw it). */
const STRAY_JOINER =
  /(?<!\p{Extended_Pictographic}[\ufe0f\u{1f3fb}-\u{1f3ff}]?)\u200d|\u200d(?!\p{Extended_Pictographic})/gu;
const segmenter = new Intl.Segmenter();
/** Any character {@link sanitizeText} removes or replaces. */
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060-\u2069\ufeff\u061c]/;

/** True when {@link sanitizeText} would leave `text` as it is (before any length limit). */
export function isPlainText(text: string): boolean {
  return !UNSAFE.test(text);
}

/** Options for {@link sanitizeText}. */
export interface SanitizeOptions {
  /** Cut the result to this many UTF-16 code units, adding "…". Default: no limit. */
  maxLength?: number;
}

/**
 * Returns `value` as a single line of printable text: escape sequences
 * (CSI, OSC, DCS, …) are removed, line breaks and tabs become spaces, other
 * control characters become `�`, and bidi overrides and zero-width
 * characters are dropped (a zero-width joiner only where it does not join
 * two emoji). Non-strings are shown with `String()`.
 */
export function sanitizeText(value: unknown, options: SanitizeOptions = {}): string {
  let text = typeof value === "string" ? value : value === undefined ? "" : String(value);
  if (!isPlainText(text)) {
    text = text
      .replace(ESCAPE_SEQUENCES, "")
      .replace(LINE_BREAKS, " ")
      .replace(/\t/g, " ")
      .replace(CONTROLS, "\ufffd")
      .replace(INVISIBLES, "")
      .replace(STRAY_JOINER, "");
  }
  const max = options.maxLength;
  if (max !== undefined && text.length > max) text = cut(text, Math.max(0, max - 1)) + "…";
  return text;
}

/** The longest prefix of `text` of at most `length` code units that ends between two grapheme clusters. */
function cut(text: string, length: number): string {
  let end = 0;
  for (const { index, segment } of segmenter.segment(text)) {
    if (index + segment.length > length) break;
    end = index + segment.length;
  }
  return text.slice(0, end);
}
