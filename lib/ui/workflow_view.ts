/**
 * The workflow monitor's view: `(state, context) -> lines`. Pure.
 *
 * @module
 */

import type { Style } from "./style.ts";
import { displayWidth, fit, truncate, wrap } from "./text.ts";
import { formatClock, formatDuration } from "../protocol/timestamp.ts";
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
import { type WorkflowProgress, workflowProgress, type WorkflowState } from "../model/workflow_state.ts";

/** The status badge, coloured. */
export function statusBadge(status: string, style: Style): string {
  const label = ` ${status.toUpperCase()} `;
  switch (status) {
    case "completed":
      return style.green(style.inverse(label));
    case "failed":
      return style.alert(label);
    case "running":
      return style.cyan(style.inverse(label));
    default:
      return style.yellow(style.inverse(label));
  }
}

/**
 * `[██████░░░░] 3/5 stages 60%`; once completed with stages never seen, `[██████░░░░] completed, 3 of 5 stages
 * seen`; without a believed total, `3 stages done (total unknown: server said 0)`.
 */
export function progressBar(
  p: Pick<WorkflowProgress, "done" | "total" | "totalNote" | "missing">,
  width: number,
  style: Style,
  status = "running",
): string {
  const { done, total } = p;
  const completed = status === "completed";
  if (total === null) {
    const why = p.totalNote ? `total unknown: ${p.totalNote}` : "total unknown";
    const count = `${done} stage${done === 1 ? "" : "s"}`;
    return `${completed ? `completed, ${count} seen` : `${count} done`} ${style.dim(`(${why})`)}`;
  }
  const ratio = Math.min(1, done / total);
  const label = completed && p.missing > 0
    ? ` completed, ${done} of ${total} stages seen`
    : ` ${done}/${total} stages ${Math.floor(ratio * 100)}%`;
  const barWidth = Math.max(5, Math.min(50, width - label.length - 2));
  const filled = Math.floor(barWidth * ratio);
  return `[${style.green("█".repeat(filled))}${style.dim("░".repeat(barWidth - filled))}]${label}`;
}

function notice(state: WorkflowState, width: number, style: Style): string[] {
  if (state.status !== "completed" && state.status !== "failed") return [];
  const failed = state.status === "failed";
  const paint = failed ? style.red : style.green;
  const title = failed ? " ✗ WORKFLOW FAILED " : " ✓ WORKFLOW COMPLETED ";
  const inner = Math.max(10, width - 4);
  const text = failed ? state.error ?? "unknown error" : state.result || "completed";
  const body = wrap(text, inner, 4).map((l) => paint("║ ") + fit(l, inner) + paint(" ║"));
  const when = state.finishedAt !== null ? `at ${formatClock(state.finishedAt)} ` : "";
  const top = "╔" + title + when;
  const lines = [
    paint(style.bold(truncate(top + "═".repeat(Math.max(0, width - 1 - displayWidth(top))) + "╗", width))),
    ...body,
    paint(truncate("╚" + "═".repeat(Math.max(0, width - 2)) + "╝", width)),
  ];
  if (state.contradiction) {
    const more = state.contradictions > 1 ? ` (${state.contradictions} contradictions)` : "";
    lines.push(truncate(style.yellow(`⚠ ${state.contradiction}${more}`), width));
  }
  return lines;
}

/** Rows of the stage list: done (✓), running (▸), pending (·). */
export function stageLines(state: WorkflowState, width: number, rows: number, now: number, style: Style): string[] {
  const nameWidth = Math.min(28, Math.max(8, Math.floor(width / 4)));
  const lines: string[] = [];
  const done = new Set<string>();
  for (const s of state.stages) {
    done.add(s.name);
    const duration = s.durationMs !== null ? formatDuration(s.durationMs) : "?";
    const retries = s.attempts > 1
      ? style.yellow(`×${s.attempts} (${s.durationsMs.map((d) => d !== null ? formatDuration(d) : "?").join(", ")}) `)
      : "";
    lines.push(
      `${style.green("✓")} ${fit(s.name, nameWidth)} ${formatClock(s.completedAt)} ${fit(duration, 7)} ${retries}${
        style.dim(s.summary)
      }`,
    );
  }
  // The stage shown as failed or running; every other unfinished stage is pending.
  let active: string | null = null;
  if (state.status === "failed") {
    active = state.stageNames?.find((n) => !done.has(n)) ?? state.currentStage;
    if (active) lines.push(`${style.red("✗")} ${fit(active, nameWidth)} ${style.red("failed")}`);
  } else if (state.currentStage) {
    active = state.currentStage;
    const since = state.stages.length > 0 ? state.stages[state.stages.length - 1].completedAt : state.startedAt;
    const running = since !== null ? ` ${formatDuration(Math.max(0, now - since))}` : "";
    lines.push(`${style.cyan("▸")} ${fit(active, nameWidth)} ${style.cyan("running")}${running}`);
  }
  for (const name of state.stageNames ?? []) {
    if (!done.has(name) && name !== active) lines.push(style.dim(`· ${name}`));
  }
  if (lines.length === 0) lines.push(style.dim("  (no stage seen yet)"));
  if (lines.length > rows) {
    const hidden = lines.length - rows + 1;
    return [style.dim(`  … ${hidden} earlier stages`), ...lines.slice(hidden)].map((l) => truncate(l, width));
  }
  return lines.map((l) => truncate(l, width));
}

/**
 * The metadata `workflow.started` gave: prompt and adapter on one line, the
 * stage list on the next (done green, running cyan, pending dim). None when
 * the start was not seen.
 */
export function metadataLines(state: WorkflowState, width: number, style: Style): string[] {
  const lines: string[] = [];
  const about = [
    state.prompt !== null ? `Prompt ${style.bold(`"${state.prompt}"`)}` : "",
    state.adapter !== null ? `Adapter ${style.cyan(state.adapter)}` : "",
  ].filter(Boolean);
  if (about.length > 0) lines.push(truncate(about.join("   "), width));
  if (state.stageNames && state.stageNames.length > 0) {
    const done = new Set(state.stages.map((s) => s.name));
    const names = state.stageNames.slice(0, 100).map((n) =>
      done.has(n) ? style.green(n) : n === state.currentStage ? style.bold(style.cyan(n)) : style.dim(n)
    );
    lines.push(truncate(`Stages ${names.join(style.dim(" → "))}`, width));
  }
  return lines;
}

/** The full-screen workflow monitor. */
export function workflowView(state: WorkflowState, ctx: ViewContext): string[] {
  const { columns: width, rows, style, now } = ctx;
  const source = ctx.sources[0];
  const lines: string[] = [];
  lines.push(spread(
    `${style.bold("Mahavishnu Workflow Monitor")}  ${style.cyan(state.workflowId)}  ${style.dim(source.status.url)}`,
    `${connectionBadge(source.status, now, style)}  msgs ${source.messages}  ${uptime(ctx.startedAt, now)}`,
    width,
  ));
  const problem = connectionProblem(source, style);
  if (problem) lines.push(truncate(problem, width));
  lines.push(...metadataLines(state, width, style));
  const p = workflowProgress(state, now);
  const current = state.currentStage ? `Current stage ${style.bold(state.currentStage)}` : "";
  lines.push(truncate(`Status ${statusBadge(truncate(state.status, 24), style)}   ${current}`, width));
  const estimating = state.status === "running" && p.total !== null && p.done > 0;
  const timing = [
    p.elapsedMs !== null ? `elapsed ${formatDuration(p.elapsedMs)}` : "",
    p.leftMs !== null ? `~${formatDuration(p.leftMs)} left` : estimating ? "time left unknown" : "",
  ].filter(Boolean).join("   ");
  lines.push(truncate(`${progressBar(p, Math.min(80, width - 30), style, state.status)}   ${timing}`, width));
  if (!state.liveSeen && state.snapshot) {
    const c = state.snapshot;
    const claim = `${c.status ?? "?"}${c.totalStages !== null ? ` · ${c.stagesDone}/${c.totalStages} stages` : ""}`;
    lines.push(truncate(
      style.dim(`Server snapshot: ${claim} (not used: the real server answers a placeholder; waiting for events)`),
      width,
    ));
  }
  lines.push(...notice(state, width, style));
  const footerRows = 1;
  const free = rows - lines.length - footerRows;
  const stageRows = Math.max(
    2,
    Math.min((state.stageNames?.length ?? state.stages.length) + 2, Math.floor(free * 0.45)),
  );
  lines.push(sectionTitle(`Stages`, width, style));
  lines.push(...stageLines(state, width, stageRows, now, style));
  const workers = state.workerChanges.newestFirst();
  if (workers.length > 0 && rows - lines.length > 8) {
    lines.push(sectionTitle(`Worker status changes (${state.workerChanges.total})`, width, style));
    lines.push(...historyLines(workers, width, Math.min(3, workers.length), style, { eventWidth: 0 }));
  }
  const entries = filterHistory(state.history.newestFirst(), ctx.filter, ctx.accept);
  lines.push(
    sectionTitle(
      ctx.filter ? `Events (${entries.length} matching "${ctx.filter}")` : `Events (${entries.length})`,
      width,
      style,
    ),
  );
  lines.push(...historyLines(entries, width, rows - lines.length - footerRows, style, { scroll: ctx.scroll }));
  while (lines.length < rows - footerRows) lines.push("");
  lines.length = Math.min(lines.length, rows - footerRows);
  const malformed = source.malformed + state.unusable;
  const skew = state.clockSkew > 0 ? ` · clock skew ${style.yellow(String(state.clockSkew))}` : "";
  lines.push(footer(
    `events ${state.history.total} · stages ${p.done}${p.total !== null ? `/${p.total}` : ""} · malformed ${
      malformed > 0 ? style.red(String(malformed)) : "0"
    }${skew}`,
    width,
    style,
  ));
  return lines.map((l) => truncate(l, width));
}
