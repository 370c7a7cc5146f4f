/**
 * Terminal colours as plain SGR sequences, switched off for `NO_COLOR`,
 * `--no-color` and non-terminals.
 *
 * @module
 */

import type { Health } from "../model/health.ts";

/** A function that wraps text in one style. */
export type Paint = (text: string) => string;

/** The styles the views use. */
export interface Style {
  enabled: boolean;
  bold: Paint;
  dim: Paint;
  red: Paint;
  green: Paint;
  yellow: Paint;
  blue: Paint;
  magenta: Paint;
  cyan: Paint;
  inverse: Paint;
  /** White on red, for banners. */
  alert: Paint;
}

const plain: Paint = (text) => text;

function sgr(open: string): Paint {
  return (text) => `\x1b[${open}m${text}\x1b[0m`;
}

/** Returns the styles, all identity functions when `enabled` is false. */
export function createStyle(enabled: boolean): Style {
  if (!enabled) {
    return {
      enabled,
      bold: plain,
      dim: plain,
      red: plain,
      green: plain,
      yellow: plain,
      blue: plain,
      magenta: plain,
      cyan: plain,
      inverse: plain,
      alert: plain,
    };
  }
  return {
    enabled,
    bold: sgr("1"),
    dim: sgr("2"),
    red: sgr("31"),
    green: sgr("32"),
    yellow: sgr("33"),
    blue: sgr("34"),
    magenta: sgr("35"),
    cyan: sgr("36"),
    inverse: sgr("7"),
    alert: sgr("1;97;41"),
  };
}

/** Paints `text` in the colour of `health`. */
export function paintHealth(style: Style, health: Health, text: string): string {
  switch (health) {
    case "ok":
      return style.green(text);
    case "warning":
      return style.yellow(text);
    case "error":
      return style.red(text);
    default:
      return style.dim(text);
  }
}

/** True when colour should be used: a terminal, no `NO_COLOR`, no `--no-color`. */
export function colorWanted(isTerminal: boolean, noColorFlag: boolean): boolean {
  return isTerminal && !noColorFlag && !Deno.noColor;
}
