/**
 * The event mixes the flood sender serves, made by the demo simulation
 * (`lib/demo/simulation.ts`) and chosen by what a connection subscribed to:
 * - `pool:ID`: every pool, worker, task and workflow event the simulation
 *   makes (both simulated pools), relabelled to the room `pool:ID` and
 *   `pool_id: ID` (the same mix the figures were measured with);
 * - `workflow:ID`: the lifecycle events of the simulation's `wf_123`, relabelled to `ID`;
 * - `global`: the workflow events of every workflow;
 * - anything else (Akosha's `insights`, `patterns`, `anomalies`, ...): the
 *   Akosha events broadcast to that room.
 *
 * @module
 */

import { Simulation, utcStamp } from "../lib/demo/simulation.ts";
import { seededRandom } from "../lib/transport/random.ts";

/** One event to send: room, name and payload. */
export interface Template {
  room: string;
  event: string;
  data: Record<string, unknown>;
}

/** Options for {@link mixFor}. */
export interface MixOptions {
  /** How many events (the mix repeats). Default 4000. */
  count?: number;
  /** Wall clock the data timestamps end at. Default `Date.now()`. */
  now?: number;
}

const STEP_MS = 50;
const MAX_STEPS = 400_000;

/** The events a connection subscribed to `channels` receives, in simulation order. */
export function mixFor(channels: readonly string[], options: MixOptions = {}): Template[] {
  const count = options.count ?? 4000;
  // A first pass learns the simulated span, so that the data timestamps of the second end about now.
  const span = simulate(channels, count, 0).span;
  return simulate(channels, count, (options.now ?? Date.now()) - span).out;
}

function simulate(channels: readonly string[], count: number, start: number): { out: Template[]; span: number } {
  const pool = channels.find((c) => c.startsWith("pool:"))?.slice(5);
  const workflow = channels.find((c) => c.startsWith("workflow:"))?.slice(9);
  const global = channels.includes("global");
  const akosha = channels.filter((c) => !c.startsWith("pool:") && !c.startsWith("workflow:") && c !== "global");
  const sim = new Simulation({ random: seededRandom(1), now: start });
  const out: Template[] = [];
  let t = start;
  for (let step = 0; step < MAX_STEPS && out.length < count; step++) {
    t += STEP_MS;
    if (pool !== undefined) {
      for (const e of [...sim.poolStep(t), ...sim.workflowStep(t)]) {
        out.push({ room: `pool:${pool}`, event: e.event, data: { ...e.data, pool_id: pool } });
      }
      continue;
    }
    if (workflow !== undefined || global) {
      for (const e of sim.workflowStep(t)) {
        if (global && e.rooms.includes("global")) out.push({ room: "global", event: e.event, data: e.data });
        else if (workflow !== undefined && e.rooms.includes("workflow:wf_123")) {
          const data = e.data.workflow_id === "wf_123" ? { ...e.data, workflow_id: workflow } : e.data;
          out.push({ room: `workflow:${workflow}`, event: e.event, data });
        }
      }
    }
    if (akosha.length > 0) {
      for (const e of sim.akoshaStep(t)) {
        const room = e.rooms.find((r) => akosha.includes(r));
        if (room) out.push({ room, event: e.event, data: e.data });
      }
    }
  }
  return { out: out.slice(0, count), span: t - start };
}

/** The same event with a fresh data timestamp (for paced sending). */
export function refreshed(t: Template, now: number, extra: Record<string, unknown>): Template {
  const data = "timestamp" in t.data ? { ...t.data, timestamp: utcStamp(now), ...extra } : { ...t.data, ...extra };
  return { ...t, data };
}
