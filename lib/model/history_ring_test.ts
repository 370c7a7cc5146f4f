import assert from "node:assert/strict";
import type { HistoryEntry } from "./history.ts";
import { HistoryRing } from "./history_ring.ts";
import { Ring } from "./ring.ts";

Deno.test("HistoryRing keeps the newest entries like a Ring of entries", () => {
  const columns = new HistoryRing(5);
  const objects = new Ring<HistoryEntry>(5);
  for (let i = 0; i < 23; i++) {
    const entry: HistoryEntry = {
      at: 1e12 + i * 0.5,
      event: `e${i}`,
      severity: i % 3 ? "info" : "error",
      text: `t${i}`,
    };
    if (i % 2) columns.push(entry);
    else columns.add(entry.at, entry.event, entry.severity, entry.text);
    objects.push(entry);
    assert.deepEqual(columns.newestFirst(), objects.newestFirst());
    assert.deepEqual([columns.size, columns.total], [objects.size, objects.total]);
    assert.deepEqual(columns.fromNewest(2), objects.fromNewest(2));
    if (i === 11) {
      columns.clear();
      objects.clear();
      assert.deepEqual(columns.newestFirst(), []);
    }
  }
  assert.equal(columns.fromNewest(-1), undefined);
  assert.equal(columns.fromNewest(5), undefined);
});

Deno.test("HistoryRing hands out copies: a later push does not change an entry read before", () => {
  const ring = new HistoryRing(1);
  ring.add(1, "a", "info", "first");
  const read = ring.fromNewest(0)!;
  ring.add(2, "b", "warning", "second");
  assert.deepEqual(read, { at: 1, event: "a", severity: "info", text: "first" });
});

Deno.test("HistoryRing() rejects a bad capacity with RangeError", () => {
  for (const bad of [0, -1, 1.5, NaN]) assert.throws(() => new HistoryRing(bad), RangeError);
});

Deno.test("HistoryRing.addLazy() formats an entry's text only when it is read", () => {
  const ring = new HistoryRing(2);
  let calls = 0;
  const format = (a: string, b: number, c: string | null) => {
    calls++;
    return `${a}:${b}:${c ?? "-"}`;
  };
  ring.addLazy(1, "task.assigned", "info", format, "t1", 2, null);
  ring.add(2, "note", "warning", "ready text");
  assert.equal(calls, 0, "nothing formatted while pushing");
  assert.deepEqual(ring.newestFirst(), [
    { at: 2, event: "note", severity: "warning", text: "ready text" },
    { at: 1, event: "task.assigned", severity: "info", text: "t1:2:-" },
  ]);
  assert.equal(calls, 1);
  // A ready entry that takes over a lazy slot shows its own text, and the other way round.
  ring.add(3, "note", "info", "replaces the lazy slot");
  ring.addLazy(4, "task.completed", "info", format, "t2", 5, "w1");
  assert.deepEqual(ring.newestFirst().map((e) => e.text), ["t2:5:w1", "replaces the lazy slot"]);
  ring.clear();
  assert.deepEqual([ring.size, ring.newestFirst()], [0, []]);
});
