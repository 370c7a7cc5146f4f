import assert from "node:assert/strict";
import { historyLines } from "./view_parts.ts";
import { createStyle } from "./style.ts";
import { displayWidth } from "./text.ts";
import type { HistoryEntry } from "../model/history.ts";

const AT = new Date(2026, 10, 28, 12, 0, 0).getTime();
const entry = (event: string, text: string, severity: HistoryEntry["severity"] = "info"): HistoryEntry => ({
  at: AT,
  event,
  severity,
  text,
});

Deno.test("historyLines() shows short labels so the details keep their numbers", () => {
  const lines = historyLines(
    [
      entry("pool.status_changed", "running · 12 workers · queue 340"),
      entry("pool.health_check", "healthy=true"),
    ],
    50,
    5,
    createStyle(false),
  );
  assert.deepEqual(lines, [
    "12:00:00 pool     running · 12 workers · queue 340",
    "12:00:00 pool     health_check healthy=true",
  ]);
});

Deno.test("historyLines() wraps long details onto a second line when asked, within the rows", async (t) => {
  const long = entry("workflow.failed", "wf_9: stage 'review' failed: adapter timeout after 30s", "error");
  await t.step("two lines per entry", () => {
    const lines = historyLines([long, entry("task.assigned", "t1 → w1")], 40, 5, createStyle(false), {
      linesPerEntry: 2,
    });
    assert.deepEqual(lines, [
      "12:00:00 wf ✗     wf_9: stage 'review'",
      "                  failed: adapter …",
      "12:00:00 task →   t1 → w1",
    ]);
    for (const l of lines) assert.ok(displayWidth(l) <= 40);
  });
  await t.step("one row left: cut instead", () => {
    assert.deepEqual(historyLines([long], 40, 1, createStyle(false), { linesPerEntry: 2 }), [
      "12:00:00 wf ✗     wf_9: stage 'review' …",
    ]);
  });
  await t.step("default: cut", () => {
    assert.equal(historyLines([long], 40, 5, createStyle(false)).length, 1);
  });
  await t.step("an error's continuation is red too", () => {
    const lines = historyLines([long], 40, 5, createStyle(true), { linesPerEntry: 2 });
    assert.equal(lines[1], "                  \x1b[31mfailed: adapter …\x1b[0m");
  });
});
