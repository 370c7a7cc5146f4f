import assert from "node:assert/strict";
import { parseFrames, PtyRun, shippedArgs } from "./_harness.ts";

Deno.test("parseFrames() gives each frame its bytes, arrival times, text and counters", () => {
  const first = "\x1b[?2026h\x1b[H\x1b[2J\x1b[1;1H\x1b[1mPool\x1b[0m  msgs 12  up 1s\x1b[K\x1b[?2026l";
  const second = "\x1b[?2026h\x1b[1;1Hé msgs 40 · msgs 2\x1b[K\x1b[?2026l";
  const third = "\x1b[?2026h\x1b[1;9H1\x1b[?2026l"; // only the digit that changed
  const bytes = new TextEncoder().encode("\x1b[?1049h" + first + second + third);
  const cut = bytes.length - third.length - 10; // the second frame arrives in two reads
  const frames = parseFrames(bytes, `100.000 ${cut}\n100.250 ${bytes.length}\n`);
  assert.equal(frames.length, 3);
  assert.equal(frames[0].bytes, new TextEncoder().encode(first).length);
  assert.equal(frames[0].full, true);
  assert.deepEqual(frames[0].msgs, [12]);
  assert.match(frames[0].text, /Pool\s+msgs 12/);
  assert.equal(frames[1].full, false);
  assert.deepEqual(frames[1].msgs, [40, 2]);
  assert.equal(frames[1].bytes, new TextEncoder().encode(second).length, "bytes, not characters");
  assert.equal(frames[1].tBegin, 100_000);
  assert.equal(frames[1].tEnd, 100_250);
  assert.deepEqual(frames[2].msgs, [41, 2], "counters read from the screen the frame leaves");
  assert.equal(frames[2].bytes, third.length);
});

Deno.test("shippedArgs() reads the deno.json task and puts extra flags after run", () => {
  const args = shippedArgs("pool", ["--cpu-prof"]);
  assert.equal(args[0], "run");
  assert.equal(args[1], "--cpu-prof");
  assert.ok(args.includes("pool_monitor.ts"));
  assert.ok(args.some((a) => a.startsWith("--allow-net=")));
  assert.throws(() => shippedArgs("ok"), TypeError);
});

Deno.test("PtyRun.start() runs a command in a 120x40 terminal and records its frames", async () => {
  const dir = await Deno.makeTempDir();
  const code = `const s = Deno.consoleSize(); const t = Deno.stdout.isTerminal();
    await Deno.stdout.write(new TextEncoder().encode("\\x1b[?2026h" + s.columns + "x" + s.rows + " " + t + " msgs 7\\x1b[?2026l"));`;
  const run = await PtyRun.start([Deno.execPath(), "eval", code], { outFile: `${dir}/out` });
  assert.equal(await run.exited(), 0);
  const frames = run.frames();
  assert.equal(frames.length, 1);
  assert.match(frames[0].text, /120x40 true/);
  assert.deepEqual(frames[0].msgs, [7]);
  assert.ok(frames[0].tEnd >= run.startedAt);
  await run.stop();
  await Deno.remove(dir, { recursive: true });
});
