import assert from "node:assert/strict";
import { decoded } from "../protocol/_test_envelope.ts";
import { DASHBOARD_ALERT_FIELDS, dashboardMonitor } from "./dashboard_monitor_def.ts";

Deno.test("dashboardMonitor() has three sources with their own tokens and routes each input by its source", () => {
  const m = dashboardMonitor({
    mahavishnuUrl: "ws://127.0.0.1:1",
    poolUrl: "ws://127.0.0.1:2",
    poolId: "p",
    akoshaUrl: "ws://127.0.0.1:3",
    akoshaChannels: ["insights", "anomalies"],
    patternTypes: ["code_pattern"],
    tokens: { mahavishnu: "m", akosha: "a" },
  });
  assert.deepEqual(m.sources.map((s) => [s.name, s.url, s.channels, s.token]), [
    ["mahavishnu", "ws://127.0.0.1:1", ["global"], "m"],
    ["pool", "ws://127.0.0.1:2", ["pool:p"], undefined],
    ["akosha", "ws://127.0.0.1:3", ["insights", "anomalies"], "a"],
  ]);
  const s = m.init(0);
  assert.deepEqual(s.akosha.watchedPatternTypes, ["code_pattern"], "the panel names the watched pattern types");
  assert.deepEqual(s.akosha.channels, ["insights", "anomalies"]);
  const insight = decoded("insight.generated", { insight_type: "usage", title: "t" });
  assert.equal(m.update(s, { service: "akosha", event: insight }, 1), true);
  assert.equal(s.akosha.insights, 1);
  assert.equal(m.update(s, { service: "pool", event: insight }, 2), true, "the pool reducer keeps it generically");
  assert.equal(s.akosha.insights, 1, "an input only reaches the reducer of its source");
  m.update(s, { service: "mahavishnu", event: decoded("workflow.started", { workflow_id: "w" }) }, 3);
  assert.equal(m.alertValues?.(s, 4)["workflows.active"], 1);
  assert.ok(DASHBOARD_ALERT_FIELDS.includes("anomalies") && DASHBOARD_ALERT_FIELDS.includes("queue_size"));
  assert.deepEqual(m.history(s).map((h) => [h.service, h.entries.length > 0]), [
    ["mahavishnu", true],
    ["pool", true],
    ["akosha", true],
  ]);
  m.clear(s);
  assert.ok(m.history(s).every((h) => h.entries.length === 0));
});
