import assert from "node:assert/strict";
import { isStoreTarget, parseStoreTarget } from "./target.ts";

Deno.test("parseStoreTarget() tells SQLite from PostgreSQL", async (t) => {
  await t.step(
    "file.db",
    () => assert.deepEqual(parseStoreTarget("events.db"), { kind: "sqlite", path: "events.db", label: "events.db" }),
  );
  await t.step(".sqlite", () => assert.equal(parseStoreTarget("/tmp/x.sqlite").kind, "sqlite"));
  await t.step(
    "sqlite:PATH",
    () => assert.equal((parseStoreTarget("sqlite:data/ev") as { path: string }).path, "data/ev"),
  );
  await t.step("postgres://", () => {
    const t = parseStoreTarget("postgres://mon:secret@db.local:5433/events");
    assert.equal(t.kind, "postgres");
    assert.equal(t.label, "postgres://mon@db.local:5433/events");
    assert.doesNotMatch(t.label, /secret/);
  });
  await t.step("postgresql://", () => assert.equal(parseStoreTarget("postgresql://h/db").kind, "postgres"));
});

Deno.test("parseStoreTarget() refuses other values without echoing a password", () => {
  assert.throws(() => parseStoreTarget("events.txt"), /neither a \.db/);
  assert.throws(() => parseStoreTarget("sqlite:"), TypeError);
  assert.throws(() => parseStoreTarget("mysql://u:pw@h/db"), (e: Error) => !e.message.includes("pw@"));
});

Deno.test("isStoreTarget() tells a store from a recording", () => {
  assert.equal(isStoreTarget("events.db"), true);
  assert.equal(isStoreTarget("postgres://u@h/db"), true);
  assert.equal(isStoreTarget("rec.jsonl"), false);
});
