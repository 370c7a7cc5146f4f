import assert from "node:assert/strict";
import { globToLike, selectStatement, statsStatement, whereClause } from "./query.ts";

Deno.test("globToLike() escapes LIKE characters and maps * and ?", () => {
  assert.equal(globToLike("worker.*"), "worker.%");
  assert.equal(globToLike("task.?ompleted"), "task._ompleted");
  assert.equal(globToLike("100%_x"), "100\\%\\_x");
});

Deno.test("whereClause() numbers PostgreSQL parameters and uses ? for SQLite", () => {
  const q = { since: 1, until: 2, events: ["worker.*", "task.completed"], pool: "p" };
  const pg = whereClause(q, "postgres");
  assert.equal(
    pg.sql,
    " WHERE received_at >= $1 AND received_at < $2 AND (event LIKE $3 ESCAPE '\\' OR event = $4) AND pool_id = $5",
  );
  assert.deepEqual(pg.params, [1, 2, "worker.%", "task.completed", "p"]);
  const lite = whereClause(q, "sqlite");
  assert.equal(lite.sql.match(/\?/g)?.length, 5);
  assert.equal(whereClause({}, "sqlite").sql, "");
});

Deno.test("selectStatement() orders by time and id, with a limit", () => {
  const s = selectStatement({ order: "desc", limit: 10, workflow: "wf" }, "sqlite");
  assert.match(s.sql, /WHERE workflow_id = \? ORDER BY received_at DESC, id DESC LIMIT 10$/);
});

Deno.test("statsStatement() refuses a bucket that is not a positive whole number", () => {
  assert.throws(() => statsStatement({}, 0, "sqlite"), RangeError);
  assert.match(statsStatement({}, 60_000, "postgres").sql, /GROUP BY 1, 2/);
});
