/**
 * Live metrics for the status line: events per second (now and a
 * sparkline over the last minute) and end-to-end latency (receive time
 * minus the event's own timestamp, when that carries a zone). Updates in
 * place in O(1) per event; time comes in as a parameter. Latency is sampled
 * once per receive time: under a flood the events handed over in one turn
 * of the event loop share it, and reading every event's timestamp was the
 * costliest part of decoding them.
 *
 * @module
 */

const BUCKETS = 60;
const SAMPLES = 512;

/** Counters behind the metrics line. */
export interface Metrics {
  /** Events per one-second bucket, the last 60 seconds. */
  buckets: number[];
  /** Start (ms) of the newest bucket. */
  bucketStart: number;
  /** Recent latency samples (ms), a ring. */
  latencies: number[];
  latencyNext: number;
  /** Receive time of the last latency sample (NaN before any). */
  sampledAt: number;
}

/** Fresh metrics starting at `now`. */
export function createMetrics(now: number): Metrics {
  return {
    buckets: new Array(BUCKETS).fill(0),
    bucketStart: now - (now % 1000),
    latencies: [],
    latencyNext: 0,
    sampledAt: NaN,
  };
}

function advance(m: Metrics, now: number): void {
  const steps = Math.floor((now - m.bucketStart) / 1000);
  if (steps <= 0) return;
  const shift = Math.min(steps, BUCKETS);
  m.buckets.splice(0, shift);
  for (let i = 0; i < shift; i++) m.buckets.push(0);
  m.bucketStart += steps * 1000;
}

/** Counts one event received at `now`. */
export function countEvent(m: Metrics, now: number): void {
  advance(m, now);
  m.buckets[BUCKETS - 1]++;
}

/** True while no latency was sampled for the receive time `now`: take one from an event received then. */
export function wantsLatency(m: Metrics, now: number): boolean {
  return m.sampledAt !== now;
}

/** Samples the latency of an event received at `now` with its own time `eventTime` (ms; null when it had none). */
export function recordLatency(m: Metrics, now: number, eventTime: number | null): void {
  if (eventTime === null) return;
  const latency = now - eventTime;
  if (latency < -60_000 || latency > 3_600_000) return; // Clocks too far apart to mean anything.
  m.sampledAt = now;
  if (m.latencies.length < SAMPLES) m.latencies.push(latency);
  else m.latencies[m.latencyNext] = latency;
  m.latencyNext = (m.latencyNext + 1) % SAMPLES;
}

/** Events in the last complete second. */
export function eventsPerSecond(m: Metrics, now: number): number {
  advance(m, now);
  return m.buckets[BUCKETS - 2];
}

/** p50 and p99 of the recent latencies, or null when none. */
export function latencyPercentiles(m: Metrics): { p50: number; p99: number } | null {
  if (m.latencies.length === 0) return null;
  const sorted = [...m.latencies].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  return { p50: at(0.5), p99: at(0.99) };
}

const BARS = "▁▂▃▄▅▆▇█";

/** A sparkline of the last `width` seconds. */
export function sparkline(m: Metrics, now: number, width = 30): string {
  advance(m, now);
  const values = m.buckets.slice(-width - 1, -1);
  const max = Math.max(1, ...values);
  return values.map((v) => v === 0 ? " " : BARS[Math.min(7, Math.floor(v / max * 7.999))]).join("");
}
