/**
 * A store as a replay source: the stored messages in receive order, page by
 * page, as the frames a server would send, so the demo server and the
 * monitors can replay `events.db` like a `--record` file.
 *
 * @module
 */

import type { StoreBackend } from "./backend.ts";
import type { EventQuery } from "./query.ts";
import { rowFrame } from "./record.ts";
import { openStore } from "./store.ts";

/** One stored message as a frame. */
export interface StoredFrame {
  service: string;
  /** Receive time (ms). */
  receivedAt: number;
  /** The frame rebuilt from the stored (cleaned) columns. */
  raw: string;
}

/** Options for {@link storedFrames}. */
export interface StoredFramesOptions {
  /** From this receive time (ms), inclusive. */
  since?: number;
  /** Before this receive time (ms). */
  until?: number;
  /** Only these services (`pool`, `mahavishnu`, `akosha`). Default all. */
  services?: string[];
  /** Rows read per query. Default 5 000. */
  pageSize?: number;
}

/** Yields the stored messages oldest first; memory stays at one page. */
export async function* storedFrames(
  store: StoreBackend,
  options: StoredFramesOptions = {},
): AsyncGenerator<StoredFrame> {
  const pageSize = options.pageSize ?? 5000;
  const services = options.services ? new Set(options.services) : null;
  let after: EventQuery["after"];
  while (true) {
    const page = await store.select({ since: options.since, until: options.until, after, limit: pageSize });
    for (const row of page) {
      if (services && !services.has(row.service)) continue;
      yield { service: row.service, receivedAt: row.receivedAt, raw: rowFrame(row) };
    }
    if (page.length < pageSize) return;
    const last = page[page.length - 1];
    after = { receivedAt: last.receivedAt, id: last.id };
  }
}

/** A recorded frame as `lib/app/recorder.ts` reads it from a `--record` file. */
export interface RecordingFrame {
  /** Receive time, ISO 8601 UTC. */
  t: string;
  service: string;
  frame: string;
}

/**
 * Reads the frames of a store (SQLite file or PostgreSQL, opened read-only)
 * between `since` and `until` as a recording, for `demo_server.ts --replay events.db`.
 */
export async function readStoreRecording(
  target: string,
  options: StoredFramesOptions & { password?: string } = {},
): Promise<RecordingFrame[]> {
  const store = await openStore(target, { readOnly: true, password: options.password });
  try {
    const frames: RecordingFrame[] = [];
    for await (const f of storedFrames(store, options)) {
      frames.push({ t: new Date(f.receivedAt).toISOString(), service: f.service, frame: f.raw });
    }
    return frames;
  } finally {
    await store.close();
  }
}
