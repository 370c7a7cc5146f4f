import assert from "node:assert/strict";
import {
  countEvent,
  createMetrics,
  eventsPerSecond,
  latencyPercentiles,
  type Metrics,
  recordLatency,
  sparkline,
  wantsLatency,
} from "./metrics.ts";

/** What the runtime does for each event: count it, and time it when a sample is wanted. */
function recordEvent(m: Metrics, now: number, eventTime: number | null): void {
  countEvent(m, now);
  if (wantsLatency(m, now)) recordLatency(m, now, eventTime);
}

Deno.test("metrics count events per second and latency from zoned timestamps", () => {
  const t0 = Date.UTC(2026, 0, 1, 0, 0, 0);
  const m = createMetrics(t0);
  for (let i = 0; i < 10; i++) recordEvent(m, t0 + 100 + i, t0 + 100 + i - 20);
  for (let i = 0; i < 5; i++) recordEvent(m, t0 + 1100, null);
  assert.equal(eventsPerSecond(m, t0 + 2100), 5);
  assert.deepEqual(latencyPercentiles(m), { p50: 20, p99: 20 }, "events without a time are counted, not timed");
  assert.equal(sparkline(m, t0 + 2100, 3), " █▄");
});

Deno.test("metrics sample latency once per receive time: the first event with a time among those received then", () => {
  const t0 = Date.UTC(2026, 0, 1, 0, 0, 0);
  const m = createMetrics(t0);
  // One socket read: three events received at the same time; the first has no time of its own.
  recordEvent(m, t0 + 500, null);
  recordEvent(m, t0 + 500, t0 + 400);
  recordEvent(m, t0 + 500, t0 + 100);
  assert.deepEqual(latencyPercentiles(m), { p50: 100, p99: 100 }, "the first timed event of the read is sampled");
  assert.equal(wantsLatency(m, t0 + 500), false);
  // The next read: sampled again.
  assert.equal(wantsLatency(m, t0 + 501), true);
  recordEvent(m, t0 + 501, t0 + 201);
  assert.deepEqual(latencyPercentiles(m), { p50: 300, p99: 300 });
  assert.equal(eventsPerSecond(m, t0 + 1500), 4, "every event is counted");
});

Deno.test("metrics ignore latencies of clocks too far apart, and keep wanting a sample", () => {
  const t0 = Date.UTC(2026, 0, 1, 0, 0, 0);
  const m = createMetrics(t0);
  recordEvent(m, t0, t0 + 120_000);
  assert.equal(latencyPercentiles(m), null);
  assert.equal(wantsLatency(m, t0), true);
});
