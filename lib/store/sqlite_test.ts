import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { openSqliteStore } from "./sqlite.ts";
import { type Migration, MIGRATIONS, SCHEMA_VERSION, StoreError } from "./schema.ts";
import { countEvents as count, rows, tempDb } from "./_test_rows.ts";

Deno.test("openSqliteStore() creates the schema and records its version once", async () => {
  using db = tempDb("store_test_");
  const store = await openSqliteStore(db.path, { now: () => 42 });
  assert.equal(await store.version(), SCHEMA_VERSION);
  await store.close();
  const again = await openSqliteStore(db.path);
  assert.equal(await again.version(), SCHEMA_VERSION);
  await again.close();
  const raw = new DatabaseSync(db.path);
  assert.deepEqual(
    raw.prepare("SELECT version, applied_at FROM schema_version").all().map((r) => ({ ...r })),
    [{ version: 1, applied_at: 42 }, { version: 2, applied_at: 42 }],
  );
  const indexes = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'events_%'").all()
    .map((r) => r.name).sort();
  assert.deepEqual(indexes, [
    "events_event_time",
    "events_key",
    "events_pool",
    "events_time",
    "events_worker",
    "events_workflow",
  ]);
  raw.close();
});

Deno.test("openSqliteStore() applies a newer migration forward, keeping the rows", async () => {
  using db = tempDb("store_test_");
  const v1 = await openSqliteStore(db.path);
  await v1.insert(rows(10));
  await v1.close();
  const next: Migration[] = [...MIGRATIONS, {
    version: SCHEMA_VERSION + 1,
    description: "test column",
    sqlite: ["ALTER TABLE events ADD COLUMN note TEXT"],
    postgres: ["ALTER TABLE events ADD COLUMN note TEXT"],
  }];
  const store = await openSqliteStore(db.path, { migrations: next });
  assert.equal(await store.version(), SCHEMA_VERSION + 1);
  assert.equal((await store.select({})).length, 10);
  await store.close();
});

Deno.test("openSqliteStore() refuses a store newer than the code", async () => {
  using db = tempDb("store_test_");
  (await openSqliteStore(db.path)).close();
  const raw = new DatabaseSync(db.path);
  raw.prepare("INSERT INTO schema_version VALUES (?, ?)").run(SCHEMA_VERSION + 5, 0);
  raw.close();
  await assert.rejects(openSqliteStore(db.path), (e: StoreError) => {
    assert.ok(e instanceof StoreError && e.permanent);
    assert.match(e.message, new RegExp(`schema version ${SCHEMA_VERSION + 5} is newer than this program knows`));
    return true;
  });
  await assert.rejects(openSqliteStore(db.path, { readOnly: true }), /newer than this program knows/);
});

Deno.test("openSqliteStore() explains a file that is not a database", async () => {
  using db = tempDb("store_test_");
  Deno.writeTextFileSync(db.path, "this is a log file, not a database\n".repeat(200));
  await assert.rejects(openSqliteStore(db.path), /is not an SQLite database or is corrupt/);
  assert.match(Deno.readTextFileSync(db.path), /^this is a log file/);
});

Deno.test("openSqliteStore() refuses to write a read-only file but can read it", async () => {
  using db = tempDb("store_test_");
  const s = await openSqliteStore(db.path);
  await s.insert(rows(3));
  await s.close();
  Deno.chmodSync(db.path, 0o444);
  await assert.rejects(openSqliteStore(db.path), /read-only/);
  const r = await openSqliteStore(db.path, { readOnly: true });
  assert.equal((await r.select({})).length, 3);
  await r.close();
});

Deno.test("openSqliteStore() read-only refuses a missing file instead of creating it", async () => {
  using db = tempDb("store_test_");
  await assert.rejects(openSqliteStore(db.path, { readOnly: true }), /does not exist/);
  assert.throws(() => Deno.statSync(db.path), Deno.errors.NotFound);
  new DatabaseSync(db.path).close(); // an empty SQLite file
  await assert.rejects(openSqliteStore(db.path, { readOnly: true }), /nothing was ever stored in it/);
});

Deno.test("openSqliteStore() takes a version 1 store to version 2, keeping its rows and their duplicates rule", async () => {
  using db = tempDb("store_test_");
  const v1 = await openSqliteStore(db.path, { migrations: MIGRATIONS.slice(0, 1) });
  const batch = rows(300);
  assert.equal(await v1.insert(batch), 300);
  await v1.close();
  const v2 = await openSqliteStore(db.path);
  assert.equal(await v2.version(), 2);
  assert.deepEqual(await v2.select({}), batch);
  assert.equal(await v2.insert(batch.slice(0, 50)), 0);
  await v2.close();
  assert.equal(count(db.path), 300);
});

Deno.test("insert() stores a delivery once: same id and timestamp; the id again at another time is another event", async () => {
  using db = tempDb("store_test_");
  const store = await openSqliteStore(db.path);
  const [first] = rows(1);
  assert.equal(await store.insert([first, { ...first, receivedAt: first.receivedAt + 5, service: "other" }]), 1);
  assert.equal(await store.insert([{ ...first, timestamp: null }, { ...first, timestamp: null }]), 1);
  assert.equal(await store.insert([{ ...first, timestamp: "2026-11-30T10:00:00Z" }]), 1);
  await store.close();
  assert.equal(count(db.path), 3);
});

Deno.test("insert() stores a duplicate event id once", async () => {
  using db = tempDb("store_test_");
  const store = await openSqliteStore(db.path);
  const batch = rows(250);
  assert.equal(await store.insert(batch), 250);
  assert.equal(await store.insert([...batch.slice(0, 120), ...rows(5, 2_000_000_000_000)]), 5);
  await store.close();
  assert.equal(count(db.path), 255);
});

Deno.test("insert() on a full disk writes nothing of the batch", async () => {
  using db = tempDb("store_test_");
  const store = await openSqliteStore(db.path, { maxPageCount: 40 });
  await store.insert(rows(20));
  await assert.rejects(store.insert(rows(5000, 1_800_000_000_000)), (e: StoreError) => {
    assert.match(e.message, /disk is full/);
    assert.equal(e.permanent, false);
    return true;
  });
  await store.close();
  assert.equal(count(db.path), 20);
});

Deno.test("select() and stats() filter by event glob, time, ids and text", async () => {
  using db = tempDb("store_test_");
  const store = await openSqliteStore(db.path);
  const t0 = 1_700_000_000_000;
  await store.insert(rows(1000, t0));
  assert.equal((await store.select({ events: ["task.*"] })).length, 500);
  assert.equal((await store.select({ events: ["task.completed", "worker.status_changed"] })).length, 500);
  assert.equal((await store.select({ since: t0 + 100, until: t0 + 200 })).length, 100);
  assert.equal((await store.select({ pool: "pool_1" })).length, 333);
  assert.equal(
    (await store.select({ worker: "worker_3", events: ["task.assigned"] })).length,
    rows(1000, t0).filter((r) => r.workerId === "worker_3" && r.event === "task.assigned").length,
  );
  const wf = await store.select({ workflow: "wf_2" });
  assert.ok(wf.length > 0 && wf.every((r) => r.workflowId === "wf_2"));
  assert.deepEqual((await store.select({ contains: "TASK_997" })).map((r) => r.taskId), ["task_997"]);
  const newest = await store.select({ order: "desc", limit: 3 });
  assert.deepEqual(newest.map((r) => r.receivedAt), [t0 + 999, t0 + 998, t0 + 997]);
  const page = await store.select({ limit: 2, after: { receivedAt: newest[2].receivedAt, id: newest[2].id } });
  assert.deepEqual(page.map((r) => r.receivedAt), [t0 + 998, t0 + 999]);
  const stats = await store.stats({ since: t0, until: t0 + 1000 }, 500);
  assert.deepEqual(stats.filter((s) => s.event === "task.assigned"), [
    { event: "task.assigned", bucket: t0, count: 125 },
    { event: "task.assigned", bucket: t0 + 500, count: 125 },
  ]);
  await store.close();
});

Deno.test("deleteBefore() removes old rows in batches of the given size", async () => {
  using db = tempDb("store_test_");
  const store = await openSqliteStore(db.path);
  const t0 = 1_700_000_000_000;
  await store.insert(rows(2500, t0));
  assert.equal(await store.deleteBefore(t0 + 2000, 1000), 1000);
  assert.equal(await store.deleteBefore(t0 + 2000, 1000), 1000);
  assert.equal(await store.deleteBefore(t0 + 2000, 1000), 0);
  const left = await store.select({});
  assert.equal(left.length, 500);
  assert.equal(left[0].receivedAt, t0 + 2000);
  await store.close();
});
