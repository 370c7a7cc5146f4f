/**
 * The multi-service dashboard view: three panels (Mahavishnu workflows,
 * the pool, Akosha) side by side on wide terminals, stacked on narrow
 * ones. Pure.
 *
 * @module
 */

import { activeWorkflows, type AkoshaOverview, type WorkflowsOverview } from "../model/overview_state.ts";
import { ANOMALY_LEVELS, paintAnomalyLevel } from "./event_labels.ts";
import { formatDuration } from "../protocol/timestamp.ts";
import type { HistoryEntry } from "../model/history.ts";
import { poolHealth, type PoolState, workerCounts } from "../model/pool_state.ts";
import { paintPoolStatus, paintWorkerStatus, STATUS_WIDTH } from "./pool_view.ts";
import { paintHealth, type Style } from "./style.ts";
import { displayWidth, fit, truncate, wrap } from "./text.ts";
import { workflowTable } from "./workflow_table.ts";
import {
  connectionBadge,
  filterHistory,
  footer,
  historyLines,
  type SourceView,
  spread,
  uptime,
  type ViewContext,
} from "./view_parts.ts";

/** The three states the dashboard shows. */
export interface DashboardState {
  workflows: WorkflowsOverview;
  pool: PoolState;
  akosha: AkoshaOverview;
}

/** Terminals at least this wide show the panels side by side. */
export const SIDE_BY_SIDE_MIN_COLUMNS = 120;

interface PanelContent {
  title: string;
  source: SourceView;
  /** Groups of numbers: each group starts a row unless it fits whole on the row before; items wrap between them. */
  numbers: string[][];
  /** Rows between the numbers and the history (the workflows), given the width and the rows free. */
  table?: (width: number, rows: number) => string[];
  history: HistoryEntry[];
}

function panel(content: PanelContent, width: number, height: number, ctx: ViewContext): string[] {
  const { style, now } = ctx;
  const s = content.source;
  const lines: string[] = [];
  lines.push(spread(style.bold(content.title), connectionBadge(s.status, now, style), width));
  if (s.status.state !== "connected" && s.status.reason) {
    const paint = s.status.state === "auth_failed" ? style.red : style.yellow;
    lines.push(truncate(paint(`unavailable: ${s.status.reason}`), width));
  } else {
    lines.push(style.dim(truncate(`${s.status.url} · msgs ${s.messages} · reconnects ${s.reconnects}`, width)));
  }
  // The numbers leave room for the rule and two history rows.
  lines.push(...packRows(content.numbers, width).slice(0, Math.max(1, height - lines.length - 3)));
  if (content.table) {
    // The table takes up to half of what is left, and leaves at least two history rows.
    const free = height - lines.length - 1;
    lines.push(...content.table(width, Math.max(1, Math.min(Math.ceil(free / 2), free - 2))));
  }
  lines.push(style.dim("─".repeat(width)));
  const entries = filterHistory(content.history, ctx.filter, ctx.accept);
  lines.push(...historyLines(entries, width, height - lines.length, style, { scroll: ctx.scroll, linesPerEntry: 2 }));
  while (lines.length < height) lines.push("");
  return lines.slice(0, height).map((l) => fit(l, width));
}

/**
 * Lays groups of items out in rows of `width` cells, two spaces apart: a
 * group goes on the current row when it fits there whole and the group
 * before took one row, else on new rows, wrapping between its items (an
 * item wider than a row is cut).
 */
export function packRows(groups: string[][], width: number): string[] {
  const rows: string[] = [];
  const gap = 2;
  let joinable = false;
  for (const group of groups) {
    const whole = group.join("  ");
    const last = rows.length - 1;
    if (joinable && displayWidth(rows[last]) + gap + displayWidth(whole) <= width) {
      rows[last] += "  " + whole;
      continue;
    }
    const before = rows.length;
    let row = "";
    for (const item of group) {
      if (row && displayWidth(row) + gap + displayWidth(item) <= width) row += "  " + item;
      else {
        if (row) rows.push(row);
        row = truncate(item, width);
      }
    }
    if (row) rows.push(row);
    joinable = rows.length === before + 1;
  }
  return rows;
}

function count(paint: (text: string) => string, n: number): string {
  return n > 0 ? paint(String(n)) : "0";
}

function workflowNumbers(w: WorkflowsOverview, style: Style): string[][] {
  const active = `${w.activeUntracked > 0 ? "~" : ""}${activeWorkflows(w)}`;
  return [
    [
      `active ${style.cyan(active)}`,
      `completed ${count(style.green, w.completed)}`,
      `failed ${count(style.red, w.failed)}`,
    ],
    [style.dim(`started ${w.started}`), style.dim(`stages done ${w.stagesCompleted}`)],
  ];
}

function poolNumbers(p: PoolState, style: Style): string[][] {
  const health = poolHealth(p);
  const counts = workerCounts(p);
  return [
    [
      paintPoolStatus(style, p, `● ${truncate(p.status, STATUS_WIDTH)}`),
      `workers ${p.workerCount ?? p.workers.size}`,
      `queue ${p.queueSize ?? "?"}`,
      paintHealth(style, health.level, health.reason),
    ],
    ["idle", "busy", "error", "offline"].map((k) => paintWorkerStatus(style, k, `${k} ${counts[k] ?? 0}`)),
  ];
}

/** `anomalies 3`, then each level in its colour when there are some (dim when none). */
function anomalyCounts(a: AkoshaOverview, style: Style): string[] {
  const levels = ANOMALY_LEVELS.map((l) => {
    const n = a.anomalyLevels[l];
    return n > 0 ? paintAnomalyLevel(style, l, `${l} ${n}`) : style.dim(`${l} 0`);
  });
  if (a.anomalyLevels.unknown > 0) levels.push(style.yellow(`unrated ${a.anomalyLevels.unknown}`));
  return [`anomalies ${count(style.yellow, a.anomalies)}`, ...levels];
}

/** Akosha's numbers, most important first (the panel cuts from the end when short of rows). */
function akoshaNumbers(a: AkoshaOverview, width: number, now: number, style: Style): string[][] {
  const groups = [
    [`insights ${style.cyan(String(a.insights))}`, `patterns ${style.cyan(String(a.patterns))}`],
    anomalyCounts(a, style),
  ];
  if (a.channels.includes("metrics")) {
    const g = a.lastAggregation;
    groups.push(
      g === null ? [style.dim("aggregations 0")] : [
        `aggregations ${style.cyan(String(a.aggregations))}`,
        `${g.type ?? "?"} ${g.records ?? "?"} records ${style.dim(`${formatDuration(Math.max(0, now - g.at))} ago`)}`,
      ],
    );
  }
  const watched = a.watchedPatternTypes.length > 0 ? a.watchedPatternTypes.join(", ") : "none";
  groups.push(wrap(`pattern types watched: ${watched}`, width, 2).map((l) => style.dim(l)));
  const top = [...a.byType.entries()].sort((x, y) => y[1] - x[1]).slice(0, 3);
  groups.push(
    top.length > 0 ? [style.dim("top"), ...top.map(([k, v]) => style.dim(`${truncate(k, 20)} ${v}`))] : [
      style.dim("no types yet"),
    ],
  );
  return groups;
}

/** The dashboard: header, three panels, footer with totals. */
export function dashboardView(state: DashboardState, ctx: ViewContext): string[] {
  const { columns: width, rows, style, now } = ctx;
  const [m, p, a] = ctx.sources;
  const badges = ctx.sources.map((s) => `${s.name} ${connectionBadge(s.status, now, style)}`).join("  ");
  const lines = [
    spread(style.bold("Mahavishnu Multi-Service Dashboard"), `${badges}  ${uptime(ctx.startedAt, now)}`, width),
  ];
  const sideBySide = width >= SIDE_BY_SIDE_MIN_COLUMNS;
  const panelWidth = sideBySide ? Math.floor((width - 6) / 3) : width;
  const panels: PanelContent[] = [
    {
      title: "Mahavishnu workflows",
      source: m,
      numbers: workflowNumbers(state.workflows, style),
      table: (w, r) => workflowTable(state.workflows, w, r, now, style),
      history: state.workflows.history.newestFirst(),
    },
    {
      title: `Pool ${state.pool.poolId}`,
      source: p,
      numbers: poolNumbers(state.pool, style),
      history: state.pool.history.newestFirst(),
    },
    {
      title: "Akosha insights",
      source: a,
      numbers: akoshaNumbers(state.akosha, panelWidth, now, style),
      history: state.akosha.history.newestFirst(),
    },
  ];
  const body = rows - 2;
  if (width >= SIDE_BY_SIDE_MIN_COLUMNS) {
    const drawn = panels.map((c) => panel(c, panelWidth, body, ctx));
    for (let i = 0; i < body; i++) lines.push(drawn.map((d) => d[i]).join(style.dim(" │ ")));
  } else {
    const heights = [0, 1, 2].map((i) => Math.floor(body / 3) + (i < body % 3 ? 1 : 0));
    panels.forEach((c, i) => lines.push(...panel(c, width, heights[i], ctx)));
  }
  const total = (k: "messages" | "malformed" | "reconnects") => ctx.sources.reduce((n, s) => n + s[k], 0);
  const malformed = total("malformed") + state.pool.unusable + state.workflows.unusable + state.akosha.unusable;
  lines.push(footer(
    `messages ${total("messages")} · malformed ${malformed > 0 ? style.red(String(malformed)) : "0"} · reconnects ${
      total("reconnects")
    }`,
    width,
    style,
  ));
  return lines.map((l) => truncate(l, width));
}
