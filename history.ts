#!/usr/bin/env -S deno run --allow-net=127.0.0.1,localhost --allow-read --allow-env=PG*
/**
 * Reads an event store written by the collector or a monitor's `--store`:
 * events with filters, counts per event over time, a workflow's timeline.
 *
 * Usage: `deno task history --store TARGET [--since 1h|ISO] [--until 1h|ISO]
 * [--event GLOBS] [--channel C] [--pool ID] [--workflow ID] [--worker ID]
 * [--contains TEXT] [--limit N] [--format table|json|csv]`,
 * `--stats [--by minute|hour]`, `--workflow ID --timeline`.
 *
 * A table on a terminal, JSON lines when piped. `--limit N` keeps the newest
 * N (printed oldest first); the table shows 200 unless told otherwise.
 *
 * Permissions: `--allow-read` for the SQLite file (opened read-only);
 * `--allow-net` to the PostgreSQL host and `--allow-env=PG*` for its client.
 *
 * @module
 */

import { Command, Option } from "commander";
import { parsePositiveInt, VERSION } from "./lib/cli/cli.ts";
import { runMain } from "./lib/cli/monitor_cli.ts";
import { configureUsage, UsageError } from "./lib/cli/usage.ts";
import { parseStoreArg, parseTimeArg, resolveStoreOptions } from "./lib/cli/store_options.ts";
import { openStore } from "./lib/store/store.ts";
import type { EventQuery } from "./lib/store/query.ts";
import type { EventRow } from "./lib/store/record.ts";
import type { StoreBackend } from "./lib/store/backend.ts";
import { workflowTimeline } from "./lib/store/timeline.ts";
import {
  CSV_HEADER,
  csvField,
  eventCsv,
  eventJson,
  eventsTable,
  statsTable,
  timelineText,
} from "./lib/store/history_format.ts";

/** The parsed command line; the filters without parsing are {@link EventQuery}'s own. */
interface HistoryOptions extends Pick<EventQuery, "channel" | "pool" | "workflow" | "worker" | "contains" | "limit"> {
  store: string;
  storePasswordFile?: string;
  since?: string;
  until?: string;
  event?: string;
  format?: "table" | "json" | "csv";
  stats?: boolean;
  by: "minute" | "hour";
  timeline?: boolean;
}

const MAX_BUCKETS = 120;

/** Buffers output and writes it in large chunks; a closed pipe (`| head`) ends quietly. */
class Out {
  #parts: string[] = [];
  #size = 0;
  #encoder = new TextEncoder();
  closed = false;
  async line(text: string): Promise<void> {
    this.#parts.push(text, "\n");
    this.#size += text.length + 1;
    if (this.#size > 65_536) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.closed || this.#parts.length === 0) return;
    const bytes = this.#encoder.encode(this.#parts.join(""));
    this.#parts = [];
    this.#size = 0;
    try {
      let written = 0;
      while (written < bytes.length) written += await Deno.stdout.write(bytes.subarray(written));
    } catch (error) {
      if (error instanceof Deno.errors.BrokenPipe) this.closed = true;
      else throw error;
    }
  }
}

/** Parses `args`, prints what was asked, resolves to the exit code. */
export async function main(args: string[]): Promise<number> {
  const program = configureUsage(new Command())
    .name("history.ts")
    .description("query a Mahavishnu event store")
    .version(VERSION)
    .requiredOption("--store <target>", "events.db, sqlite:PATH or postgres://user@host:port/db", parseStoreArg)
    .option("--store-password-file <file>", "PostgreSQL password from the first line of this file (else PGPASSWORD)")
    .option("--since <time>", "from this time: an age (30m, 1h, 7d) or an ISO date/time")
    .option("--until <time>", "before this time: an age or an ISO date/time")
    .option("--event <globs>", "event names or globs, comma separated, e.g. 'worker.*,task.completed'")
    .option("--channel <channel>", "only events broadcast to this channel (room)")
    .option("--pool <id>", "only this pool")
    .option("--workflow <id>", "only this workflow")
    .option("--worker <id>", "only this worker")
    .option("--contains <text>", "text anywhere in the payload or error message (case-insensitive)")
    .option("--limit <n>", "at most the newest N events (table default 200)", parsePositiveInt)
    .addOption(new Option("--format <format>", "output format (default: table on a terminal, else json)")
      .choices(["table", "json", "csv"]))
    .option("--stats", "counts per event and time bucket, with a sparkline each")
    .addOption(new Option("--by <bucket>", "bucket for --stats").choices(["minute", "hour"]).default("minute"))
    .option("--timeline", "with --workflow: the workflow's stages with start, end and duration")
    .parse(args, { from: "user" });
  const o = program.opts<HistoryOptions>();
  const now = Date.now();
  const resolved = resolveStoreOptions({ store: o.store, storePasswordFile: o.storePasswordFile })!;
  const query: EventQuery = {
    since: o.since !== undefined ? parseTimeArg(o.since, now) : undefined,
    until: o.until !== undefined ? parseTimeArg(o.until, now) : undefined,
    events: o.event?.split(",").map((e) => e.trim()).filter(Boolean),
    channel: o.channel,
    pool: o.pool,
    workflow: o.workflow,
    worker: o.worker,
    contains: o.contains,
  };
  if (o.timeline && !o.workflow) throw new UsageError("Cannot show a timeline without --workflow ID");
  const format = o.format ?? (Deno.stdout.isTerminal() ? "table" : "json");
  const store = await openStore(resolved.target, { password: resolved.password, readOnly: true });
  const out = new Out();
  try {
    if (o.timeline) await printTimeline(store, query, o.workflow!, format, now, out);
    else if (o.stats) await printStats(store, query, o.by, format, out);
    else await printEvents(store, query, format, o.limit ?? (format === "table" ? 200 : undefined), out);
    await out.flush();
  } finally {
    await store.close();
  }
  return 0;
}

async function printEvents(
  store: StoreBackend,
  query: EventQuery,
  format: string,
  limit: number | undefined,
  out: Out,
): Promise<void> {
  const line = format === "csv" ? eventCsv : eventJson;
  if (format === "csv") await out.line(CSV_HEADER);
  if (limit !== undefined) {
    const rows = (await store.select({ ...query, order: "desc", limit })).reverse();
    if (format === "table") {
      await out.line(rows.length > 0 ? eventsTable(rows) : "no stored events match");
      if (rows.length === limit) await out.line(`(the newest ${limit}; --limit N shows more)`);
      return;
    }
    for (const r of rows) await out.line(line(r));
    return;
  }
  // No limit: stream in pages, oldest first, memory flat.
  let after: EventQuery["after"];
  const pageSize = 5000;
  while (!out.closed) {
    const page: EventRow[] = await store.select({ ...query, after, limit: pageSize });
    if (format === "table") {
      if (page.length > 0) await out.line(eventsTable(page));
    } else {
      for (const r of page) await out.line(line(r));
    }
    if (page.length < pageSize) return;
    after = { receivedAt: page[page.length - 1].receivedAt, id: page[page.length - 1].id };
  }
}

async function printStats(
  store: StoreBackend,
  query: EventQuery,
  by: "minute" | "hour",
  format: string,
  out: Out,
): Promise<void> {
  const size = by === "hour" ? 3_600_000 : 60_000;
  const stats = await store.stats(query, size);
  if (format === "json") {
    for (const s of stats) {
      await out.line(
        JSON.stringify({
          event: s.event,
          bucket: new Date(s.bucket).toISOString(),
          bucket_ms: s.bucket,
          count: s.count,
        }),
      );
    }
    return;
  }
  if (format === "csv") {
    await out.line("event,bucket,bucket_ms,count");
    for (const s of stats) {
      await out.line([s.event, new Date(s.bucket).toISOString(), s.bucket, s.count].map(csvField).join(","));
    }
    return;
  }
  if (stats.length === 0) return await out.line("no stored events match");
  const first = Math.floor((query.since ?? Math.min(...stats.map((s) => s.bucket))) / size) * size;
  // `until` is exclusive; without it the range ends at the newest stored bucket.
  const lastTime = query.until !== undefined ? query.until - 1 : Math.max(...stats.map((s) => s.bucket));
  const end = Math.max(first, Math.floor(lastTime / size) * size);
  const start = Math.max(first, end - (MAX_BUCKETS - 1) * size);
  const buckets: number[] = [];
  for (let b = start; b <= end; b += size) buckets.push(b);
  const shown = stats.filter((s) => s.bucket >= start && s.bucket <= end);
  await out.line(statsTable(shown, buckets, by));
  if (start > first) await out.line(`(the last ${MAX_BUCKETS} ${by}s; --since narrows the range)`);
}

async function printTimeline(
  store: StoreBackend,
  query: EventQuery,
  workflow: string,
  format: string,
  now: number,
  out: Out,
): Promise<void> {
  const rows = await store.select({ ...query, events: ["workflow.*"], workflow, limit: 100_000 });
  const runs = workflowTimeline(workflow, rows);
  if (format === "table") return await out.line(timelineText(runs, now));
  if (format === "csv") {
    await out.line("workflow_id,run,stage,start,end,duration_ms,status");
    for (const [i, run] of runs.entries()) {
      for (const s of run.stages) {
        const iso = (t: number | null) => t === null ? "" : new Date(t).toISOString();
        await out.line(
          [workflow, i + 1, s.name, iso(s.start), iso(s.end), s.durationMs ?? "", s.status].map(csvField).join(","),
        );
      }
    }
    return;
  }
  for (const run of runs) await out.line(JSON.stringify(run));
}

if (import.meta.main) await runMain("history", main);
