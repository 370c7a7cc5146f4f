import assert from "node:assert/strict";
import { Liveness } from "./liveness.ts";
import { VirtualScheduler } from "./scheduler.ts";

function watch(clock: VirtualScheduler, canProbe = () => true) {
  const log = { probes: [] as number[], dead: [] as number[] };
  const liveness = new Liveness(clock, {
    idleMs: 1000,
    probeTimeoutMs: 300,
    probe: () => {
      if (!canProbe()) return false;
      log.probes.push(clock.now());
      return true;
    },
    dead: () => log.dead.push(clock.now()),
  });
  return { liveness, log };
}

Deno.test("Liveness sends no probe while frames keep coming", async () => {
  const clock = new VirtualScheduler();
  const { liveness, log } = watch(clock);
  for (let i = 0; i < 20; i++) {
    await clock.advance(600);
    liveness.heard();
  }
  assert.deepEqual(log, { probes: [], dead: [] });
  liveness.stop();
  assert.equal(clock.pending, 0);
});

Deno.test("Liveness: an answered probe is cleared, the link stays alive through many quiet periods", async () => {
  const clock = new VirtualScheduler();
  const { liveness, log } = watch(clock);
  for (let i = 0; i < 5; i++) {
    while (log.probes.length === i) await clock.advance(clock.nextAt! - clock.now());
    assert.ok(liveness.probing);
    await clock.advance(10);
    liveness.heard(); // the answer
    assert.ok(!liveness.probing);
    await clock.advance(400); // well past the probe timeout
    assert.deepEqual(log.dead, [], "an answered probe never kills the link");
  }
  // Quiet time counts from the last frame: each probe 1000 ms after the previous answer.
  assert.deepEqual(log.probes, [1000, 2010, 3020, 4030, 5040]);
  liveness.stop();
});

Deno.test("Liveness: an unanswered probe means dead, exactly at the probe timeout, once", async () => {
  const clock = new VirtualScheduler();
  const { liveness, log } = watch(clock);
  await clock.advance(500);
  liveness.heard();
  await clock.advance(10_000);
  assert.deepEqual(log, { probes: [1500], dead: [1800] });
  assert.equal(clock.pending, 0, "nothing scheduled after death");
  liveness.stop();
});

Deno.test("Liveness: no probe possible yet, so it checks again later without declaring death", async () => {
  const clock = new VirtualScheduler();
  let ready = false;
  const { liveness, log } = watch(clock, () => ready);
  await clock.advance(5000);
  assert.deepEqual(log, { probes: [], dead: [] });
  ready = true;
  await clock.advance(1000);
  assert.deepEqual(log.probes, [6000]);
  liveness.stop();
  await clock.advance(10_000);
  assert.deepEqual(log.dead, [], "stopped: no timer fires");
});
