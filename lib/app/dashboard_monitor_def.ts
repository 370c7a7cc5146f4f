/**
 * The multi-service dashboard as one monitor with three sources, each its
 * own connection: Mahavishnu workflows (`global`), one pool (`pool:ID`)
 * and Akosha insights. Each input goes to the reducer of its source.
 *
 * @module
 */

import { clearHistory, noteHistory } from "../model/history.ts";
import {
  activeWorkflows,
  createAkoshaOverview,
  createWorkflowsOverview,
  reduceAkoshaOverview,
  reduceWorkflowsOverview,
} from "../model/overview_state.ts";
import { createPoolState, poolAlertValues, reducePool } from "../model/pool_state.ts";
import { getPoolStatusRequest } from "../protocol/envelope.ts";
import { type DashboardState, dashboardView } from "../ui/dashboard_view.ts";
import type { Monitor, SourceSettings } from "./monitor.ts";
import { POOL_ALERT_FIELDS } from "./pool_monitor_def.ts";
import { noteExtraChannel } from "./_extra_channels.ts";

/** Options for {@link dashboardMonitor}. */
export interface DashboardMonitorOptions extends SourceSettings {
  /** The Mahavishnu server for workflows, `ws://HOST:PORT`. */
  mahavishnuUrl: string;
  /** The Mahavishnu server of the pool. */
  poolUrl: string;
  /** The pool to show. */
  poolId: string;
  /** The Akosha server. */
  akoshaUrl: string;
  /** Akosha channels. Default `insights`. */
  akoshaChannels?: string[];
  /** The `patterns:TYPE` types among `akoshaChannels`, named in the Akosha panel. */
  patternTypes?: string[];
  /** Each service's token (none when absent); `token` is not used. */
  tokens?: { mahavishnu?: string; pool?: string; akosha?: string };
  /** Events kept in each history. Default 500. */
  historySize?: number;
  /** More Mahavishnu channels to follow (`--subscribe`), shown in the workflows history when not used otherwise. */
  extraChannels?: string[];
}

/** The fields `--alert` rules may use on the dashboard: the pool's and the overviews'. */
export const DASHBOARD_ALERT_FIELDS: readonly string[] = [
  ...POOL_ALERT_FIELDS,
  "workflows.active",
  "workflows.failed",
  "workflows.completed",
  "insights",
  "patterns",
  "anomalies",
  "anomalies.critical",
  "anomalies.high",
];

/** The dashboard: workflows, a pool and Akosha side by side. */
export function dashboardMonitor(options: DashboardMonitorOptions): Monitor<DashboardState> {
  const shared = { caCerts: options.caCerts, connection: options.connection };
  const tokens = options.tokens ?? {};
  const akoshaChannels = options.akoshaChannels?.length ? options.akoshaChannels : ["insights"];
  const extra = new Set((options.extraChannels ?? []).filter((c) => c !== "global"));
  return {
    sources: [
      {
        name: "mahavishnu",
        url: options.mahavishnuUrl,
        channels: ["global", ...extra],
        token: tokens.mahavishnu,
        ...shared,
      },
      {
        name: "pool",
        url: options.poolUrl,
        channels: [`pool:${options.poolId}`],
        initialRequests: () => [getPoolStatusRequest(options.poolId)],
        token: tokens.pool,
        ...shared,
      },
      { name: "akosha", url: options.akoshaUrl, channels: akoshaChannels, token: tokens.akosha, ...shared },
    ],
    init: () => {
      const akosha = createAkoshaOverview(options.historySize, {
        channels: akoshaChannels.filter((c) => !c.startsWith("patterns:")),
        patternTypes: options.patternTypes ?? [],
      });
      return {
        workflows: createWorkflowsOverview(options.historySize),
        pool: createPoolState(options.poolId, { historySize: options.historySize }),
        akosha,
      };
    },
    update: (s, input, now) => {
      const before = version(s);
      const m = input.event;
      if (input.service === "mahavishnu") s.workflows = reduceWorkflowsOverview(s.workflows, m, now);
      else if (input.service === "pool") s.pool = reducePool(s.pool, m, now);
      else if (input.service === "akosha") s.akosha = reduceAkoshaOverview(s.akosha, m, now);
      const changed = version(s) !== before;
      return changed || (input.service === "mahavishnu" && noteExtraChannel(s.workflows, extra, input, now));
    },
    view: dashboardView,
    alertValues: (s) => ({
      ...poolAlertValues(s.pool),
      "workflows.active": activeWorkflows(s.workflows),
      "workflows.failed": s.workflows.failed,
      "workflows.completed": s.workflows.completed,
      insights: s.akosha.insights,
      patterns: s.akosha.patterns,
      anomalies: s.akosha.anomalies,
      "anomalies.critical": s.akosha.anomalyLevels.critical,
      "anomalies.high": s.akosha.anomalyLevels.high,
    }),
    history: (s) => [
      { service: "mahavishnu", entries: s.workflows.history.newestFirst() },
      { service: "pool", entries: s.pool.history.newestFirst() },
      { service: "akosha", entries: s.akosha.history.newestFirst() },
    ],
    note: (s, entry) => void noteHistory(s.pool, entry),
    clear: (s) => {
      clearHistory(s.workflows);
      clearHistory(s.akosha);
      clearHistory(s.pool);
    },
  };
}

function version(s: DashboardState): number {
  return s.workflows.version + s.pool.version + s.akosha.version;
}
