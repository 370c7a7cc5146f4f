import assert from "node:assert/strict";
import { eventTime, FUTURE_WINDOW_MS, PAST_WINDOW_MS } from "./event_time.ts";

const START = Date.UTC(2026, 1, 10, 12, 0, 0);
const NOW = START + 60_000;

Deno.test("eventTime() keeps plausible times and replaces implausible ones by the receive time", () => {
  assert.deepEqual(eventTime(null, NOW, START), { at: NOW, skewed: false });
  assert.deepEqual(eventTime(NOW - 5000, NOW, START), { at: NOW - 5000, skewed: false });
  assert.deepEqual(eventTime(START - PAST_WINDOW_MS, NOW, START), { at: START - PAST_WINDOW_MS, skewed: false });
  assert.deepEqual(eventTime(NOW + FUTURE_WINDOW_MS, NOW, START), { at: NOW + FUTURE_WINDOW_MS, skewed: false });
  assert.deepEqual(eventTime(START - PAST_WINDOW_MS - 1, NOW, START), { at: NOW, skewed: true });
  assert.deepEqual(eventTime(NOW + FUTURE_WINDOW_MS + 1, NOW, START), { at: NOW, skewed: true });
  assert.deepEqual(eventTime(Date.UTC(1, 0, 1), NOW, START), { at: NOW, skewed: true });
  assert.deepEqual(eventTime(Date.UTC(9999, 0, 1), NOW, START), { at: NOW, skewed: true });
});
