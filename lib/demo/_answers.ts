/**
 * What each simulated service answers to a request other than
 * subscribe/unsubscribe, exactly as the real servers do (see
 * `docs/PROTOCOL.md`): placeholders where they answer placeholders, a normal
 * response for an unknown pool, no answer at all for a request lacking its id.
 *
 * @module
 */

import type { Simulation } from "./simulation.ts";

/** Which server an endpoint plays. */
export type Service = "mahavishnu" | "akosha";

/** A reply: a response, an error, or nothing at all. */
export type Answer =
  | { kind: "response"; data: Record<string, unknown> }
  | { kind: "error"; code: "UNKNOWN_REQUEST"; message: string }
  | { kind: "none" };

/** Where the answers come from; `sim` is null when the server replays a recording (it has no pool manager). */
export interface AnswerContext {
  sim: Simulation | null;
}

/** Python's truthiness for a request field: the real servers test `if pool_id:`. */
function truthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === "") return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.keys(value).length > 0;
  return true;
}

/** The answer of `service` to request `event` with `data`. */
export function answerRequest(
  service: Service,
  event: string | null,
  data: Record<string, unknown>,
  context: AnswerContext,
): Answer {
  if (service === "akosha") {
    switch (event) {
      case "get_patterns":
        return {
          kind: "response",
          data: { category: truthy(data.category) ? data.category : "all", patterns: [], count: 0 },
        };
      case "get_anomalies":
        return { kind: "response", data: { anomalies: [], count: 0 } };
    }
  } else {
    switch (event) {
      case "get_pool_status": {
        const id = data.pool_id;
        if (!truthy(id) || !context.sim) return { kind: "none" };
        const snapshot = typeof id === "string" ? context.sim.poolSnapshot(id) : null;
        return { kind: "response", data: snapshot ?? { pool_id: id, status: "not_found" } };
      }
      case "get_workflow_status": {
        const id = data.workflow_id;
        if (!truthy(id) || !context.sim) return { kind: "none" };
        // The real server's answer is a placeholder, whatever the workflow.
        return {
          kind: "response",
          data: { workflow_id: id, status: "running", stages_completed: 0, total_stages: 10 },
        };
      }
    }
  }
  return {
    kind: "error",
    code: "UNKNOWN_REQUEST",
    message: `Unknown request event: ${(event ?? "None").slice(0, 100)}`,
  };
}
