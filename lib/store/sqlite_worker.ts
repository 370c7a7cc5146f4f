/**
 * Worker entry for {@link openThreadedSqliteStore}: runs an SQLite store on
 * its own thread and answers `{id, op, args}` requests with `{id, ok, …}`.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import type { StoreBackend } from "./backend.ts";
import { openSqliteStore } from "./sqlite.ts";
import { StoreError } from "./schema.ts";
import { type EventRow, itemRow, type RawFrame } from "./record.ts";

/** A request from the owning thread. */
export interface WorkerRequest {
  id: number;
  op: "open" | "insert" | "insertFrames" | "select" | "stats" | "deleteBefore" | "version" | "close";
  args: unknown[];
}

/** The answer to one request. */
export type WorkerReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; message: string; permanent: boolean };

let store: StoreBackend | null = null;

async function handle(r: WorkerRequest): Promise<unknown> {
  if (r.op === "open") {
    const [path, options] = r.args as [string, Parameters<typeof openSqliteStore>[1]];
    store = await openSqliteStore(path, options);
    return null;
  }
  if (!store) throw new StoreError("the store is not open");
  switch (r.op) {
    case "insert":
      return await store.insert(r.args[0] as Parameters<StoreBackend["insert"]>[0]);
    case "insertFrames": {
      const rows = (r.args[0] as RawFrame[]).map(itemRow).filter((row): row is EventRow => row !== null);
      return await store.insert(rows);
    }
    case "select":
      return await store.select(r.args[0] as Parameters<StoreBackend["select"]>[0]);
    case "stats":
      return await store.stats(r.args[0] as Parameters<StoreBackend["stats"]>[0], r.args[1] as number);
    case "deleteBefore":
      return await store.deleteBefore(r.args[0] as number, r.args[1] as number);
    case "version":
      return await store.version();
    case "close":
      await store.close();
      store = null;
      return null;
  }
}

self.onmessage = async (e: MessageEvent<WorkerRequest>) => {
  const r = e.data;
  try {
    const result = await handle(r);
    self.postMessage({ id: r.id, ok: true, result } satisfies WorkerReply);
  } catch (error) {
    self.postMessage(
      {
        id: r.id,
        ok: false,
        message: error instanceof Error ? error.message : String(error),
        permanent: error instanceof StoreError ? error.permanent : false,
      } satisfies WorkerReply,
    );
  }
};
