/**
 * Pieces every view uses: the connection indicator, header and footer
 * lines, section titles and the event history list. Pure.
 *
 * @module
 */

import type { ConnectionStatus } from "../transport/connection.ts";
import type { HistoryEntry } from "../model/history.ts";
import type { Severity } from "../protocol/severity.ts";
import type { Style } from "./style.ts";
import { displayWidth, fit, truncate, wrap } from "./text.ts";
import { formatClock, formatElapsed } from "../protocol/timestamp.ts";
import { eventLabel, LABEL_WIDTH, paintDetails } from "./event_labels.ts";

/** Connection facts a view shows. */
export interface SourceView {
  name: string;
  status: ConnectionStatus;
  messages: number;
  malformed: number;
  reconnects: number;
}

/**
 * `● connected`, `◌ reconnecting in 3s (attempt 2)`, `✗ auth failed`… coloured.
 * A connection on which the server refused a subscription is not shown as
 * plainly connected: `⚠ refused pool:x (FORBIDDEN)`, in yellow.
 */
export function connectionBadge(status: ConnectionStatus, now: number, style: Style): string {
  switch (status.state) {
    case "connected": {
      const refused = status.refused ?? [];
      if (refused.length === 0) return style.green("● connected");
      const first = `refused ${refused[0].channel} (${refused[0].code})`;
      return style.yellow(`⚠ ${first}${refused.length > 1 ? ` +${refused.length - 1}` : ""}`);
    }
    case "connecting":
      return style.yellow(status.attempt > 0 ? `◌ connecting (attempt ${status.attempt + 1})` : "◌ connecting");
    case "reconnecting": {
      const left = status.retryAt !== null ? Math.max(0, Math.ceil((status.retryAt - now) / 1000)) : 0;
      return style.yellow(`◌ reconnecting in ${left}s (attempt ${status.attempt})`);
    }
    case "auth_failed":
      return style.red("✗ auth failed");
    case "config_error":
      return style.red("✗ configuration error");
    case "closed":
      return style.dim("■ closed");
  }
}

/**
 * `left` and `right` on one line of `width` cells, `right` flush right.
 * When both do not fit, `left` is cut first (`right` holds the status).
 */
export function spread(left: string, right: string, width: number): string {
  const lw = displayWidth(left);
  const rw = displayWidth(right);
  if (lw + 1 + rw <= width) return left + " ".repeat(width - lw - rw) + right;
  if (rw + 12 > width) return fit(right, width);
  return fit(left, width - rw - 1) + " " + right;
}

/** A section title followed by a rule to the right edge. */
export function sectionTitle(text: string, width: number, style: Style): string {
  const label = ` ${text} `;
  const rest = Math.max(0, width - displayWidth(label) - 1);
  return style.bold(truncate("─" + label, width)) + style.dim("─".repeat(rest));
}

/** Paints `text` by severity. */
export function paintSeverity(style: Style, severity: Severity, text: string): string {
  return severity === "error" ? style.red(text) : severity === "warning" ? style.yellow(text) : style.cyan(text);
}

/** Entries that `accept` keeps and that match `filter` (case-insensitive, event name or text). */
export function filterHistory(
  entries: HistoryEntry[],
  filter: string,
  accept?: (e: HistoryEntry) => boolean,
): HistoryEntry[] {
  const kept = accept ? entries.filter(accept) : entries;
  if (!filter) return kept;
  const needle = filter.toLowerCase();
  return kept.filter((e) => e.event.toLowerCase().includes(needle) || e.text.toLowerCase().includes(needle));
}

/** Options for {@link historyLines}. */
export interface HistoryLinesOptions {
  /** Rows scrolled from the newest. Default 0. */
  scroll?: number;
  /** Width of the label column; at least (and by default) {@link LABEL_WIDTH}. */
  eventWidth?: number;
  /** Lines an entry may take: details that do not fit wrap onto this many lines. Default 1 (cut). */
  linesPerEntry?: number;
}

/**
 * Newest-first history rows: `HH:MM:SS label details`, fitted to `rows` ×
 * `width`. The label is the event's short label (`event_labels.ts`), so the
 * details get the width; an error's details are red.
 */
export function historyLines(
  entries: HistoryEntry[],
  width: number,
  rows: number,
  style: Style,
  options: HistoryLinesOptions = {},
): string[] {
  if (rows <= 0) return [];
  const labelWidth = Math.max(LABEL_WIDTH, options.eventWidth ?? LABEL_WIDTH);
  const maxScroll = Math.max(0, entries.length - rows);
  const scroll = Math.min(options.scroll ?? 0, maxScroll);
  const lines: string[] = [];
  const rest = Math.max(0, width - 10 - labelWidth);
  const perEntry = Math.max(1, options.linesPerEntry ?? 1);
  for (const e of entries.slice(scroll, scroll + rows)) {
    if (lines.length >= rows) break;
    const { label, paint, prefix } = eventLabel(e.event);
    const painted = e.severity === "error" ? style.red : e.severity === "warning" ? style.yellow : paint(style);
    const head = `${style.dim(formatClock(e.at))} ${painted(fit(label, labelWidth))} `;
    const full = prefix ? `${prefix} ${e.text}` : e.text;
    const parts = perEntry > 1 && displayWidth(full) > rest
      ? wrap(full, rest, Math.min(perEntry, rows - lines.length))
      : [];
    if (parts.length < 2) {
      lines.push(head + paintDetails(style, e, truncate(full, rest)));
      continue;
    }
    lines.push(head + paintDetails(style, e, parts[0]));
    const indent = " ".repeat(width - rest);
    for (const part of parts.slice(1)) lines.push(indent + (e.severity === "error" ? style.red(part) : part));
  }
  if (entries.length === 0) lines.push(style.dim("  (no events yet)"));
  if (scroll > 0 && lines.length > 0) lines[0] = style.dim(`  ↑ ${scroll} newer`);
  return lines;
}

/** `up 3m05s` since `startedAt`. */
export function uptime(startedAt: number, now: number): string {
  return `up ${formatElapsed(startedAt, now)}`;
}

/** The reason line under the header when a connection is not up. */
export function connectionProblem(source: SourceView, style: Style): string | null {
  const s = source.status;
  if (s.state === "connected" || !s.reason) return null;
  const paint = s.state === "auth_failed" ? style.red : style.yellow;
  return paint(`${source.name}: ${s.reason}`);
}

/** Everything a view gets besides its own state. */
export interface ViewContext {
  /** The clock (ms). */
  now: number;
  columns: number;
  rows: number;
  style: Style;
  /** One per connection. */
  sources: SourceView[];
  /** History text filter (the `/` key). */
  filter: string;
  /** Command-line event filter (`--events`, `--severity`); default keeps all. */
  accept?: (e: HistoryEntry) => boolean;
  scroll: number;
  tableScroll: number;
  /** When the monitor started (ms). */
  startedAt: number;
}

/** Footer: key help left, `right` flush right. */
export function footer(right: string, width: number, style: Style): string {
  return spread(style.dim("q quit  p pause  / filter  c clear  ? help"), right, width);
}
