import assert from "node:assert/strict";
import { evaluateAlerts, parseAlert } from "./alerts.ts";

Deno.test("parseAlert() reads field, comparison and number with unit", () => {
  assert.deepEqual(
    ["queue_size>50", "workers.error>=1", "stage_duration > 30s", "latency<=250ms", "x==2m", "y!=1h"].map((t) => {
      const a = parseAlert(t);
      return [a.field, a.op, a.value];
    }),
    [
      ["queue_size", ">", 50],
      ["workers.error", ">=", 1],
      ["stage_duration", ">", 30_000],
      ["latency", "<=", 250],
      ["x", "==", 120_000],
      ["y", "!=", 3_600_000],
    ],
  );
  assert.throws(
    () => parseAlert("queue_size is big"),
    /not FIELD OP NUMBER\[ms\|s\|m\|h\].*current value is queue_size is big/,
  );
});

Deno.test("evaluateAlerts() triggers once, clears when the condition clears", () => {
  const alerts = [parseAlert("queue_size>50")];
  assert.deepEqual(evaluateAlerts(alerts, { queue_size: 10 }, 1), []);
  const on = evaluateAlerts(alerts, { queue_size: 60 }, 2);
  assert.deepEqual(on.map((c) => [c.kind, c.actual]), [["triggered", 60]]);
  assert.deepEqual(evaluateAlerts(alerts, { queue_size: 70 }, 3), [], "no repeat while it holds");
  assert.equal(alerts[0].since, 2);
  assert.deepEqual(evaluateAlerts(alerts, { queue_size: 5 }, 4).map((c) => c.kind), ["cleared"]);
  assert.deepEqual(evaluateAlerts(alerts, {}, 5), [], "a missing field never triggers");
});
