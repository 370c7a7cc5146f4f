/**
 * The dashboard's workflow list: one row per workflow (running ones first,
 * in start order, then finished ones newest first) with a progress bar,
 * done/total, the current stage (or the error) and the elapsed time. Pure.
 *
 * @module
 */

import { activeWorkflows, type WorkflowRow, workflowRows, type WorkflowsOverview } from "../model/overview_state.ts";
import { formatDuration } from "../protocol/timestamp.ts";
import type { Style } from "./style.ts";
import { displayWidth, fit, fitRight } from "./text.ts";

/** `████░░░░` for `done` of `total` (unknown total: dotted). */
function miniBar(row: WorkflowRow, width: number, style: Style): string {
  if (row.total === null || row.total === 0) return style.dim("·".repeat(width));
  const ratio = row.status === "completed" ? 1 : Math.min(1, row.done / row.total);
  const filled = Math.round(width * ratio);
  const paint = row.status === "failed" ? style.red : style.green;
  return paint("█".repeat(filled)) + style.dim("░".repeat(width - filled));
}

function elapsed(row: WorkflowRow, now: number): string {
  if (row.startedAt === null) return "?";
  return formatDuration(Math.max(0, (row.finishedAt ?? now) - row.startedAt));
}

/** One line per workflow: mark, id, bar, done/total, current stage (or error), elapsed time. */
export function workflowTable(w: WorkflowsOverview, width: number, rows: number, now: number, style: Style): string[] {
  const all = workflowRows(w);
  if (all.length === 0) return [style.dim("  (no workflow seen yet)")];
  // When some do not fit, the last row says how many (one row: a workflow rather than the count).
  const shown = all.length > rows ? all.slice(0, Math.max(1, rows - 1)) : all;
  const idWidth = Math.min(Math.max(8, Math.floor(width / 4)), Math.max(2, ...shown.map((r) => displayWidth(r.id))));
  const barWidth = width >= 60 ? 10 : width >= 45 ? 8 : 5;
  const countText = (r: WorkflowRow) => `${r.done}/${r.total ?? "?"}`;
  const countWidth = Math.min(11, Math.max(...shown.map((r) => countText(r).length)));
  const stageWidth = Math.max(4, width - 2 - idWidth - 1 - barWidth - 1 - countWidth - 1 - 7);
  const lines = shown.map((r) => {
    const counts = fitRight(countText(r), countWidth);
    const time = fitRight(elapsed(r, now), 6);
    const what = r.status === "failed"
      ? style.red(fit(r.error ?? "failed", stageWidth))
      : r.status === "completed"
      ? style.green(fit("done", stageWidth))
      : fit(r.stage ?? "", stageWidth);
    const mark = r.status === "failed" ? style.red("✗") : r.status === "completed" ? style.green("✓") : style.cyan("▸");
    const id = r.status === "failed" ? style.red(style.bold(fit(r.id, idWidth))) : fit(r.id, idWidth);
    return `${mark} ${id} ${miniBar(r, barWidth, style)} ${counts} ${what} ${time}`;
  });
  if (shown.length < all.length && lines.length < rows) {
    // Running workflows are counted exactly (the rows are bounded); finished ones by their rows.
    const running = Math.max(0, activeWorkflows(w) - shown.filter((r) => r.status === "running").length);
    const finished = all.slice(shown.length).filter((r) => r.status !== "running").length;
    lines.push(style.dim(`  … ${running} more running, ${finished} finished not shown`));
  }
  return lines;
}
