import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { StoreWriter } from "./writer.ts";
import { openSqliteStore } from "./sqlite.ts";
import type { StoreBackend } from "./backend.ts";
import { countEvents as count, rows, tempDb, waitFor } from "./_test_rows.ts";
import { StoreError } from "./schema.ts";
import { openThreadedSqliteStore } from "./sqlite_threaded.ts";
import { frameRow, rowFrame } from "./record.ts";

/** A real SQLite store that also records the size of every transaction it is given. */
async function recordingStore(
  path: string,
  busyTimeoutMs = 2000,
): Promise<StoreBackend & { batches: number[]; deletes: number[] }> {
  const store = await openSqliteStore(path, { busyTimeoutMs });
  const batches: number[] = [];
  const deletes: number[] = [];
  return {
    dialect: store.dialect,
    label: store.label,
    batches,
    deletes,
    insert(r) {
      batches.push(r.length);
      return store.insert(r);
    },
    select: (q) => store.select(q),
    stats: (q, b) => store.stats(q, b),
    async deleteBefore(c, l) {
      const n = await store.deleteBefore(c, l);
      deletes.push(n);
      return n;
    },
    version: () => store.version(),
    close: () => store.close(),
  };
}

Deno.test("StoreWriter writes at most batchSize rows per transaction", async () => {
  using db = tempDb("writer_test_");
  const store = await recordingStore(db.path);
  const writer = new StoreWriter(() => Promise.resolve(store), { batchMs: 50 });
  for (const r of rows(12_000)) assert.ok(writer.add(r));
  await writer.flush();
  assert.deepEqual(store.batches, [5000, 5000, 2000]);
  const counts = await writer.close();
  assert.equal(counts.stored, 12_000);
  assert.equal(count(db.path), 12_000);
});

Deno.test("StoreWriter add() only queues; a timer writes one batch after batchMs", async () => {
  using db = tempDb("writer_test_");
  const store = await recordingStore(db.path);
  const writer = new StoreWriter(() => Promise.resolve(store), { batchMs: 100 });
  const start = Date.now();
  for (const r of rows(3)) writer.add(r);
  assert.equal(writer.counts.stored, 0);
  assert.equal(writer.counts.buffered, 3);
  await waitFor(() => writer.counts.stored === 3, 5000, "the timed batch");
  assert.ok(Date.now() - start >= 90, `written after ${Date.now() - start} ms`);
  assert.deepEqual(store.batches, [3]);
  await writer.close();
});

Deno.test("StoreWriter retries a batch that failed on a locked file; every row stored once", async () => {
  using db = tempDb("writer_test_");
  (await openSqliteStore(db.path)).close();
  const errors: string[] = [];
  const store = await recordingStore(db.path, 20);
  const writer = new StoreWriter(() => Promise.resolve(store), {
    batchMs: 10,
    retry: { initialMs: 30, maxMs: 60 },
    onError: (e) => errors.push(e.message),
  });
  const other = new DatabaseSync(db.path, { timeout: 0 });
  other.exec("BEGIN EXCLUSIVE");
  const sample = rows(300);
  for (const r of sample.slice(0, 200)) writer.add(r);
  await waitFor(() => writer.counts.failures >= 2, 5000, "failed attempts");
  assert.equal(writer.counts.stored, 0);
  assert.equal(writer.counts.buffered, 200);
  assert.match(writer.counts.error ?? "", /another process holds its lock/);
  other.exec("COMMIT");
  other.close();
  for (const r of sample.slice(100)) writer.add(r); // 100 duplicates of rows already waiting
  await waitFor(() => writer.counts.buffered === 0, 5000, "the retried batch");
  const counts = await writer.close();
  assert.equal(counts.error, null);
  assert.equal(counts.stored, 300);
  assert.equal(counts.duplicates, 100);
  assert.equal(count(db.path), 300);
  assert.ok(errors.length >= 2);
});

Deno.test("StoreWriter counts rows dropped when the buffer is full", async () => {
  using db = tempDb("writer_test_");
  (await openSqliteStore(db.path)).close();
  const store = await recordingStore(db.path, 10);
  const writer = new StoreWriter(() => Promise.resolve(store), {
    batchMs: 10,
    maxBuffered: 100,
    retry: { initialMs: 20, maxMs: 40 },
  });
  const other = new DatabaseSync(db.path, { timeout: 0 });
  other.exec("BEGIN EXCLUSIVE");
  const sample = rows(250);
  const accepted = sample.map((r) => writer.add(r)).filter(Boolean).length;
  assert.equal(accepted, 100);
  assert.equal(writer.counts.dropped, 150);
  await waitFor(() => writer.counts.failures >= 1, 5000, "a failed attempt");
  other.exec("COMMIT");
  other.close();
  await waitFor(() => writer.counts.buffered === 0, 5000, "the buffer to drain");
  const counts = await writer.close();
  assert.equal(counts.stored, 100);
  assert.equal(counts.dropped, 150);
  assert.equal(count(db.path), 100);
});

Deno.test("StoreWriter close() gives up after its timeout and counts what was not stored", async () => {
  using db = tempDb("writer_test_");
  (await openSqliteStore(db.path)).close();
  const store = await recordingStore(db.path, 10);
  const writer = new StoreWriter(() => Promise.resolve(store), { batchMs: 10, retry: { initialMs: 20, maxMs: 40 } });
  const other = new DatabaseSync(db.path, { timeout: 0 });
  other.exec("BEGIN EXCLUSIVE");
  for (const r of rows(50)) writer.add(r);
  const start = Date.now();
  const counts = await writer.close(300);
  assert.ok(Date.now() - start < 2000);
  other.exec("COMMIT");
  other.close();
  assert.equal(counts.stored, 0);
  assert.equal(counts.dropped, 50);
  assert.match(counts.error ?? "", /50 event\(s\) not stored/);
  assert.equal(count(db.path), 0);
});

Deno.test("StoreWriter ready() rejects with the open failure and keeps retrying", async () => {
  using db = tempDb("writer_test_");
  Deno.writeTextFileSync(db.path, "not a database".repeat(100));
  let opens = 0;
  const writer = new StoreWriter(() => {
    opens++;
    return openSqliteStore(db.path);
  }, { batchMs: 5, retry: { initialMs: 20, maxMs: 20 } });
  await assert.rejects(
    writer.ready(),
    (e: StoreError) => e instanceof StoreError && /not an SQLite database/.test(e.message),
  );
  for (const r of rows(5)) writer.add(r);
  await waitFor(() => opens >= 3, 5000, "open retries");
  const counts = await writer.close(50);
  assert.equal(counts.dropped, 5);
  assert.match(counts.error ?? "", /not an SQLite database/);
});

Deno.test("StoreWriter retention deletes old rows in small batches", async () => {
  using db = tempDb("writer_test_");
  const store = await recordingStore(db.path);
  const old = rows(2500, 1_000_000); // long ago
  await store.insert(old);
  const now = Date.now();
  const writer = new StoreWriter(() => Promise.resolve(store), {
    batchMs: 5,
    retentionMs: 7 * 24 * 3600_000,
    retentionBatch: 1000,
  });
  for (const r of rows(10, now)) writer.add(r);
  await waitFor(() => writer.counts.expired === 2500, 5000, "retention");
  const counts = await writer.close();
  assert.equal(counts.stored, 10);
  assert.deepEqual(store.deletes, [1000, 1000, 500]);
  assert.equal(count(db.path), 10);
});

Deno.test("StoreWriter refuses bad options", () => {
  const open = () => Promise.reject(new Error("unused"));
  assert.throws(
    () => new StoreWriter(open, { batchSize: 0 }),
    /batchSize is not a positive whole number: current value is 0/,
  );
  assert.throws(() => new StoreWriter(open, { maxBuffered: 1.5 }), RangeError);
  assert.throws(() => new StoreWriter(open, { retentionMs: -1 }), /retention is not positive/);
});

Deno.test("StoreWriter flush() after ready() never writes a batch twice (a store on another thread)", async () => {
  using db = tempDb("writer_test_");
  const writer = new StoreWriter(() => openThreadedSqliteStore(db.path), { batchMs: 1 });
  await writer.ready();
  for (const r of rows(23_000)) writer.add(r);
  await writer.flush();
  const counts = await writer.close();
  assert.equal(counts.stored, 23_000);
  assert.equal(counts.duplicates, 0);
  assert.equal(count(db.path), 23_000);
});

Deno.test("openThreadedSqliteStore() reports the same errors as the inline store", async () => {
  using db = tempDb("writer_test_");
  Deno.writeTextFileSync(db.path, "plain text ".repeat(100));
  await assert.rejects(openThreadedSqliteStore(db.path), (e: StoreError) => {
    assert.ok(e instanceof StoreError && e.permanent);
    assert.match(e.message, /not an SQLite database or is corrupt/);
    return true;
  });
});

/** `count` received frames one ms apart from `start` (their text, as the runtime hands them over). */
function frames(count: number, start = 1_700_000_000_000) {
  return rows(count, start).map((r) => ({ service: r.service, receivedAt: r.receivedAt, raw: rowFrame(r) }));
}

Deno.test("StoreWriter addFrame() packs frames: whole packs per transaction, at most batchSize, each stored once", async () => {
  using db = tempDb("writer_test_");
  const store = await recordingStore(db.path);
  const writer = new StoreWriter(() => Promise.resolve(store), { batchMs: 5, batchSize: 1000, packSize: 64 });
  const sent = frames(2500);
  for (const f of sent) assert.ok(writer.addFrame(f.service, f.receivedAt, f.raw));
  assert.equal(writer.counts.buffered, 2500);
  await writer.flush();
  assert.deepEqual(store.batches, [960, 960, 580]); // 15 packs of 64, 15, 9 and the last 4 frames
  const counts = await writer.close();
  assert.equal(counts.stored, 2500);
  const reader = await openSqliteStore(db.path, { readOnly: true });
  assert.deepEqual(await reader.select({ limit: 3000 }), sent.map((f) => frameRow(f.service, f.receivedAt, f.raw)));
  await reader.close();
});

Deno.test("StoreWriter addFrame() drops a frame at once when the buffer is full, and counts it", async () => {
  using db = tempDb("writer_test_");
  (await openSqliteStore(db.path)).close();
  const store = await recordingStore(db.path, 10);
  const writer = new StoreWriter(() => Promise.resolve(store), {
    batchMs: 10,
    maxBuffered: 100,
    packSize: 32,
    retry: { initialMs: 20, maxMs: 40 },
  });
  const other = new DatabaseSync(db.path, { timeout: 0 });
  other.exec("BEGIN EXCLUSIVE");
  const accepted = frames(250).map((f) => writer.addFrame(f.service, f.receivedAt, f.raw)).filter(Boolean).length;
  assert.equal(accepted, 100);
  assert.deepEqual([writer.counts.buffered, writer.counts.dropped], [100, 150]);
  await waitFor(() => writer.counts.failures >= 1, 5000, "a failed attempt");
  other.exec("COMMIT");
  other.close();
  await waitFor(() => writer.counts.buffered === 0, 5000, "the buffer to drain");
  const counts = await writer.close();
  assert.deepEqual([counts.stored, counts.dropped], [100, 150]);
  assert.equal(count(db.path), 100);
});

Deno.test("StoreWriter stages frames in a store on another thread and retries them there after a locked file", async () => {
  using db = tempDb("writer_test_");
  (await openSqliteStore(db.path)).close();
  const writer = new StoreWriter(() => openThreadedSqliteStore(db.path, { busyTimeoutMs: 10 }), {
    batchMs: 5,
    batchSize: 2000,
    retry: { initialMs: 20, maxMs: 40 },
  });
  await writer.ready();
  const other = new DatabaseSync(db.path, { timeout: 0 });
  other.exec("BEGIN EXCLUSIVE");
  const sent = frames(5000);
  for (const f of sent.slice(0, 3000)) writer.addFrame(f.service, f.receivedAt, f.raw);
  await waitFor(() => writer.counts.failures >= 2, 5000, "failed attempts");
  assert.equal(writer.counts.stored, 0);
  other.exec("COMMIT");
  other.close();
  for (const f of sent.slice(2000)) writer.addFrame(f.service, f.receivedAt, f.raw); // 1000 delivered twice
  const counts = await writer.close();
  assert.deepEqual([counts.stored, counts.duplicates, counts.dropped, counts.error], [5000, 1000, 0, null]);
  assert.equal(count(db.path), 5000);
});

Deno.test("StoreWriter counts staged frames as dropped when their store fails for good", async () => {
  using db = tempDb("writer_test_");
  let failNext = true;
  let opens = 0;
  const writer = new StoreWriter(async () => {
    opens++;
    const store = await openThreadedSqliteStore(db.path);
    return {
      ...store,
      dialect: store.dialect,
      label: store.label,
      stage: (pack) => store.stage!(pack),
      insertStaged(packs, batchSize) {
        if (!failNext) return store.insertStaged!(packs, batchSize);
        failNext = false;
        return Promise.reject(new StoreError("the file went away", { permanent: true }));
      },
      close: () => store.close(),
    } satisfies StoreBackend;
  }, { batchMs: 5, packSize: 100, retry: { initialMs: 10, maxMs: 10 } });
  await writer.ready();
  const sent = frames(300);
  for (const f of sent.slice(0, 250)) writer.addFrame(f.service, f.receivedAt, f.raw);
  await waitFor(() => writer.counts.failures === 1, 5000, "the failure");
  assert.equal(writer.counts.dropped, 250);
  assert.match(writer.counts.error ?? "", /250 event\(s\) not stored: the store failed while holding them/);
  for (const f of sent.slice(250)) writer.addFrame(f.service, f.receivedAt, f.raw);
  const counts = await writer.close();
  assert.deepEqual([counts.stored, counts.dropped, opens], [50, 250, 2]);
  assert.equal(count(db.path), 50);
});

Deno.test("StoreWriter counts what a store thread wrote before one of its batches failed (a full disk)", async () => {
  using db = tempDb("writer_test_");
  const errors: string[] = [];
  // Eight batches per request, as the thread asks for when it yields the CPU: the failure comes mid-request.
  const open = async (): Promise<StoreBackend> => {
    const store = await openThreadedSqliteStore(db.path, { maxPageCount: 200 });
    return {
      dialect: store.dialect,
      label: store.label,
      stagedBatches: 8,
      insert: (rows) => store.insert(rows),
      stage: (pack) => store.stage!(pack),
      insertStaged: (packs, batchSize) => store.insertStaged!(packs, batchSize),
      select: (q) => store.select(q),
      stats: (q, b) => store.stats(q, b),
      deleteBefore: (c, l) => store.deleteBefore(c, l),
      version: () => store.version(),
      close: () => store.close(),
    };
  };
  const writer = new StoreWriter(open, {
    batchMs: 5,
    batchSize: 500,
    packSize: 100,
    retry: { initialMs: 20, maxMs: 40 },
    onError: (e) => errors.push(e.message),
  });
  await writer.ready();
  const sent = frames(8000);
  for (const f of sent) writer.addFrame(f.service, f.receivedAt, f.raw);
  await waitFor(() => writer.counts.failures >= 1, 5000, "the full disk");
  const written = writer.counts.stored;
  assert.ok(written > 0 && written < 8000, `${written} written before the disk was full`);
  assert.equal(written % 500, 0); // whole batches only
  assert.equal(writer.counts.buffered, 8000 - written);
  assert.match(errors[0], /disk is full/);
  const counts = await writer.close(200);
  assert.deepEqual([counts.stored, counts.dropped], [written, 8000 - written]);
  assert.equal(count(db.path), written);
});
