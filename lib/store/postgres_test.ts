import assert from "node:assert/strict";
import postgres from "postgres";
import { openPostgresStore } from "./postgres.ts";
import { type Migration, MIGRATIONS, SCHEMA_VERSION, StoreError } from "./schema.ts";
import { freshDatabase, ignorePostgres } from "./_test_pg.ts";
import { rows } from "./_test_rows.ts";

const opts = { ignore: ignorePostgres, sanitizeResources: false, sanitizeOps: false };

async function rawCount(url: string): Promise<number> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const [r] = await sql.unsafe("SELECT COUNT(*)::int AS n FROM events");
  await sql.end();
  return r.n;
}

Deno.test(
  { name: "openPostgresStore() migrates once, records the version and refuses a newer one", ...opts },
  async () => {
    const db = await freshDatabase();
    try {
      const store = await openPostgresStore(db.url);
      assert.equal(await store.version(), SCHEMA_VERSION);
      await store.close();
      const next: Migration[] = [...MIGRATIONS, {
        version: SCHEMA_VERSION + 1,
        description: "test column",
        sqlite: [],
        postgres: ["ALTER TABLE events ADD COLUMN note TEXT"],
      }];
      const again = await openPostgresStore(db.url, { migrations: next });
      assert.equal(await again.version(), SCHEMA_VERSION + 1);
      await again.close();
      await assert.rejects(openPostgresStore(db.url), (e: StoreError) => {
        assert.ok(e.permanent);
        assert.match(
          e.message,
          new RegExp(`schema version ${SCHEMA_VERSION + 1} is newer than this program knows \\(${SCHEMA_VERSION}\\)`),
        );
        return true;
      });
    } finally {
      await db.drop();
    }
  },
);

Deno.test({ name: "insert() stores duplicates once and a failing batch not at all", ...opts }, async () => {
  const db = await freshDatabase();
  try {
    const store = await openPostgresStore(db.url);
    const batch = rows(5000);
    assert.equal(await store.insert(batch), 5000);
    assert.equal(await store.insert(batch.slice(0, 10)), 0);
    const bad = rows(5000, 1_800_000_000_000);
    bad[3000] = { ...bad[3000], payload: "{not json" };
    await assert.rejects(store.insert(bad), StoreError);
    await store.close();
    assert.equal(await rawCount(db.url), 5000);
  } finally {
    await db.drop();
  }
});

Deno.test(
  { name: "openPostgresStore() takes a version 1 store to version 2; a delivery is stored once", ...opts },
  async () => {
    const db = await freshDatabase();
    try {
      const v1 = await openPostgresStore(db.url, { migrations: MIGRATIONS.slice(0, 1) });
      const batch = rows(300);
      assert.equal(await v1.insert(batch), 300);
      await v1.close();
      const store = await openPostgresStore(db.url);
      assert.equal(await store.version(), 2);
      assert.equal(await store.insert(batch.slice(0, 50)), 0);
      const [first] = batch;
      const again = [{ ...first, timestamp: "2026-11-30T10:00:00Z" }, { ...first, timestamp: null }];
      assert.equal(await store.insert([...again, { ...first, timestamp: null, receivedAt: 1 }]), 2);
      await store.close();
      assert.equal(await rawCount(db.url), 302);
    } finally {
      await db.drop();
    }
  },
);

Deno.test({ name: "select(), stats() and deleteBefore() work on PostgreSQL", ...opts }, async () => {
  const db = await freshDatabase();
  try {
    const store = await openPostgresStore(db.url);
    const t0 = 1_700_000_000_000;
    const sample = rows(1000, t0);
    await store.insert(sample);
    assert.equal((await store.select({ events: ["task.*"] })).length, 500);
    assert.equal((await store.select({ since: t0 + 100, until: t0 + 200 })).length, 100);
    assert.equal((await store.select({ pool: "pool_1" })).length, 333);
    assert.deepEqual((await store.select({ contains: "TASK_997" })).map((r) => r.taskId), ["task_997"]);
    const [first] = await store.select({ limit: 1 });
    // JSONB keeps the payload's content, not its key order.
    assert.deepEqual({ ...first, payload: JSON.parse(first.payload) }, {
      ...sample[0],
      payload: JSON.parse(sample[0].payload),
    });
    const stats = await store.stats({}, 500);
    assert.deepEqual(stats.filter((s) => s.event === "task.assigned"), [
      { event: "task.assigned", bucket: t0, count: 125 },
      { event: "task.assigned", bucket: t0 + 500, count: 125 },
    ]);
    assert.equal(await store.deleteBefore(t0 + 600, 250), 250);
    assert.equal(await store.deleteBefore(t0 + 600, 1000), 350);
    assert.equal(await store.deleteBefore(t0 + 600, 1000), 0);
    await store.close();
    assert.equal(await rawCount(db.url), 400);
  } finally {
    await db.drop();
  }
});

Deno.test({ name: "openPostgresStore() explains a server that is not there", ...opts }, async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  await assert.rejects(
    openPostgresStore(`postgres://postgres:secret@127.0.0.1:${port}/x`, { connectTimeoutS: 2 }),
    (e: StoreError) => {
      assert.match(e.message, /refused the connection/);
      assert.doesNotMatch(e.message, /secret/);
      assert.equal(e.permanent, false);
      return true;
    },
  );
});
