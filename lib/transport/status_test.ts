import assert from "node:assert/strict";
import { type ConnectionPhase, type ConnectionState, publicState } from "./status.ts";

Deno.test("publicState() keeps the states views know and adds config_error", () => {
  const table: [ConnectionPhase, ConnectionState][] = [
    ["idle", "connecting"],
    ["connecting", "connecting"],
    ["authenticating", "connecting"],
    ["awaiting_welcome", "connecting"],
    ["subscribing", "connected"],
    ["connected", "connected"],
    ["backing_off", "reconnecting"],
    ["auth_failed", "auth_failed"],
    ["config_error", "config_error"],
    ["closed", "closed"],
  ];
  for (const [phase, state] of table) assert.equal(publicState(phase), state, phase);
});
