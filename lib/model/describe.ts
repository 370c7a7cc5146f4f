/**
 * One line of text for any decoded event, for monitors that show an event
 * of another domain generically (a workflow event on the pool channel, an
 * unknown event name).
 *
 * @module
 */

import type { DomainEvent } from "../protocol/events.ts";
import { errorText } from "./history.ts";

const HEADER_FIELDS: ReadonlySet<string> = new Set(["kind", "name", "id", "room", "stamp", "severity"]);

/** `key=value` text of an event's own fields (its payload details when it has them). */
export function describeEvent(event: DomainEvent): string {
  if ("details" in event) return event.details;
  if (event.kind === "unusable") return `unusable: ${event.reason}`;
  if (event.kind === "error") return errorText(event);
  const parts: string[] = [];
  for (const [key, value] of Object.entries(event)) {
    if (HEADER_FIELDS.has(key) || value === null || value === "") continue;
    parts.push(`${key}=${typeof value === "object" ? JSON.stringify(value) : String(value)}`);
  }
  return parts.join(" ");
}
