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
import { type FramePack, packSize } from "./frame_pack.ts";
import os from "node:os";

/**
 * When the process may (`--allow-sys=setPriority`), this thread runs at a
 * lower CPU priority (nice 10; on Linux the nice value is per thread): when
 * the cores are all busy (a flood) the display's thread gets the core first,
 * and an idle core still goes to the writes. Never asked for: without the
 * permission nothing changes.
 */
function yieldToDisplay(): boolean {
  try {
    if (Deno.permissions.querySync({ name: "sys", kind: "setPriority" }).state !== "granted") return false;
    os.setPriority(0, 10);
    return true;
  } catch {
    return false; // not permitted by the OS, or no such call here: run at the process's priority
  }
}
const yields = yieldToDisplay();

/** A request from the owning thread. */
export interface WorkerRequest {
  id: number;
  op:
    | "open"
    | "insert"
    | "insertPacks"
    | "stage"
    | "insertStaged"
    | "select"
    | "stats"
    | "deleteBefore"
    | "version"
    | "close";
  args: unknown[];
}

/** The result of `insertStaged` (see `StoreBackend.insertStaged`), as it crosses threads. */
export interface StagedReply {
  packs: number;
  inserted: number;
  error: { message: string; permanent: boolean } | null;
}

/** The answer to one request. */
export type WorkerReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; message: string; permanent: boolean };

let store: StoreBackend | null = null;
/** Packs handed over ahead of their insert, by number (the owning thread bounds how many frames wait). */
const staged = new Map<number, FramePack>();

async function handle(r: WorkerRequest): Promise<unknown> {
  if (r.op === "open") {
    const [path, options] = r.args as [string, Parameters<typeof openSqliteStore>[1]];
    store = await openSqliteStore(path, options);
    return { yields };
  }
  if (!store) throw new StoreError("the store is not open");
  switch (r.op) {
    case "insert":
      return await store.insert(r.args[0] as Parameters<StoreBackend["insert"]>[0]);
    case "stage": // taken in onmessage, without an answer
      return null;
    case "insertStaged":
      return await insertStaged(store, r.args[0] as number[], r.args[1] as number);
    case "insertPacks":
      if (!store.insertPacks) throw new StoreError("the store cannot build rows from frames");
      return await store.insertPacks(r.args[0] as FramePack[]);
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
      staged.clear();
      return null;
  }
}

/** Inserts the staged packs `ids` in transactions of at most `batchSize` frames, until one fails. */
async function insertStaged(store: StoreBackend, ids: number[], batchSize: number): Promise<StagedReply> {
  if (!store.insertPacks) throw new StoreError("the store cannot build rows from frames");
  const packs = ids.map((id) => staged.get(id));
  if (packs.some((p) => p === undefined)) throw new StoreError("staged frames were lost", { permanent: true });
  let done = 0;
  let inserted = 0;
  while (done < packs.length) {
    let end = done;
    let size = 0;
    while (end < packs.length && (end === done || size + packSize(packs[end]!) <= batchSize)) {
      size += packSize(packs[end]!);
      end++;
    }
    try {
      inserted += await store.insertPacks(packs.slice(done, end) as FramePack[]);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { packs: done, inserted, error: { message, permanent: error instanceof StoreError && error.permanent } };
    }
    for (let i = done; i < end; i++) staged.delete(ids[i]);
    done = end;
  }
  return { packs: done, inserted, error: null };
}

self.onmessage = async (e: MessageEvent<WorkerRequest>) => {
  const r = e.data;
  if (r.op === "stage") {
    // No answer: the owner counts what it staged and learns the outcome from the insert.
    staged.set(r.args[0] as number, r.args[1] as FramePack);
    return;
  }
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
