import assert from "node:assert/strict";
import { tempDb } from "./_test_rows.ts";

const FIXTURE = new URL("./_thread_priority_fixture.ts", import.meta.url).pathname;

/** The nice value of each thread of the fixture, by thread name, with or without `--allow-sys=setPriority`. */
async function threadNice(allowSys: boolean): Promise<{ threads: Map<string, number>; batches: number }> {
  using db = tempDb("thread_test_");
  const dir = db.path.slice(0, db.path.lastIndexOf("/"));
  const flags = [`--allow-read`, `--allow-write=${dir}`, ...(allowSys ? ["--allow-sys=setPriority"] : [])];
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", ...flags, FIXTURE, db.path],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!/ready \d+\n/.test(out)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`fixture ended early: ${out}`);
    out += value;
  }
  const ps = await new Deno.Command("ps", { args: ["-L", "-o", "ni=,comm=", "-p", String(child.pid)] }).output();
  await child.stdin.close();
  await reader.cancel();
  assert.ok((await child.status).success);
  const threads = new Map<string, number>();
  for (const line of new TextDecoder().decode(ps.stdout).trim().split("\n")) {
    const [ni, ...name] = line.trim().split(/\s+/);
    threads.set(name.join(" "), Number(ni));
  }
  return { threads, batches: Number(/ready (\d+)/.exec(out)![1]) };
}

Deno.test({
  name: "openThreadedSqliteStore() runs its thread at nice 10 (and 8 batches a request) when the process may",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const granted = await threadNice(true);
    assert.equal(granted.threads.get("worker-1"), 10, JSON.stringify([...granted.threads]));
    assert.equal(granted.threads.get("deno"), 0);
    assert.equal(granted.batches, 8);
    const plain = await threadNice(false);
    assert.equal(plain.threads.get("worker-1"), 0, JSON.stringify([...plain.threads]));
    assert.equal(plain.batches, 1);
  },
});
