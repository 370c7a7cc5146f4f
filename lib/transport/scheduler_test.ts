import assert from "node:assert/strict";
import { realScheduler, VirtualScheduler } from "./scheduler.ts";

Deno.test("VirtualScheduler.advance() fires due timers in time order, at their own time", async () => {
  const clock = new VirtualScheduler(1000);
  const fired: string[] = [];
  clock.setTimeout(() => fired.push(`b@${clock.now()}`), 200);
  clock.setTimeout(() => fired.push(`a@${clock.now()}`), 100);
  clock.setTimeout(() => fired.push(`c@${clock.now()}`), 200);
  const cancelled = clock.setTimeout(() => fired.push("cancelled"), 50);
  clock.clearTimeout(cancelled);
  await clock.advance(150);
  assert.deepEqual(fired, ["a@1100"]);
  assert.equal(clock.now(), 1150);
  assert.equal(clock.pending, 2);
  assert.equal(clock.nextAt, 1200);
  await clock.advance(50);
  assert.deepEqual(fired, ["a@1100", "b@1200", "c@1200"]);
  assert.equal(clock.nextAt, null);
});

Deno.test("VirtualScheduler.advance() fires timers that firing timers set, within the same advance", async () => {
  const clock = new VirtualScheduler();
  const at: number[] = [];
  const tick = () => {
    at.push(clock.now());
    clock.setTimeout(tick, 300);
  };
  clock.setTimeout(tick, 300);
  await clock.advance(1000);
  assert.deepEqual(at, [300, 600, 900]);
  assert.equal(clock.now(), 1000);
  await assert.rejects(() => clock.advance(-1), RangeError);
});

Deno.test("realScheduler runs on the wall clock", async () => {
  const start = realScheduler.now();
  assert.ok(Math.abs(start - Date.now()) < 50);
  await new Promise<void>((resolve) => realScheduler.setTimeout(resolve, 5));
  const never = realScheduler.setTimeout(() => assert.fail("cleared timer fired"), 1);
  realScheduler.clearTimeout(never);
  await new Promise((r) => setTimeout(r, 10));
});
