/**
 * The pool monitor as a value: one source (`pool:ID` on a Mahavishnu
 * server, with a `get_pool_status` snapshot after every connect), the pool
 * reducer, the pool view and the pool's alert fields.
 *
 * @module
 */

import { clearHistory, noteHistory } from "../model/history.ts";
import { createPoolState, poolAlertValues, type PoolState, reducePool } from "../model/pool_state.ts";
import { getPoolStatusRequest } from "../protocol/envelope.ts";
import { poolView } from "../ui/pool_view.ts";
import type { Monitor, SourceSettings } from "./monitor.ts";

/** Options for {@link poolMonitor}. */
export interface PoolMonitorOptions extends SourceSettings {
  /** The server, `ws://HOST:PORT`. */
  url: string;
  /** Events kept in the history. Default 500. */
  historySize?: number;
}

/** The pool monitor's state: the pool reducer's state in a holder the runtime keeps. */
export interface PoolMonitorState {
  pool: PoolState;
}

/** The fields `--alert` rules may use on a pool (`workers.*` is the family of per-status counts). */
export const POOL_ALERT_FIELDS: readonly string[] = [...Object.keys(poolAlertValues(createPoolState(""))), "workers.*"];

/** A monitor for the pool `poolId`. */
export function poolMonitor(poolId: string, options: PoolMonitorOptions): Monitor<PoolMonitorState> {
  return {
    sources: [{
      name: "pool",
      url: options.url,
      channels: [`pool:${poolId}`],
      initialRequests: () => [getPoolStatusRequest(poolId)],
      token: options.token,
      caCerts: options.caCerts,
      connection: options.connection,
    }],
    init: () => ({ pool: createPoolState(poolId, { historySize: options.historySize }) }),
    update: (s, input, now) => {
      const before = s.pool.version;
      s.pool = reducePool(s.pool, input.message, now); // DECODE ADAPTER: the envelope, until decode.ts is in.
      return s.pool.version !== before;
    },
    view: (s, ctx) => poolView(s.pool, ctx),
    alertValues: (s) => poolAlertValues(s.pool),
    history: (s) => [{ service: "pool", entries: s.pool.history.newestFirst() }],
    note: (s, entry) => void noteHistory(s.pool, entry),
    clear: (s) => void clearHistory(s.pool),
  };
}
