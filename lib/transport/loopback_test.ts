import assert from "node:assert/strict";
import { isLoopback } from "./loopback.ts";

Deno.test("isLoopback() knows localhost, 127/8 and ::1 only", () => {
  for (const h of ["localhost", "LOCALHOST", "127.0.0.1", "127.3.2.1", "::1", "[::1]"]) assert.ok(isLoopback(h), h);
  for (
    const h of ["0.0.0.0", "10.0.0.1", "128.0.0.1", "example.com", "127.0.0.1.evil.com", "::", "::2", "a.localhost"]
  ) {
    assert.ok(!isLoopback(h), h);
  }
});
