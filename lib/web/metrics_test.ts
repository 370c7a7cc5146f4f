import assert from "node:assert/strict";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { ev } from "../protocol/_test_envelope.ts";
import { activeWorkflows } from "../model/overview_state.ts";
import { poolAlertValues } from "../model/pool_state.ts";
import { escapeLabel, prometheusText } from "./metrics.ts";
import { ServiceStats } from "./service_stats.ts";
import { testModel } from "./_test_model.ts";

type Family = {
  name: string;
  type: string;
  help: string;
  metrics: { value: string; labels?: Record<string, string> }[];
};

function feed() {
  const { model, update } = testModel("pool_a");
  const stats = new ServiceStats([
    { name: "mahavishnu", url: "ws://127.0.0.1:1" },
    { name: "pool", url: "ws://127.0.0.1:1" },
    { name: "akosha", url: "ws://127.0.0.1:2" },
  ]);
  const messages: [string, ReturnType<typeof ev>][] = [
    [
      "pool",
      ev("pool.status_changed", { pool_id: "pool_a", status: { state: "running", worker_count: 3, queue_size: 7 } }),
    ],
    ["pool", ev("worker.status_changed", { pool_id: "pool_a", worker_id: "w1", status: "busy" })],
    ["pool", ev("worker.status_changed", { pool_id: "pool_a", worker_id: "w2", status: "idle" })],
    ["pool", ev("worker.status_changed", { pool_id: "pool_a", worker_id: "w3", status: "error" })],
    ["pool", ev("task.assigned", { pool_id: "pool_a", worker_id: "w1", task_id: "t1" })],
    ["pool", ev("task.completed", { pool_id: "pool_a", worker_id: "w1", task_id: "t1" })],
    ["pool", ev("worker.status_changed", { pool_id: "pool_a", status: "busy" })], // unusable: no worker_id
    ["mahavishnu", ev("workflow.started", { workflow_id: "wf1" })],
    ["mahavishnu", ev("workflow.started", { workflow_id: "wf2" })],
    ["mahavishnu", ev("workflow.started", { workflow_id: "wf3" })],
    ["mahavishnu", ev("workflow.completed", { workflow_id: "wf1" })],
    ["mahavishnu", ev("workflow.failed", { workflow_id: "wf2", error: "boom" })],
    ["akosha", ev("insight.generated", { insight_type: "cost", title: "x" })],
    ["akosha", ev("pattern.detected", { pattern_type: "code_pattern" })],
    ["akosha", ev("anomaly.detected", { anomaly_id: "a1", severity: "high" })],
  ];
  messages.forEach(([service, m], i) => {
    stats.received(service, m.event);
    update(service, m, 1000 + i);
  });
  stats.problem("pool");
  const at = (since: number) => ({ url: "ws://x", attempt: 0, retryAt: null, reason: null, since });
  stats.status("pool", { state: "reconnecting", ...at(1) });
  stats.status("pool", { state: "connected", ...at(2) });
  stats.status("akosha", { state: "reconnecting", ...at(3) });
  return { model, stats };
}

function families(text: string): Map<string, Family> {
  const parsed = parsePrometheusTextFormat(text) as Family[];
  return new Map(parsed.map((f) => [f.name, f]));
}

function value(f: Family | undefined, labels: Record<string, string> = {}): number {
  assert.ok(f, "family missing");
  const m = f.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  assert.ok(m, `no sample with ${JSON.stringify(labels)} in ${f.name}`);
  return Number(m.value);
}

Deno.test("prometheusText() parses as Prometheus text with HELP and TYPE for every family", () => {
  const { model, stats } = feed();
  const text = prometheusText(model, stats.services, { clients: 2 });
  const fams = families(text);
  assert.ok(fams.size >= 14);
  for (const f of fams.values()) {
    assert.ok(f.help.length > 0, `${f.name} has no HELP`);
    assert.ok(["GAUGE", "COUNTER"].includes(f.type), `${f.name} type ${f.type}`);
    assert.match(text, new RegExp(`^# TYPE ${f.name} (gauge|counter)$`, "m"));
    if (f.type === "COUNTER") assert.match(f.name, /_total$/);
  }
  assert.ok(text.endsWith("\n"));
});

Deno.test("prometheusText() numbers are the model's numbers", () => {
  const { model, stats } = feed();
  const fams = families(prometheusText(model, stats.services, { clients: 2 }));
  const pool = poolAlertValues(model.pool);
  assert.equal(value(fams.get("mahavishnu_pool_workers"), { pool: "pool_a" }), pool.worker_count);
  assert.equal(value(fams.get("mahavishnu_pool_queue_size")), 7);
  for (const state of ["idle", "busy", "error", "offline"]) {
    assert.equal(value(fams.get("mahavishnu_pool_workers_by_state"), { state }), pool[`workers.${state}`]);
  }
  assert.equal(value(fams.get("mahavishnu_pool_workers_by_state"), { state: "busy" }), 1);
  assert.equal(value(fams.get("mahavishnu_pool_tasks_completed_total")), 1);
  assert.equal(value(fams.get("mahavishnu_workflows"), { state: "active" }), activeWorkflows(model.workflows));
  assert.equal(value(fams.get("mahavishnu_workflows"), { state: "active" }), 1);
  assert.equal(value(fams.get("mahavishnu_workflows"), { state: "completed" }), 1);
  assert.equal(value(fams.get("mahavishnu_workflows"), { state: "failed" }), 1);
  assert.equal(value(fams.get("akosha_items"), { kind: "insights" }), 1);
  assert.equal(value(fams.get("akosha_items"), { kind: "patterns" }), 1);
  assert.equal(value(fams.get("akosha_items"), { kind: "anomalies" }), 1);
  assert.equal(
    value(fams.get("mahavishnu_monitor_events_total"), { service: "pool", event: "worker.status_changed" }),
    4,
  );
  // One unparsable frame plus one unusable payload.
  assert.equal(value(fams.get("mahavishnu_monitor_malformed_messages_total"), { service: "pool" }), 2);
  assert.equal(value(fams.get("mahavishnu_monitor_reconnects_total"), { service: "pool" }), 1);
  assert.equal(value(fams.get("mahavishnu_monitor_connection_state"), { service: "pool", state: "connected" }), 1);
  assert.equal(value(fams.get("mahavishnu_monitor_connection_state"), { service: "pool", state: "reconnecting" }), 0);
  assert.equal(value(fams.get("mahavishnu_monitor_connection_up"), { service: "akosha" }), 0);
  assert.equal(value(fams.get("mahavishnu_monitor_web_clients")), 2);
});

Deno.test("prometheusText() escapes hostile label values", () => {
  const { model } = testModel('p"o\\ol\n}x');
  const stats = new ServiceStats([{ name: "pool", url: "" }]);
  stats.received("pool", 'ev"il\\{name="x"}\x1b[2J');
  const text = prometheusText(model, stats.services);
  assert.ok(!text.includes("\x1b"));
  const fams = families(text);
  assert.equal(fams.get("mahavishnu_pool_queue_size")?.metrics.length, 0); // unknown: no sample, not NaN
  const events = fams.get("mahavishnu_monitor_events_total")!;
  assert.equal(events.metrics.length, 1);
  assert.equal(events.metrics[0].labels?.event, 'ev"il\\{name="x"}');
  assert.equal(fams.get("mahavishnu_pool_up")?.metrics[0].labels?.pool, 'p"o\\ol }x');
  assert.equal(escapeLabel('a"b\\c'), 'a\\"b\\\\c');
});

Deno.test("prometheusText() bounds the event label set", () => {
  const stats = new ServiceStats([{ name: "pool", url: "" }]);
  for (let i = 0; i < 500; i++) stats.received("pool", `custom.${i}`);
  const fams = families(prometheusText(testModel("p").model, stats.services));
  const events = fams.get("mahavishnu_monitor_events_total")!;
  assert.equal(events.metrics.length, 101);
  assert.equal(value(events, { event: "_other" }), 400);
});
