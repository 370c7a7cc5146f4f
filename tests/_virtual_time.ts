/**
 * Drives a {@link Connection} on a {@link VirtualScheduler} against real
 * sockets: virtual time moves only while the connection waits on a timer,
 * and real time passes only while it waits on the network.
 *
 * @module
 */

import type { Connection } from "../lib/transport/connection.ts";
import type { VirtualScheduler } from "../lib/transport/scheduler.ts";
import { waitFor } from "./_script_server.ts";

/**
 * Lets `ms` of virtual time pass for a connection whose server is down or
 * refusing: waits (real time) until it is backing off, then jumps to its next
 * attempt, until `ms` have passed (count attempts with `onStatus`).
 */
export async function advanceWhileRetrying(clock: VirtualScheduler, c: Connection, ms: number): Promise<void> {
  const end = clock.now() + ms;
  while (clock.now() < end) {
    await waitFor(() => c.phase === "backing_off", "the connection to back off");
    await clock.advance(Math.min((c.status.retryAt ?? end) - clock.now(), end - clock.now()));
  }
}
