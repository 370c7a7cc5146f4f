/**
 * `/metrics`: the Prometheus text exposition format (version 0.0.4) made
 * from the model states and the service counters, so Grafana graphs the same
 * numbers the terminal and the page show. Every family has HELP and TYPE
 * lines; label values are escaped (`\\`, `"`, newline) and cleaned of control
 * characters.
 *
 * @module
 */

import { activeWorkflows } from "../model/overview_state.ts";
import { workerCounts } from "../model/pool_state.ts";
import { sanitizeText } from "../protocol/sanitize.ts";
import type { ConnectionState } from "../transport/connection.ts";
import type { ServiceInfo } from "./service_stats.ts";
import type { WebModel } from "./web_monitor.ts";

/** The content type of the exposition. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Every connection state, each exported as 0/1 per service. */
const CONNECTION_STATES: ConnectionState[] = ["connecting", "connected", "reconnecting", "auth_failed", "closed"];
/** Worker states always exported (0 when none), so a graph has no gaps. */
const WORKER_STATES = ["idle", "busy", "error", "offline"];

/** Extra numbers of the web process itself. */
export interface MetricsExtra {
  /** Pages with an open push channel. */
  clients?: number;
  /** Messages pushed to pages. */
  sent?: number;
  /** Frames skipped for pages whose socket was backed up. */
  skipped?: number;
}

/** Escapes a label value for the exposition (after removing control characters). */
export function escapeLabel(value: string): string {
  return sanitizeText(value, { maxLength: 200 }).replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

type Labels = Record<string, string>;

class Exposition {
  #lines: string[] = [];

  family(name: string, type: "gauge" | "counter", help: string, samples: [Labels, number | null][]): void {
    this.#lines.push(`# HELP ${name} ${help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`);
    this.#lines.push(`# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) {
      if (value === null || !Number.isFinite(value)) continue;
      const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
      this.#lines.push(`${name}${pairs.length > 0 ? `{${pairs.join(",")}}` : ""} ${value}`);
    }
  }

  text(): string {
    return this.#lines.join("\n") + "\n";
  }
}

/** The exposition text for `model` and `services`. */
export function prometheusText(model: WebModel, services: readonly ServiceInfo[], extra: MetricsExtra = {}): string {
  const out = new Exposition();
  const pool = { pool: model.pool.poolId };
  const counts = workerCounts(model.pool);
  const states = [...new Set([...WORKER_STATES, ...Object.keys(counts)])];

  out.family(
    "mahavishnu_pool_workers",
    "gauge",
    "Workers in the pool, as the server last reported (else as tracked).",
    [
      [pool, model.pool.workerCount ?? model.pool.workers.size],
    ],
  );
  out.family("mahavishnu_pool_queue_size", "gauge", "Tasks waiting in the pool's queue, as last reported.", [
    [pool, model.pool.queueSize],
  ]);
  out.family(
    "mahavishnu_pool_workers_by_state",
    "gauge",
    "Tracked workers of the pool by their last status.",
    states.map((s) => [{ ...pool, state: s }, counts[s] ?? 0]),
  );
  out.family("mahavishnu_pool_up", "gauge", "1 unless the pool was closed.", [[pool, model.pool.closed ? 0 : 1]]);
  out.family("mahavishnu_pool_tasks_assigned_total", "counter", "task.assigned events seen for the pool.", [
    [pool, model.pool.tasksAssigned],
  ]);
  out.family("mahavishnu_pool_tasks_completed_total", "counter", "task.completed events seen for the pool.", [
    [pool, model.pool.tasksCompleted],
  ]);
  out.family(
    "mahavishnu_workflows",
    "gauge",
    "Workflows seen on the global channel since the monitor started: running now, completed, failed.",
    [
      [{ state: "active" }, activeWorkflows(model.workflows)],
      [{ state: "completed" }, model.workflows.completed],
      [{ state: "failed" }, model.workflows.failed],
    ],
  );
  out.family("mahavishnu_workflow_stages_completed_total", "counter", "workflow.stage_completed events seen.", [
    [{}, model.workflows.stagesCompleted],
  ]);
  out.family("akosha_items", "gauge", "Akosha items seen since the monitor started, by kind.", [
    [{ kind: "insights" }, model.akosha.insights],
    [{ kind: "patterns" }, model.akosha.patterns],
    [{ kind: "anomalies" }, model.akosha.anomalies],
    [{ kind: "aggregations" }, model.akosha.aggregations],
  ]);
  out.family(
    "mahavishnu_monitor_events_total",
    "counter",
    "Events received, by service and event name.",
    services.flatMap((s) => [...s.byEvent].map(([event, n]): [Labels, number] => [{ service: s.name, event }, n])),
  );
  out.family(
    "mahavishnu_monitor_messages_total",
    "counter",
    "Frames received, good or bad, by service.",
    services.map((s) => [{ service: s.name }, s.messages]),
  );
  const unusable: Record<string, number> = {
    mahavishnu: model.workflows.unusable,
    pool: model.pool.unusable,
    akosha: model.akosha.unusable,
  };
  out.family(
    "mahavishnu_monitor_malformed_messages_total",
    "counter",
    "Frames that could not be parsed plus events whose payload could not be used, by service.",
    services.map((s) => [{ service: s.name }, s.malformed + (unusable[s.name] ?? 0)]),
  );
  out.family(
    "mahavishnu_monitor_reconnects_total",
    "counter",
    "Reconnect attempts, by service.",
    services.map((s) => [{ service: s.name }, s.reconnects]),
  );
  out.family(
    "mahavishnu_monitor_connection_state",
    "gauge",
    "1 for the current state of each service's connection, 0 for the others.",
    services.flatMap((s) =>
      CONNECTION_STATES.map((state): [Labels, number] => [
        { service: s.name, state },
        (s.status?.state ?? "connecting") === state ? 1 : 0,
      ])
    ),
  );
  out.family(
    "mahavishnu_monitor_connection_up",
    "gauge",
    "1 when the service's connection is connected.",
    services.map((s) => [{ service: s.name }, s.status?.state === "connected" ? 1 : 0]),
  );
  if (extra.clients !== undefined) {
    out.family("mahavishnu_monitor_web_clients", "gauge", "Browser pages with an open push channel.", [
      [{}, extra.clients],
    ]);
  }
  if (extra.sent !== undefined) {
    out.family("mahavishnu_monitor_web_messages_total", "counter", "Messages pushed to pages.", [[{}, extra.sent]]);
  }
  if (extra.skipped !== undefined) {
    out.family(
      "mahavishnu_monitor_web_frames_skipped_total",
      "counter",
      "Frames not sent to a page whose connection was backed up (it gets the next one).",
      [[{}, extra.skipped]],
    );
  }
  return out.text();
}
