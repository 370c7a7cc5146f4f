import assert from "node:assert/strict";
import postgres from "postgres";
import { StoreOutput } from "./store_output.ts";
import { ignorePostgres, startCluster } from "./_test_pg.ts";
import { received, waitFor } from "./_test_rows.ts";

Deno.test({
  name: "StoreOutput keeps events through a PostgreSQL restart and counts the overflow",
  ignore: ignorePostgres,
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const cluster = await startCluster();
  try {
    const errors: string[] = [];
    const output = new StoreOutput(cluster.url, {
      batchMs: 20,
      maxBuffered: 300,
      retry: { initialMs: 100, maxMs: 300 },
      onError: (e) => errors.push(e.message),
    });
    await output.ready();
    let t = Date.now();
    const send = (n: number) => {
      for (let i = 0; i < n; i++) {
        output.received(received("task.completed", { pool_id: "p", n: i }, { receivedAt: t++ }));
      }
    };
    send(100);
    await waitFor(() => output.counts.stored === 100, 10_000, "first 100 stored");
    await cluster.stop();
    send(400); // 300 wait in the buffer, 100 are dropped and counted
    await waitFor(() => output.counts.failures >= 1, 15_000, "a failed write");
    assert.equal(output.counts.buffered, 300);
    assert.equal(output.counts.dropped, 100);
    assert.match(output.describe(), /300 waiting, 100 dropped/);
    assert.deepEqual(output.summary(), { text: "store 100, 300 waiting, 100 lost (failing)", ok: false });
    await cluster.start();
    await waitFor(() => output.counts.buffered === 0, 20_000, "the buffer to drain after the restart");
    await output.close();
    const c = output.counts;
    assert.equal(c.stored, 400);
    assert.equal(c.dropped, 100);
    assert.equal(c.error, null);
    assert.ok(errors.length >= 1);
    assert.ok(errors.every((e) => !/password/i.test(e)));
    const sql = postgres(cluster.url, { max: 1, onnotice: () => {} });
    const [r] = await sql.unsafe("SELECT COUNT(*)::int AS n, COUNT(DISTINCT id)::int AS d FROM events");
    await sql.end();
    assert.deepEqual({ n: r.n, d: r.d }, { n: 400, d: 400 });
  } finally {
    await cluster.destroy();
  }
});
