import assert from "node:assert/strict";
import { formatDuration, parseTimestamp } from "./timestamp.ts";

Deno.test("parseTimestamp() accepts zoned and zone-less ISO strings", async (t) => {
  await t.step("Z", () => {
    assert.deepEqual(parseTimestamp("2026-02-10T23:59:59.123Z"), {
      ms: Date.UTC(2026, 1, 10, 23, 59, 59, 123),
      zoned: true,
    });
  });
  await t.step("+00:00 with microseconds", () => {
    assert.deepEqual(parseTimestamp("2026-02-10T23:59:59.123456+00:00"), {
      ms: Date.UTC(2026, 1, 10, 23, 59, 59, 123),
      zoned: true,
    });
  });
  await t.step("offset", () => {
    assert.equal(parseTimestamp("2026-02-10T10:00:00+02:00")?.ms, Date.UTC(2026, 1, 10, 8, 0, 0));
    assert.equal(parseTimestamp("2026-02-10T10:00:00-0530")?.ms, Date.UTC(2026, 1, 10, 15, 30, 0));
  });
  await t.step("zone-less is local time", () => {
    assert.deepEqual(parseTimestamp("2026-02-10T23:59:59.123456"), {
      ms: new Date(2026, 1, 10, 23, 59, 59, 123).getTime(),
      zoned: false,
    });
  });
  await t.step("garbage is null, never a throw", () => {
    for (
      const bad of ["", "yesterday", "2026-13-01T00:00:00", "2026-02-10", 12345, null, undefined, {}, "x".repeat(1000)]
    ) {
      assert.equal(parseTimestamp(bad), null, String(bad));
    }
  });
});

Deno.test("formatDuration() is compact", () => {
  assert.deepEqual(
    [850, 4200, 65_000, 3_600_000 * 2 + 14 * 60_000, 86_400_000 * 3 + 4 * 3_600_000, -1, NaN].map(formatDuration),
    ["850ms", "4.2s", "1m05s", "2h14m", "3d04h", "?", "?"],
  );
});
