import assert from "node:assert/strict";
import { connectionBadge, historyLines } from "./view_parts.ts";
import type { ConnectionStatus } from "../transport/connection.ts";
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

const base: ConnectionStatus = { state: "connected", url: "ws://x", attempt: 0, retryAt: null, reason: null, since: 0 };

Deno.test("connectionBadge() shows a refused subscription as a yellow warning, not a green connected", () => {
  const style = createStyle(true);
  assert.equal(connectionBadge(base, 0, style), style.green("● connected"));
  const refused = { ...base, refused: [{ channel: "pool:x", code: "FORBIDDEN" }] };
  assert.equal(connectionBadge(refused, 0, style), style.yellow("⚠ refused pool:x (FORBIDDEN)"));
  const two = {
    ...base,
    refused: [{ channel: "pool:x", code: "RATE_LIMIT_EXCEEDED" }, { channel: "pool:y", code: "FORBIDDEN" }],
  };
  assert.equal(connectionBadge(two, 0, createStyle(false)), "⚠ refused pool:x (RATE_LIMIT_EXCEEDED) +1");
});
