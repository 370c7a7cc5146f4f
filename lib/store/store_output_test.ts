import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { StoreOutput } from "./store_output.ts";
import { openSqliteStore } from "./sqlite.ts";
import { toRow } from "./record.ts";
import { received, waitFor } from "./_test_rows.ts";

Deno.test("StoreOutput stores every received message once and flushes on close", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const output = new StoreOutput(`${dir}/events.db`, { batchMs: 20 });
    await output.ready();
    const first = received("task.assigned", { pool_id: "p", worker_id: "w", task_id: "t1" });
    output.received(first);
    output.received(first); // delivered twice
    output.received(received("workflow.failed", { workflow_id: "wf\x1b]0;x\x07_1", error: "boom" }));
    await waitFor(() => output.counts.stored === 2, 5000, "two rows");
    output.received(received("task.completed", { pool_id: "p", task_id: "t1" }));
    await output.close();
    assert.deepEqual(output.counts, {
      stored: 3,
      duplicates: 1,
      buffered: 0,
      dropped: 0,
      failures: 0,
      expired: 0,
      error: null,
    });
    assert.equal(output.describe(), `store ${dir}/events.db: 3 stored, 1 duplicate, 0 waiting, 0 dropped`);
    assert.deepEqual(output.summary(), { text: "store 3", ok: true });
    const db = new DatabaseSync(`${dir}/events.db`, { readOnly: true });
    const rows = db.prepare("SELECT event, workflow_id, severity FROM events ORDER BY event").all().map((r) => ({
      ...r,
    }));
    db.close();
    assert.deepEqual(rows, [
      { event: "task.assigned", workflow_id: null, severity: "info" },
      { event: "task.completed", workflow_id: null, severity: "info" },
      { event: "workflow.failed", workflow_id: "wf_1", severity: "error" },
    ]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("StoreOutput keeps the monitor running when the store cannot be opened", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(`${dir}/bad.db`, "not sqlite".repeat(100));
    const errors: string[] = [];
    const output = new StoreOutput(`${dir}/bad.db`, {
      reportOnClose: false,
      batchMs: 5,
      retry: { initialMs: 10, maxMs: 20 },
      onError: (e) => errors.push(e.message),
    });
    await assert.rejects(output.ready(), /not an SQLite database or is corrupt/);
    output.received(received("task.assigned", { pool_id: "p" }));
    await output.close();
    assert.equal(output.counts.dropped, 1);
    assert.match(output.describe(), /0 stored, 0 duplicate, 0 waiting, 1 dropped; 1 event\(s\) not stored/);
    assert.deepEqual(output.summary(), { text: "store 0, 1 lost (failing)", ok: false });
    assert.ok(errors.length >= 1);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("StoreOutput builds on the store's thread exactly the rows toRow() builds on the monitor's", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const messages = [
      received("task.assigned", { pool_id: "p", worker_id: "w\x1b[2J1", task: { id: "t\u202e9" } }, { room: "pool:p" }),
      received("workflow.stage_completed", {
        workflow_id: "wf",
        stage_name: "plan",
        timestamp: "2026-01-01T00:00:01Z",
      }),
      received("x.y", { nested: { deep: ["a\x07b", 1, null] } }, { id: null, receivedAt: 1_700_000_000_500 }),
      received("auth", {}, { type: "error" }),
    ];
    const output = new StoreOutput(`${dir}/events.db`, { batchMs: 5 });
    await output.ready();
    for (const m of messages) output.received(m);
    await output.close();
    assert.equal(output.counts.stored, messages.length);
    const store = await openSqliteStore(`${dir}/events.db`, { readOnly: true });
    const stored = await store.select({ limit: 100 });
    await store.close();
    const byId = new Map(stored.map((row) => [row.id, row]));
    for (const m of messages) {
      const expected = toRow(m);
      assert.deepEqual(byId.get(expected.id), expected);
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
