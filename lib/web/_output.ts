/**
 * The output interface of the monitor runtime, declared here type-only until
 * `lib/app/output.ts` lands on main; then this file is replaced by an import
 * from there. Shapes match the runtime's.
 *
 * @module
 */

import type { AlertChange } from "../model/alerts.ts";
import type { Envelope, Problem } from "../protocol/envelope.ts";
import type { ConnectionStatus } from "../transport/connection.ts";

/** A message one service sent, as the runtime hands it to outputs. */
export interface Received {
  service: string;
  receivedAt: number;
  raw: string;
  message: Envelope;
}

/** Where the runtime sends what happens; every method but `close` is optional. */
export interface Output {
  received?(r: Received): void;
  status?(service: string, status: ConnectionStatus): void;
  problem?(service: string, problem: Problem, receivedAt: number): void;
  alert?(change: AlertChange, at: number): void;
  changed?(): void;
  close(): Promise<void>;
}
