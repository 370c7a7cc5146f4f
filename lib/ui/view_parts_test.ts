import assert from "node:assert/strict";
import type { ConnectionStatus } from "../transport/connection.ts";
import { createStyle } from "./style.ts";
import { connectionBadge } from "./view_parts.ts";

const base: ConnectionStatus = { state: "connected", url: "ws://x", attempt: 0, retryAt: null, reason: null, since: 0 };

Deno.test("connectionBadge() shows a refused subscription as a yellow warning, not a green connected", () => {
  const style = createStyle(true);
  assert.equal(connectionBadge(base, 0, style), style.green("● connected"));
  const refused = { ...base, refused: [{ channel: "pool:x", code: "FORBIDDEN" }] };
  assert.equal(connectionBadge(refused, 0, style), style.yellow("⚠ refused pool:x (FORBIDDEN)"));
  const two = {
    ...base,
    refused: [{ channel: "pool:x", code: "RATE_LIMIT_EXCEEDED" }, { channel: "pool:y", code: "FORBIDDEN" }],
  };
  assert.equal(connectionBadge(two, 0, createStyle(false)), "⚠ refused pool:x (RATE_LIMIT_EXCEEDED) +1");
});
