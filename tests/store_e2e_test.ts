import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import postgres from "postgres";
import { jsonLines, runScript, servicePortArgs, startDemoProcess } from "./_process.ts";
import { waitFor } from "./_script_server.ts";
import { openSqliteStore } from "../lib/store/sqlite.ts";
import { toRow } from "../lib/store/record.ts";
import { received } from "../lib/store/_test_rows.ts";
import { freshDatabase, ignorePostgres, startCluster } from "../lib/store/_test_pg.ts";
import { Connection } from "../lib/transport/connection.ts";

const COLLECT = (dir: string) => [
  "--allow-net=127.0.0.1,localhost",
  "--allow-read",
  `--allow-write=${dir}`,
  "--allow-env=MAHAVISHNU_TOKEN,PG*",
];
const HISTORY = ["--allow-net=127.0.0.1,localhost", "--allow-read", "--allow-env=PG*"];

/** Sum of "N msgs" over the links of the collector's last status line, and its stored/duplicate counts. */
function finalCounts(stderr: string): { msgs: number; stored: number; duplicates: number; dropped: number } {
  const line = stderr.split("\n").find((l) => l.startsWith("collector stopped:"));
  assert.ok(line, stderr);
  const msgs = [...line.matchAll(/(\d+) msgs/g)].reduce((n, m) => n + Number(m[1]), 0);
  const num = (re: RegExp) => Number(re.exec(line)![1]);
  return { msgs, stored: num(/(\d+) stored/), duplicates: num(/(\d+) duplicate/), dropped: num(/(\d+) dropped/) };
}

/** A demo server without Akosha (seeded `seed`) and a collector storing its streams into `store`, allowed to write only in `dir`. */
async function collectFromDemo(store: string, seed: number, statusInterval: string, dir: string) {
  const server = await startDemoProcess(["--port", "0", "--no-akosha", "--rate", "40", "--seed", String(seed)]);
  const run = runScript("collector.ts", [
    "--store",
    store,
    ...servicePortArgs(server.port, false),
    "--status-interval",
    statusInterval,
  ], COLLECT(dir));
  return { server, run };
}

Deno.test("collector.ts stores every message of the demo server in SQLite and flushes on SIGTERM", async () => {
  const dir = Deno.makeTempDirSync();
  const db = `${dir}/events.db`;
  const server = await startDemoProcess(["--port", "0", "--akosha-port", "0", "--rate", "40", "--seed", "3"]);
  const run = runScript("collector.ts", [
    "--store",
    db,
    ...servicePortArgs(server.port, server.akoshaPort),
    "--subscribe",
    "workflow:wf_123",
    "--status-interval",
    "300ms",
  ], COLLECT(dir));
  try {
    await waitFor(
      () => /collector \d\d:\d\d:\d\d: .*store .*: [1-9]\d* stored/.test(run.stderr()),
      "a status line",
      15_000,
    );
    await waitFor(() => (run.stderr().match(/^collector \d\d/gm) ?? []).length >= 4, "more status lines", 15_000);
    run.kill("SIGTERM");
    const status = await run.done;
    assert.equal(status.code, 0, run.stderr());
  } finally {
    run.kill("SIGKILL");
    server.kill();
    await server.done;
  }
  assert.match(run.stderr(), /SIGTERM: closing connections and storing what is buffered/);
  const counts = finalCounts(run.stderr());
  assert.equal(counts.dropped, 0);
  assert.equal(counts.stored + counts.duplicates, counts.msgs, "every received frame stored or recognised as stored");
  const raw = new DatabaseSync(db, { readOnly: true });
  const total = Number((raw.prepare("SELECT COUNT(*) AS n FROM events").get() as { n: number }).n);
  const services = raw.prepare("SELECT DISTINCT service FROM events ORDER BY 1").all().map((r) => r.service);
  const rooms = raw.prepare("SELECT DISTINCT room FROM events WHERE room IS NOT NULL").all().map((r) => r.room);
  raw.close();
  assert.equal(total, counts.stored);
  assert.deepEqual(services, ["akosha", "mahavishnu", "pool"]);
  assert.ok(rooms.includes("pool:pool_local") && rooms.includes("global"), JSON.stringify(rooms));

  const json = runScript("history.ts", ["--store", db, "--event", "task.*", "--format", "json"], HISTORY);
  assert.equal((await json.done).code, 0, json.stderr());
  const lines = jsonLines(json.stdout());
  assert.ok(lines.length > 0);
  assert.ok(lines.every((l) => String(l.event).startsWith("task.") && l.pool_id === "pool_local"));
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("collector.ts refuses a corrupt or read-only store with a clear message", async (t) => {
  const dir = Deno.makeTempDirSync();
  await t.step("not a database", async () => {
    Deno.writeTextFileSync(`${dir}/bad.db`, "just some text\n".repeat(100));
    const run = runScript("collector.ts", ["--store", `${dir}/bad.db`, "--mahavishnu-port", "9"], COLLECT(dir));
    const status = await run.done;
    assert.equal(status.code, 5);
    assert.match(run.stderr(), /is not an SQLite database or is corrupt/);
    assert.equal(Deno.readTextFileSync(`${dir}/bad.db`), "just some text\n".repeat(100));
  });
  await t.step("read-only file", async () => {
    (await openSqliteStore(`${dir}/ro.db`)).close();
    Deno.chmodSync(`${dir}/ro.db`, 0o444);
    const run = runScript("collector.ts", ["--store", `${dir}/ro.db`, "--mahavishnu-port", "9"], COLLECT(dir));
    assert.equal((await run.done).code, 5);
    assert.match(run.stderr(), /Cannot write to store .*ro\.db as the file is read-only/);
  });
  await t.step("no store", async () => {
    const run = runScript("collector.ts", [], COLLECT(dir));
    assert.equal((await run.done).code, 2);
    assert.match(run.stderr(), /Cannot collect without a store/);
  });
  Deno.removeSync(dir, { recursive: true });
});

/** A store with a known run of wf_7 (plan 2 s, build 3 s, failed in test) and pool traffic. */
async function knownStore(path: string, t0: number): Promise<void> {
  const store = await openSqliteStore(path);
  const wf = (event: string, data: Record<string, unknown>, at: number) =>
    toRow(
      received(event, { workflow_id: "wf_7", ...data }, {
        receivedAt: at,
        room: "workflow:wf_7",
        service: "mahavishnu",
      }),
    );
  const rows = [
    wf("workflow.started", { stages: ["plan", "build", "test"] }, t0),
    wf("workflow.stage_completed", { stage_name: "plan" }, t0 + 2000),
    wf("workflow.stage_completed", { stage_name: "build" }, t0 + 5000),
    wf("workflow.failed", { error: "tests \x1b[31mred\x1b[0m, 3 failing" }, t0 + 9000),
  ];
  for (let i = 0; i < 120; i++) {
    rows.push(toRow(received(i % 2 ? "task.completed" : "task.assigned", {
      pool_id: "pool_a",
      worker_id: `w${i % 3}`,
      task_id: `t${i}`,
    }, { receivedAt: t0 + i * 1000, room: "pool:pool_a" })));
  }
  await store.insert(rows);
  await store.close();
}

Deno.test("history.ts prints tables, JSON lines, CSV, stats with sparklines and a timeline", async (t) => {
  const dir = Deno.makeTempDirSync();
  const db = `${dir}/known.db`;
  const t0 = Date.UTC(2026, 10, 30, 8, 0, 0);
  await knownStore(db, t0);
  const history = async (...args: string[]) => {
    const run = runScript("history.ts", ["--store", db, ...args], HISTORY);
    const status = await run.done;
    assert.equal(status.code, 0, run.stderr());
    return run.stdout();
  };
  await t.step("table, newest N, oldest first", async () => {
    const out = await history("--format", "table", "--pool", "pool_a", "--limit", "3");
    assert.match(out, /TIME\s+│ SERVICE\s+│ EVENT/);
    const tasks = [...out.matchAll(/task=(t\d+)/g)].map((m) => m[1]);
    assert.deepEqual(tasks, ["t117", "t118", "t119"]);
    assert.match(out, /the newest 3/);
  });
  await t.step("json, filtered by worker and time", async () => {
    const since = new Date(t0 + 10_000).toISOString();
    const until = new Date(t0 + 20_000).toISOString();
    const lines = jsonLines(await history("--worker", "w1", "--since", since, "--until", until, "--format", "json"));
    assert.deepEqual(lines.map((l) => l.task_id), ["t10", "t13", "t16", "t19"]);
    assert.equal(lines[0].time, new Date(t0 + 10_000).toISOString());
  });
  await t.step("csv with quoted payload", async () => {
    const out = (await history("--event", "workflow.*", "--format", "csv")).trim().split("\n");
    assert.equal(out[0].split(",")[0], "time");
    assert.equal(out.length, 5);
    assert.match(
      out[4],
      /workflow\.failed,error,,wf_7,.*"\{""workflow_id"":""wf_7"",""error"":""tests red, 3 failing""\}"$/,
    );
  });
  await t.step("contains", async () => {
    const lines = jsonLines(await history("--contains", "3 FAILING"));
    assert.deepEqual(lines.map((l) => l.event), ["workflow.failed"]);
    const channel = jsonLines(await history("--channel", "workflow:wf_7"));
    assert.deepEqual(channel.map((l) => l.event), [
      "workflow.started",
      "workflow.stage_completed",
      "workflow.stage_completed",
      "workflow.failed",
    ]);
  });
  await t.step("stats per minute with sparklines", async () => {
    const out = await history(
      "--stats",
      "--format",
      "table",
      "--since",
      new Date(t0).toISOString(),
      "--until",
      new Date(t0 + 120_000).toISOString(),
    );
    const row = out.split("\n").find((l) => l.includes("task.assigned"))!;
    assert.match(row, /task\.assigned\s+│ 60\s+│ ██\s+│ 30/);
    assert.match(out, /PER MINUTE \(2\)/);
    const json = jsonLines(await history("--stats", "--by", "hour"));
    assert.deepEqual(json.find((l) => l.event === "task.completed"), {
      event: "task.completed",
      bucket: new Date(t0).toISOString(),
      bucket_ms: t0,
      count: 60,
    });
  });
  await t.step("timeline", async () => {
    const out = await history("--workflow", "wf_7", "--timeline", "--format", "table");
    assert.match(out, /wf_7 run 1: failed in 9\.0s/);
    assert.match(out, /error: tests red, 3 failing/);
    assert.match(out, /plan\s+│ .*│ 2\.0s\s+│ completed/);
    assert.match(out, /build\s+│ .*│ 3\.0s\s+│ completed/);
    assert.match(out, /test\s+│ .*│ 4\.0s\s+│ failed/);
    assert.ok(!out.includes("\x1b"), "no escape sequence printed");
    const [run] = jsonLines(await history("--workflow", "wf_7", "--timeline", "--format", "json"));
    assert.equal((run.stages as unknown[]).length, 3);
  });
  await t.step("bad input", async () => {
    const missing = runScript("history.ts", ["--store", `${dir}/missing.db`], HISTORY);
    assert.equal((await missing.done).code, 1);
    assert.match(missing.stderr(), /missing\.db as the file does not exist/);
    const bad = runScript("history.ts", ["--store", db, "--since", "yesterday"], HISTORY);
    assert.equal((await bad.done).code, 2);
    assert.match(bad.stderr(), /expected an age like 1h or an ISO date/);
  });
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("demo_server.ts --replay events.db serves the stored events in order", async () => {
  const dir = Deno.makeTempDirSync();
  const db = `${dir}/known.db`;
  const t0 = Date.UTC(2026, 10, 30, 8, 0, 0);
  await knownStore(db, t0);
  const server = await startDemoProcess([
    "--port",
    "0",
    "--no-akosha",
    "--replay",
    db,
    "--speed",
    "200",
    "--since",
    new Date(t0 + 100_000).toISOString(),
  ]);
  const got: string[] = [];
  const c = new Connection(`ws://127.0.0.1:${server.port}`, {
    channels: ["pool:pool_a"],
    onMessage: (m) => {
      if (m.type === "event" && m.event !== "session.created") got.push(String(m.data.task_id));
    },
  });
  c.start();
  try {
    await waitFor(() => got.length >= 20, "20 replayed events", 15_000);
    assert.deepEqual(got, Array.from({ length: 20 }, (_, i) => `t${100 + i}`));
    assert.match(server.stderr(), /replay: 20 stored event\(s\)/);
  } finally {
    await c.close();
    server.kill();
    await server.done;
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test({
  name: "collector.ts stores in a real PostgreSQL server and history.ts reads it back",
  ignore: ignorePostgres,
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const pg = await freshDatabase();
  const dir = Deno.makeTempDirSync();
  const { server, run } = await collectFromDemo(pg.url, 4, "300ms", dir);
  try {
    await waitFor(() => /: [1-9]\d\d* stored/.test(run.stderr()), "stored events", 20_000);
    run.kill("SIGINT");
    assert.equal((await run.done).code, 0, run.stderr());
    const counts = finalCounts(run.stderr());
    assert.equal(counts.stored + counts.duplicates, counts.msgs);
    const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
    const [r] = await sql.unsafe("SELECT COUNT(*)::int AS n FROM events");
    await sql.end();
    assert.equal(r.n, counts.stored);
    const history = runScript("history.ts", ["--store", pg.url, "--format", "csv"], HISTORY);
    assert.equal((await history.done).code, 0, history.stderr());
    assert.equal(history.stdout().trim().split("\n").length, counts.stored + 1);
  } finally {
    run.kill("SIGKILL");
    server.kill();
    await server.done;
    Deno.removeSync(dir, { recursive: true });
    await pg.drop();
  }
});

Deno.test({
  name: "collector.ts keeps collecting through a PostgreSQL restart and loses nothing",
  ignore: ignorePostgres,
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const cluster = await startCluster();
  const dir = Deno.makeTempDirSync();
  const { server, run } = await collectFromDemo(cluster.url, 6, "200ms", dir);
  const stored = () =>
    Number(/(\d+) stored/.exec(run.stderr().split("\n").filter((l) => /^collector \d/.test(l)).at(-1) ?? "")?.[1] ?? 0);
  try {
    await waitFor(() => stored() > 20, "events stored before the restart", 20_000);
    await cluster.stop();
    await waitFor(() => /retrying; events wait in the buffer/.test(run.stderr()), "the failure reported", 20_000);
    await new Promise((r) => setTimeout(r, 1500)); // events keep arriving while the server is down
    await cluster.start();
    await waitFor(() => /is writable again/.test(run.stderr()), "the recovery reported", 20_000);
    run.kill("SIGTERM");
    assert.equal((await run.done).code, 0, run.stderr());
    // One line per new failure (a shutdown notice, then refused connections), never one per retry.
    const failures = run.stderr().split("\n").filter((l) => l.includes("retrying; events wait in the buffer"));
    assert.ok(failures.length >= 1 && failures.length <= 3, failures.join("\n"));
    assert.ok(failures.every((l, i) => i === 0 || l !== failures[i - 1]), failures.join("\n"));
    const counts = finalCounts(run.stderr());
    assert.equal(counts.dropped, 0);
    assert.equal(counts.stored + counts.duplicates, counts.msgs);
    const sql = postgres(cluster.url, { max: 1, onnotice: () => {} });
    const [r] = await sql.unsafe("SELECT COUNT(*)::int AS n FROM events");
    await sql.end();
    assert.equal(r.n, counts.stored);
  } finally {
    run.kill("SIGKILL");
    server.kill();
    await server.done;
    Deno.removeSync(dir, { recursive: true });
    await cluster.destroy();
  }
});

Deno.test("pool_monitor.ts --store keeps every message; --replay events.db plays them back", async () => {
  const dir = Deno.makeTempDirSync();
  const db = `${dir}/pool.db`;
  const perms = [
    "--allow-net=127.0.0.1",
    "--allow-env=MAHAVISHNU_TOKEN",
    `--allow-read=${dir}`,
    `--allow-write=${dir}`,
  ];
  const server = await startDemoProcess(["--port", "0", "--no-akosha", "--rate", "40", "--seed", "8"]);
  try {
    const denied = runScript("pool_monitor.ts", ["pool_local", "--port", String(server.port), "--store", db], [
      "--allow-net=127.0.0.1",
      "--allow-env=MAHAVISHNU_TOKEN",
      `--allow-read=${dir}`,
    ]);
    assert.equal((await denied.done).code, 4);
    assert.match(denied.stderr(), /--store needs --allow-write=.*pool\.db/);

    const live = runScript("pool_monitor.ts", ["pool_local", "--port", String(server.port), "--store", db], perms);
    await waitFor(
      () => jsonLines(live.stdout()).filter((l) => l.kind === "message").length >= 40,
      "40 messages",
      15_000,
    );
    live.kill("SIGINT");
    assert.equal((await live.done).code, 0, live.stderr());
    const received = jsonLines(live.stdout()).filter((l) => l.kind === "message");
    const raw = new DatabaseSync(db, { readOnly: true });
    const stored = raw.prepare("SELECT id, received_at FROM events ORDER BY received_at, id").all();
    raw.close();
    assert.equal(stored.length, received.length, "every received message stored");

    const replay = runScript("pool_monitor.ts", ["pool_local", "--replay", db, "--speed", "1000"], perms);
    assert.equal((await replay.done).code, 0, replay.stderr());
    const replayed = jsonLines(replay.stdout()).filter((l) => l.kind === "message");
    assert.equal(replayed.length, stored.length);
    const ids = (ls: Record<string, unknown>[]) => ls.map((l) => (l.message as { id: string }).id).filter(Boolean);
    assert.deepEqual(new Set(ids(replayed)), new Set(ids(received)));

    const middle = Number(stored[Math.floor(stored.length / 2)].received_at);
    const half = runScript("pool_monitor.ts", [
      "pool_local",
      "--replay",
      db,
      "--speed",
      "1000",
      "--since",
      new Date(middle).toISOString(),
    ], perms);
    assert.equal((await half.done).code, 0, half.stderr());
    const later = stored.filter((r) => Number(r.received_at) >= middle).length;
    assert.equal(jsonLines(half.stdout()).filter((l) => l.kind === "message").length, later);
  } finally {
    server.kill();
    await server.done;
    Deno.removeSync(dir, { recursive: true });
  }
});
