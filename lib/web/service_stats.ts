/**
 * Per-service facts the page and `/metrics` show beside the model: the
 * connection status, message/malformed/reconnect counters and events counted
 * by name (bounded: a hostile server cannot grow the label set).
 *
 * @module
 */

import type { ConnectionStatus } from "../transport/connection.ts";

/** Event names counted separately per service; the rest go under {@link OTHER_EVENTS}. */
export const MAX_EVENT_NAMES = 100;
/** The label of events beyond {@link MAX_EVENT_NAMES}. */
export const OTHER_EVENTS = "_other";

/** One service's counters. */
export interface ServiceInfo {
  name: string;
  /** The upstream URL (no token: tokens never leave the process). */
  url: string;
  /** Null until the first status report. */
  status: ConnectionStatus | null;
  /** Frames received, good or bad. */
  messages: number;
  /** Frames that could not be parsed. */
  malformed: number;
  /** Reconnect attempts scheduled. */
  reconnects: number;
  /** Events received (type `event`). */
  events: number;
  /** Events by raw name (cleaned when shown). */
  byEvent: Map<string, number>;
}

/** The counters of every service, in the order they were declared. */
export class ServiceStats {
  readonly services: ServiceInfo[];
  #byName = new Map<string, ServiceInfo>();

  constructor(services: { name: string; url: string }[]) {
    this.services = services.map((s) => ({
      name: s.name,
      url: s.url,
      status: null,
      messages: 0,
      malformed: 0,
      reconnects: 0,
      events: 0,
      byEvent: new Map(),
    }));
    for (const s of this.services) this.#byName.set(s.name, s);
  }

  /** The service called `name`, created on first use. */
  get(name: string): ServiceInfo {
    let s = this.#byName.get(name);
    if (!s) {
      s = { name, url: "", status: null, messages: 0, malformed: 0, reconnects: 0, events: 0, byEvent: new Map() };
      this.services.push(s);
      this.#byName.set(name, s);
    }
    return s;
  }

  /** Counts a parsed message; `event` is its name when its type is `event`. */
  received(service: string, event: string | null): void {
    const s = this.get(service);
    s.messages++;
    if (event === null) return;
    s.events++;
    const key = s.byEvent.has(event) || s.byEvent.size < MAX_EVENT_NAMES ? event : OTHER_EVENTS;
    s.byEvent.set(key, (s.byEvent.get(key) ?? 0) + 1);
  }

  /** Counts a frame that could not be parsed. */
  problem(service: string): void {
    const s = this.get(service);
    s.messages++;
    s.malformed++;
  }

  /** Records a status change (each entry into `reconnecting` is one reconnect). */
  status(service: string, status: ConnectionStatus): void {
    const s = this.get(service);
    if (status.state === "reconnecting") s.reconnects++;
    s.status = status;
  }
}
