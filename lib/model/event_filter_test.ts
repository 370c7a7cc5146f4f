import assert from "node:assert/strict";
import { createEventFilter, globToRegExp } from "./event_filter.ts";

Deno.test("createEventFilter() keeps matching events at or above the severity", async (t) => {
  await t.step("globs", () => {
    const keep = createEventFilter({ events: "worker.*, task.completed" });
    assert.deepEqual(
      ["worker.status_changed", "worker.added", "task.completed", "task.assigned", "pool.scaled"].map((event) =>
        keep({ event, severity: "info" })
      ),
      [true, true, true, false, false],
    );
  });
  await t.step("severity", () => {
    const keep = createEventFilter({ severity: "warning" });
    assert.deepEqual(
      (["info", "warning", "error"] as const).map((severity) => keep({ event: "x", severity })),
      [false, true, true],
    );
  });
  await t.step("glob special characters are literal", () => {
    assert.ok(globToRegExp("a.b?").test("a.bc"));
    assert.ok(!globToRegExp("a.b").test("axb"));
  });
});
