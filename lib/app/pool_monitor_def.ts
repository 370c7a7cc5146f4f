/**
 * The pool monitor as a value: one source (`pool:ID` on a Mahavishnu
 * server, with a `get_pool_status` snapshot after every connect), the pool
 * reducer, the pool view and the pool's alert fields.
 *
 * @module
 */

import { createPoolState, poolAlertValues, type PoolState, reducePool } from "../model/pool_state.ts";
import { getPoolStatusRequest } from "../protocol/envelope.ts";
import { poolView } from "../ui/pool_view.ts";
import type { Monitor } from "./monitor.ts";
import { type Holder, singleSourceMonitor, type SingleSourceOptions } from "./_single_source_monitor.ts";

/** Options for {@link poolMonitor}. */
export interface PoolMonitorOptions extends SingleSourceOptions {
  /** Events kept in the history. Default 500. */
  historySize?: number;
}

/** The fields `--alert` rules may use on a pool (`workers.*` is the family of per-status counts). */
export const POOL_ALERT_FIELDS: readonly string[] = [...Object.keys(poolAlertValues(createPoolState(""))), "workers.*"];

/** A monitor for the pool `poolId`. */
export function poolMonitor(poolId: string, options: PoolMonitorOptions): Monitor<Holder<PoolState>> {
  return singleSourceMonitor({
    name: "pool",
    channel: `pool:${poolId}`,
    snapshot: () => getPoolStatusRequest(poolId),
    options,
    create: () => createPoolState(poolId, { historySize: options.historySize }),
    reduce: (state, input, now) => reducePool(state, input.event, now),
    view: poolView,
    alertValues: poolAlertValues,
  });
}
