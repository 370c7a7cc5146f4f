/**
 * Test fixture: opens an SQLite store on its thread, prints `ready N` (N: its
 * batches per staged insert) and
 * waits for stdin to close (the test reads the threads' nice values meanwhile).
 * Usage: `deno run --allow-read --allow-write [--allow-sys=setPriority] _thread_priority_fixture.ts DB`.
 *
 * @module
 */

import { openThreadedSqliteStore } from "./sqlite_threaded.ts";

const store = await openThreadedSqliteStore(Deno.args[0]);
console.log(`ready ${store.stagedBatches}`);
for await (const _ of Deno.stdin.readable) { /* until closed */ }
await store.close();
