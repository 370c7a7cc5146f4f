import assert from "node:assert/strict";
import { createMetrics, eventsPerSecond, latencyPercentiles, recordEvent, sparkline } from "./metrics.ts";

Deno.test("metrics count events per second and latency from zoned timestamps", () => {
  const t0 = Date.UTC(2026, 0, 1, 0, 0, 0);
  const m = createMetrics(t0);
  for (let i = 0; i < 10; i++) recordEvent(m, t0 + 100 + i, t0 + 100 + i - 20);
  for (let i = 0; i < 5; i++) recordEvent(m, t0 + 1100, null);
  assert.equal(eventsPerSecond(m, t0 + 2100), 5);
  assert.deepEqual(latencyPercentiles(m), { p50: 20, p99: 20 }, "events without a time are counted, not timed");
  assert.equal(sparkline(m, t0 + 2100, 3), " █▄");
});
