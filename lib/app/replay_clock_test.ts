import assert from "node:assert/strict";
import { ReplayClock, replayClockFor } from "./replay_clock.ts";

Deno.test("ReplayClock runs on recorded time: scaled by speed, jumps to delivered frames, stops at the last", () => {
  let wall = 1_000_000;
  const clock = new ReplayClock(5_000, 65_000, 10, () => wall);
  assert.equal(clock.now(), 5_000);
  wall += 1_000; // one wall second at speed 10
  assert.equal(clock.now(), 15_000);
  clock.delivered(40_000); // a frame recorded later than the clock: jump
  assert.equal(clock.now(), 40_000);
  clock.delivered(20_000); // an earlier one: time never goes back
  assert.equal(clock.now(), 40_000);
  wall += 60_000;
  assert.equal(clock.now(), 65_000, "never past the last recorded time");
  assert.throws(() => new ReplayClock(10, 5), RangeError);
});

Deno.test("replayClockFor() spans the readable times of the frames, or is null", () => {
  const clock = replayClockFor(
    [{ t: "2026-01-01T00:00:02Z" }, { t: "nonsense" }, { t: "2026-01-01T00:00:01Z" }],
    1,
    () => 0,
  );
  assert.equal(clock?.now(), Date.UTC(2026, 0, 1, 0, 0, 1));
  assert.equal(replayClockFor([{ t: "x" }]), null);
});
