/**
 * TEMPORARY wiring until the monitor runtime (`lib/app/runtime.ts`) lands:
 * one {@link Connection} per service, each message applied to the model and
 * handed to the outputs through the runtime's {@link Output} interface. When
 * the runtime is on main, `web_dashboard.ts` builds a monitor value instead
 * and this file goes away.
 *
 * @module
 */

import type { Envelope } from "../protocol/envelope.ts";
import { Connection } from "../transport/connection.ts";
import type { Output } from "./_output.ts";

/** One upstream service. */
export interface UpstreamSource {
  name: string;
  url: string;
  channels: string[];
  initialRequests?: () => Envelope[];
  token?: string;
  caCerts?: string[];
}

/** Options for {@link connectUpstream}. */
export interface UpstreamOptions {
  /** Applies one message to the model. */
  apply(service: string, message: Envelope, now: number): void;
  /** A number that changes whenever the model changed. */
  version(): number;
}

/** Opens one connection per source; resolves nothing, returns a closer. */
export function connectUpstream(
  sources: UpstreamSource[],
  outputs: Output[],
  options: UpstreamOptions,
): { connections: Connection[]; close(): Promise<void> } {
  let version = options.version();
  const connections = sources.map((source) =>
    new Connection(source.url, {
      channels: source.channels,
      token: source.token,
      caCerts: source.caCerts,
      initialRequests: source.initialRequests,
      onMessage: (message, info) => {
        for (const o of outputs) {
          o.received?.({ service: source.name, receivedAt: info.receivedAt, raw: info.raw, message });
        }
        options.apply(source.name, message, info.receivedAt);
        const next = options.version();
        if (next !== version) {
          version = next;
          for (const o of outputs) {
            o.changed?.();
          }
        }
      },
      onProblem: (problem, receivedAt) => {
        for (const o of outputs) {
          o.problem?.(source.name, problem, receivedAt);
        }
      },
      onStatus: (status) => {
        for (const o of outputs) o.status?.(source.name, status);
      },
    })
  );
  for (const c of connections) c.start();
  return {
    connections,
    async close() {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.all(connections.map((c) => c.close())),
        new Promise((resolve) => timer = setTimeout(resolve, 2000)),
      ]);
      clearTimeout(timer);
    },
  };
}
