import assert from "node:assert/strict";
import { type StoredFrame, storedFrames } from "./replay.ts";
import { openSqliteStore } from "./sqlite.ts";
import { rows } from "./_test_rows.ts";
import { parseMessage } from "../protocol/envelope.ts";

Deno.test("storedFrames() yields every stored message in time order across pages, within since/until", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const store = await openSqliteStore(`${dir}/e.db`);
    const t0 = 1_700_000_000_000;
    const sample = rows(1234, t0);
    // Two rows in the same millisecond: paging must not lose or repeat either.
    sample[500] = { ...sample[500], receivedAt: sample[499].receivedAt };
    await store.insert([...sample].reverse());
    const all: StoredFrame[] = [];
    for await (const f of storedFrames(store, { pageSize: 100 })) all.push(f);
    assert.equal(all.length, 1234);
    assert.ok(all.every((f, i) => i === 0 || f.receivedAt >= all[i - 1].receivedAt));
    assert.equal(new Set(all.map((f) => JSON.parse(f.raw).id)).size, 1234);
    const parsed = parseMessage(all[0].raw);
    assert.ok(parsed.ok);
    assert.equal(parsed.message.event, "task.assigned");
    const window: StoredFrame[] = [];
    for await (const f of storedFrames(store, { since: t0 + 10, until: t0 + 20, pageSize: 3 })) window.push(f);
    assert.deepEqual(window.map((f) => f.receivedAt - t0), [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    await store.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
