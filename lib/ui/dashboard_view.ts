/**
 * The multi-service dashboard view: three panels (Mahavishnu workflows,
 * the pool, Akosha) side by side on wide terminals, stacked on narrow
 * ones. Pure.
 *
 * @module
 */

import { activeWorkflows, type AkoshaOverview, type WorkflowsOverview } from "../model/overview_state.ts";
import type { HistoryEntry } from "../model/history.ts";
import { poolHealth, type PoolState, workerCounts } from "../model/pool_state.ts";
import { paintPoolStatus, paintWorkerStatus, STATUS_WIDTH } from "./pool_view.ts";
import { paintHealth, type Style } from "./style.ts";
import { fit, truncate } from "./text.ts";
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
  numbers: string[];
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
  for (const n of content.numbers) lines.push(truncate(n, width));
  lines.push(style.dim("─".repeat(width)));
  const entries = filterHistory(content.history, ctx.filter, ctx.accept);
  lines.push(...historyLines(entries, width, height - lines.length, style, { scroll: ctx.scroll, eventWidth: 18 }));
  while (lines.length < height) lines.push("");
  return lines.slice(0, height).map((l) => fit(l, width));
}

function workflowNumbers(w: WorkflowsOverview, style: Style): string[] {
  return [
    `active ${style.cyan(String(activeWorkflows(w)))}  completed ${style.green(String(w.completed))}  failed ${
      w.failed > 0 ? style.red(String(w.failed)) : "0"
    }`,
    `started ${w.started}  stages done ${w.stagesCompleted}`,
  ];
}

function poolNumbers(p: PoolState, style: Style): string[] {
  const health = poolHealth(p);
  const counts = workerCounts(p);
  return [
    `${paintPoolStatus(style, p, `● ${truncate(p.status, STATUS_WIDTH)}`)}  workers ${
      p.workerCount ?? p.workers.size
    }  queue ${p.queueSize ?? "?"}  ${paintHealth(style, health.level, health.reason)}`,
    ["idle", "busy", "error", "offline"].map((k) => paintWorkerStatus(style, k, `${k} ${counts[k] ?? 0}`)).join("  "),
  ];
}

function akoshaNumbers(a: AkoshaOverview, style: Style): string[] {
  const top = [...a.byType.entries()].sort((x, y) => y[1] - x[1]).slice(0, 3).map(([k, v]) => `${truncate(k, 20)} ${v}`)
    .join(
      "  ",
    );
  return [
    `insights ${style.cyan(String(a.insights))}  patterns ${style.cyan(String(a.patterns))}  anomalies ${
      a.anomalies > 0 ? style.yellow(String(a.anomalies)) : "0"
    }`,
    style.dim(top || "no types yet"),
  ];
}

/** The dashboard: header, three panels, footer with totals. */
export function dashboardView(state: DashboardState, ctx: ViewContext): string[] {
  const { columns: width, rows, style, now } = ctx;
  const [m, p, a] = ctx.sources;
  const badges = ctx.sources.map((s) => `${s.name} ${connectionBadge(s.status, now, style)}`).join("  ");
  const lines = [
    spread(style.bold("Mahavishnu Multi-Service Dashboard"), `${badges}  ${uptime(ctx.startedAt, now)}`, width),
  ];
  const panels: PanelContent[] = [
    {
      title: "Mahavishnu workflows",
      source: m,
      numbers: workflowNumbers(state.workflows, style),
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
      numbers: akoshaNumbers(state.akosha, style),
      history: state.akosha.history.newestFirst(),
    },
  ];
  const body = rows - 2;
  if (width >= SIDE_BY_SIDE_MIN_COLUMNS) {
    const panelWidth = Math.floor((width - 6) / 3);
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
