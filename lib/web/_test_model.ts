/** Test helper: a web dashboard model fed envelopes through the decode boundary and the monitor's update. @module */

import { decodeMessage } from "../protocol/decode.ts";
import type { Envelope } from "../protocol/envelope.ts";
import { webDashboard, type WebModel } from "./web_monitor.ts";

/** A model for `poolId` with `update(service, envelope, now)`. */
export function testModel(poolId: string, options: { maxWorkflowDetails?: number } = {}) {
  const web = webDashboard({
    mahavishnuUrl: "ws://127.0.0.1:1",
    poolUrl: "ws://127.0.0.1:1",
    poolId,
    akoshaUrl: "ws://127.0.0.1:2",
    akoshaChannels: ["insights", "anomalies"],
    maxWorkflowDetails: options.maxWorkflowDetails,
  });
  const model: WebModel = web.monitor.init(0);
  return {
    model,
    update: (service: string, message: Envelope, now: number) =>
      web.monitor.update(model, { service, event: decodeMessage(message) }, now),
  };
}
