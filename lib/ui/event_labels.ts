/**
 * Short, legible labels for event names in the history lists (`stage ✓`
 * for `workflow.stage_completed`), so that the details get the width. The
 * full names stay in the JSON output and in the history filter.
 *
 * @module
 */

import type { Severity } from "../protocol/severity.ts";
import type { Paint, Style } from "./style.ts";

/** Cells a label takes at most: the history's label column. */
export const LABEL_WIDTH = 8;

/** How an event name is shown: its label, the colour it takes, and any part of the name moved into the details. */
export interface EventLabel {
  /** At most {@link LABEL_WIDTH} cells. */
  label: string;
  /** The colour of the label (and of nothing else). */
  paint: (style: Style) => Paint;
  /** What goes before the details: "" for known events, the rest of the name for unknown ones. */
  prefix: string;
}

type Colour = "green" | "red" | "yellow" | "cyan" | "blue" | "magenta" | "dim";

const KNOWN: Record<string, [string, Colour]> = {
  "workflow.started": ["wf ▸", "cyan"],
  "workflow.stage_completed": ["stage ✓", "green"],
  "workflow.completed": ["wf ✓", "green"],
  "workflow.failed": ["wf ✗", "red"],
  "pool.status_changed": ["pool", "blue"],
  "pool.spawned": ["pool +", "blue"],
  "pool.scaled": ["scaled", "blue"],
  "pool.scaling": ["scaling", "blue"],
  "pool.closed": ["pool ✗", "red"],
  "worker.status_changed": ["worker", "magenta"],
  "worker.added": ["worker +", "magenta"],
  "worker.removed": ["worker -", "magenta"],
  "task.assigned": ["task →", "cyan"],
  "task.completed": ["task ✓", "green"],
  "insight.generated": ["insight", "cyan"],
  "pattern.detected": ["pattern", "magenta"],
  "anomaly.detected": ["anomaly", "yellow"],
  "aggregation.completed": ["aggr ✓", "blue"],
  "session.created": ["session", "dim"],
  error: ["error", "red"],
  snapshot: ["snapshot", "dim"],
  subscribed: ["subscr.", "dim"],
  alert: ["alert", "red"],
};

function painter(colour: Colour): (style: Style) => Paint {
  return (style) => style[colour];
}

const dim = painter("dim");

/**
 * The label of `event`: a known name gets its short label and colour; an
 * unknown `a.b_c` is shown as `a` with `b_c` moved to the details; any other
 * unknown name that does not fit the column goes to the details whole.
 */
export function eventLabel(event: string): EventLabel {
  const known = KNOWN[event];
  if (known) return { label: known[0], paint: painter(known[1]), prefix: "" };
  const dot = event.indexOf(".");
  if (dot > 0 && dot <= LABEL_WIDTH) return { label: event.slice(0, dot), paint: dim, prefix: event.slice(dot + 1) };
  if (event.length <= LABEL_WIDTH && /^[\x20-\x7e]*$/.test(event)) return { label: event, paint: dim, prefix: "" };
  return { label: "event", paint: dim, prefix: event };
}

/** The four anomaly levels Akosha names. */
export const ANOMALY_LEVELS = ["critical", "high", "medium", "low"] as const;

/** Paints `text` in the colour of an anomaly level: low blue, medium yellow, high red, critical white on red. */
export function paintAnomalyLevel(style: Style, level: string | null, text: string): string {
  switch (level) {
    case "low":
      return style.blue(text);
    case "medium":
      return style.yellow(text);
    case "high":
      return style.red(text);
    case "critical":
      return style.alert(text);
    default:
      return style.dim(text);
  }
}

const LEADING_LEVEL = /^(critical|high|medium|low)\b/;

/**
 * The details of a history entry, painted: an anomaly's leading level word
 * (as the Akosha reducer writes it) in its colour, an error's details red.
 * `text` is the entry's details already cut to the screen.
 */
export function paintDetails(style: Style, entry: { event: string; severity: Severity }, text: string): string {
  if (entry.event === "anomaly.detected") {
    const m = LEADING_LEVEL.exec(text);
    if (m) return paintAnomalyLevel(style, m[1], m[1]) + text.slice(m[1].length);
  }
  return entry.severity === "error" ? style.red(text) : text;
}
