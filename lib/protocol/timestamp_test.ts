import assert from "node:assert/strict";
import { formatDuration, formatElapsed, parseTimestamp, zonedIsoMs } from "./timestamp.ts";

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

Deno.test("zonedIsoMs() agrees with Date.parse on the zoned shapes, NaN on the rest", () => {
  const random = (n: number) => Math.floor(Math.random() * n);
  const two = (n: number) => String(n).padStart(2, "0");
  for (let i = 0; i < 2000; i++) {
    const ms = Date.UTC(1970 + random(100), random(12), 1 + random(28), random(24), random(60), random(60));
    const base = new Date(ms).toISOString().slice(0, 19);
    const fraction = ["", ".5", ".12", ".123", ".123456", ",25"][random(6)];
    const offset = random(14 * 60);
    const sign = random(2) ? "+" : "-";
    const zone = ["Z", "z", `${sign}${two(offset / 60 | 0)}:${two(offset % 60)}`, `${sign}${two(offset / 60 | 0)}`][
      random(4)
    ];
    const text = `${base}${fraction}${zone}`;
    const oracleZone = zone.length === 3 ? `${zone}:00` : zone.toUpperCase(); // Date.parse wants ±HH:MM.
    const expected = Date.parse(`${base}${fraction.replace(",", ".").slice(0, 4)}${oracleZone}`);
    assert.equal(zonedIsoMs(text), expected, text);
    assert.deepEqual(parseTimestamp(text), { ms: expected, zoned: true }, text);
  }
  assert.equal(zonedIsoMs("2026-02-10T10:00:00-0530"), Date.UTC(2026, 1, 10, 15, 30, 0));
  for (
    const other of [
      "2026-02-10T23:59:59",
      "2026-02-10T23:59:59.123456",
      " 2026-02-10T23:59:59Z",
      "2026-02-10T23:59:59 Z",
      "2026-02-10T23:59Z",
      "2026-02-10T23:59:59.Z",
      "2026-13-10T23:59:59Z",
      "2026-02-10T24:00:00Z",
      "2026-02-10T23:59:59+0",
      "2026-02-10T23:59:59+01:0x",
      "2026-02-10T23:59:59.1" + "2".repeat(60) + "Z",
      "2026-02-10x23:59:59Z",
    ]
  ) {
    assert.ok(Number.isNaN(zonedIsoMs(other)), other);
  }
  assert.equal(parseTimestamp("2026-02-10T23:59:59 Z")?.ms, Date.UTC(2026, 1, 10, 23, 59, 59), "the regex path");
});

Deno.test("formatElapsed() counts whole seconds on the wall clock's boundaries", () => {
  const t = Date.UTC(2026, 0, 1, 12, 0, 0);
  assert.equal(formatElapsed(t + 100, t + 900), "0s", "within one wall second: no change");
  assert.equal(formatElapsed(t + 900, t + 1100), "1s", "a boundary crossed, even 200 ms later");
  assert.equal(formatElapsed(t, t + 59_999), "59s");
  assert.equal(formatElapsed(t, t + 65_000), "1m05s");
  assert.equal(formatElapsed(t + 5000, t), "0s", "a clock never runs backwards");
  assert.equal(formatElapsed(NaN, t), "?");
  // Every clock on the screen changes in the same frame: none between two frames in the same second.
  const sinces = [t - 4321, t - 987, t - 61_234];
  const at = (now: number) => sinces.map((s) => formatElapsed(s, now)).join(" ");
  assert.equal(at(t + 10), at(t + 990));
  assert.notEqual(at(t + 990), at(t + 1010));
});
