/**
 * The pool monitor's view: `(state, context) -> lines`. Pure: the clock and
 * the terminal size come in through the context.
 *
 * @module
 */

import Table from "cli-table3";
import { poolHealth, type PoolState, workerCounts, type WorkerInfo } from "../model/pool_state.ts";
import { paintHealth, type Style } from "./style.ts";
import { displayWidth, fit, truncate } from "./text.ts";
import { formatElapsed } from "../protocol/timestamp.ts";
import {
  connectionBadge,
  connectionProblem,
  filterHistory,
  footer,
  historyLines,
  sectionTitle,
  spread,
  uptime,
  type ViewContext,
} from "./view_parts.ts";

const collator = new Intl.Collator(undefined, { numeric: true });

/** Workers in display order: errors first (they need attention), then by id. */
export function sortWorkers(workers: Iterable<WorkerInfo>): WorkerInfo[] {
  return [...workers].sort((a, b) => {
    const ea = a.status === "error" ? 0 : 1;
    const eb = b.status === "error" ? 0 : 1;
    return ea - eb || collator.compare(a.id, b.id);
  });
}

/** Colours a worker status. */
export function paintWorkerStatus(style: Style, status: string, text = status): string {
  switch (status) {
    case "idle":
      return style.green(text);
    case "busy":
      return style.cyan(text);
    case "error":
      return style.red(text);
    case "offline":
      return style.dim(text);
    default:
      return style.yellow(text);
  }
}

/** Colours the pool's status word by the status: running green, scaling/draining yellow, closed/error red, unknown dim. */
export function paintPoolStatus(
  style: Style,
  state: Pick<PoolState, "status" | "closed">,
  text = state.status,
): string {
  const status = state.status.toLowerCase();
  if (state.closed || /error|fail|crash|closed|dead|down|not.?found/.test(status)) return style.red(text);
  if (/scal|degrad|drain|stop|start|pend|paus/.test(status)) return style.yellow(text);
  if (/^(running|active|ready|healthy|ok|up)$/.test(status)) return style.green(text);
  if (status === "unknown") return style.dim(text);
  return text;
}

const BORDERLESS = {
  top: "",
  "top-mid": "",
  "top-left": "",
  "top-right": "",
  bottom: "",
  "bottom-mid": "",
  "bottom-left": "",
  "bottom-right": "",
  left: "",
  "left-mid": "",
  mid: "",
  "mid-mid": "",
  right: "",
  "right-mid": "",
  middle: " ",
};

const PLACEHOLDER = "\ue000";

/**
 * Lays `rows` out with cli-table3 in columns `widths` cells wide. cli-table3 measures text with
 * string-width 4, which counts code points, not what a terminal draws (a combining mark, a virama or a
 * keycap mark takes a cell there), and would pad or cut such cells wrongly. So it lays out placeholders
 * one cell per code point, and the cells, fitted with {@link fit} (cluster-aware), replace them.
 */
function layoutTable(rows: string[][], widths: number[]): string[] {
  const table = new Table({
    chars: BORDERLESS,
    style: { head: [], border: [], "padding-left": 0, "padding-right": 0, compact: true },
    colWidths: widths,
    wordWrap: false,
  });
  const cells: string[] = [];
  for (const row of rows) {
    table.push(widths.map((w) => PLACEHOLDER.repeat(w)));
    widths.forEach((w, i) => cells.push(fit(row[i] ?? "", w)));
  }
  let next = 0;
  return table.toString().replace(/\ue000+/g, () => cells[next++]).split("\n");
}

/** The workers table: a header row and up to `rows - 1` workers, with a `+N more` line when cut. */
export function workerTable(
  state: PoolState,
  width: number,
  rows: number,
  now: number,
  style: Style,
  scroll = 0,
): string[] {
  if (rows < 2) return [];
  const wide = width >= 70;
  const fixed = wide ? [8, 14, 8, 5] : [8, 10];
  const workers = sortWorkers(state.workers.values());
  // The id column takes what the longest id needs (up to a third of the width); the task column the rest.
  // Measure at most a screen's width of each id: ids may be kilobytes long.
  const longest = workers.reduce((n, w) => Math.max(n, displayWidth(w.id.slice(0, width))), 6);
  const idWidth = Math.max(6, Math.min(longest, Math.floor(width / 3)));
  const spare = Math.max(0, width - idWidth - fixed.reduce((a, b) => a + b, 0) - fixed.length);
  if (wide) fixed[1] += Math.min(spare, 26);
  const head = wide ? ["WORKER", "STATUS", "TASK", "IN STATE", "DONE"] : ["WORKER", "STATUS", "TASK"];
  const rowsOut = [head.map((h) => style.bold(h))];
  let body = rows - 1;
  const cut = workers.length > body;
  if (cut) body--;
  const start = Math.min(scroll, Math.max(0, workers.length - body));
  for (const w of workers.slice(start, start + body)) {
    const cells = [
      w.id,
      paintWorkerStatus(style, w.status),
      w.task ?? style.dim("-"),
    ];
    if (wide) cells.push(formatElapsed(w.since, now), String(w.completed));
    rowsOut.push(cells);
  }
  const lines = layoutTable(rowsOut, [idWidth, ...fixed]).map((l) => truncate(l.trimEnd(), width));
  if (workers.length === 0) lines.push(style.dim("  (no workers known yet)"));
  if (cut) {
    const above = start;
    const below = workers.length - start - body;
    const parts = [];
    if (above > 0) parts.push(`${above} above`);
    if (below > 0) parts.push(`+${below} more`);
    lines.push(style.dim(`  ${parts.join(", ")} (Tab then ↑/↓ to scroll)`));
  }
  return lines;
}

/** Cells a server-sent pool status may take on the summary line (the numbers after it stay visible). */
export const STATUS_WIDTH = 24;

/** The two status lines: status, workers, queue, last event, health; then task and worker counts. */
export function poolSummary(state: PoolState, width: number, now: number, style: Style): string[] {
  const health = poolHealth(state);
  const q = state.queueHistory;
  const trend = q.length >= 2
    ? (q[q.length - 1] > q[q.length - 2] ? "↑" : q[q.length - 1] < q[q.length - 2] ? "↓" : "")
    : "";
  const since = state.lastEventAt === null ? "never" : `${formatElapsed(state.lastEventAt, now)} ago`;
  const counts = workerCounts(state);
  const line1 = [
    `Status ${paintPoolStatus(style, state, style.bold(truncate(state.status, STATUS_WIDTH)))}`,
    `Workers ${style.bold(String(state.workerCount ?? (state.workers.size > 0 ? state.workers.size : "?")))}`,
    `Queue ${style.bold(String(state.queueSize ?? "?"))}${trend}`,
    `Last event ${since}`,
    `Health ${paintHealth(style, health.level, `● ${health.reason}`)}`,
  ].join("   ");
  const line2 = [
    `Tasks assigned ${state.tasksAssigned}  completed ${state.tasksCompleted}`,
    ["idle", "busy", "error", "offline"].map((s) => paintWorkerStatus(style, s, `${s} ${counts[s] ?? 0}`)).join("  "),
  ].join("   ");
  return [truncate(line1, width), truncate(line2, width)];
}

/** The full-screen pool monitor. */
export function poolView(state: PoolState, ctx: ViewContext): string[] {
  const { columns: width, rows, style, now } = ctx;
  const source = ctx.sources[0];
  const lines: string[] = [];
  const title = `${style.bold("Mahavishnu Pool Monitor")}  ${style.cyan(state.poolId)}  ${
    style.dim(source.status.url)
  }`;
  const right = `${connectionBadge(source.status, now, style)}  msgs ${source.messages}  ${uptime(ctx.startedAt, now)}`;
  lines.push(spread(title, right, width));
  const problem = connectionProblem(source, style);
  if (problem) lines.push(truncate(problem, width));
  lines.push(...poolSummary(state, width, now, style));
  const footerRows = 1;
  const free = rows - lines.length - footerRows;
  const entries = filterHistory(state.history.newestFirst(), ctx.filter, ctx.accept);
  const workerRows = Math.min(state.workers.size + 2, Math.max(4, Math.floor((free - 2) * 0.5)));
  const evicted = state.workersEvicted > 0
    ? ` · ${state.workersEvicted} evicted, table holds ${state.maxWorkers} (least recently seen go first)`
    : "";
  lines.push(sectionTitle(`Workers (${state.workers.size}${evicted})`, width, style));
  lines.push(...workerTable(state, width, workerRows, now, style, ctx.tableScroll));
  const historyRows = rows - lines.length - footerRows - 1;
  const label = ctx.filter
    ? `Recent events (${entries.length} matching "${ctx.filter}")`
    : `Recent events (${entries.length})`;
  lines.push(sectionTitle(label, width, style));
  lines.push(...historyLines(entries, width, historyRows, style, { scroll: ctx.scroll }));
  while (lines.length < rows - footerRows) lines.push("");
  const active = state.workers.size - (workerCounts(state).offline ?? 0);
  const malformed = source.malformed + state.unusable;
  const evictedNote = state.workersEvicted > 0 ? ` · evicted ${style.yellow(String(state.workersEvicted))}` : "";
  const stats = `history ${state.history.size}/${state.history.capacity} · active workers ${active} · malformed ${
    malformed > 0 ? style.red(String(malformed)) : "0"
  }${evictedNote}`;
  lines.length = Math.min(lines.length, rows - footerRows);
  lines.push(footer(stats, width, style));
  return lines.map((l) => truncate(l, width));
}
