// deno-lint-ignore-file no-control-regex
/**
 * The renderer's last line of defence: whatever a view hands over, only SGR
 * colour sequences survive; every other escape sequence (CSI, OSC titles and
 * hyperlinks, DCS, 8-bit C1), control character and bidi or zero-width
 * character is removed or replaced, as server text is at the decode boundary.
 *
 * @module
 */

import { sanitizeText } from "../protocol/sanitize.ts";

/** SGR (colours, bold, reset): the only sequence a view may contain. */
const SGR = /(\x1b\[[0-9;]*m)/;
const SGR_ALL = /\x1b\[[0-9;]*m/g;
/** Anything that could drive a terminal or reorder text. */
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060-\u2069\ufeff\u061c]/;

/**
 * Returns `line` with its SGR sequences kept and everything between them
 * cleaned by {@link sanitizeText}: the result holds no escape or control
 * sequence but SGR. Lines that are already safe come back unchanged (fast).
 */
export function terminalSafe(line: string): string {
  if (!UNSAFE.test(line)) return line;
  if (!UNSAFE.test(line.replace(SGR_ALL, ""))) return line;
  // Split on SGR: odd pieces are SGR sequences, even pieces text that must hold no ESC or control.
  return line.split(SGR).map((piece, i) => i % 2 === 1 ? piece : sanitizeText(piece)).join("");
}
