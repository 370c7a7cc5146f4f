/**
 * Keys and display in a real terminal: a key acts within one frame on a quiet
 * link, the focused list is named, a resize while paused lays the screen out
 * again, a refused subscription is a visible state.
 */
import assert from "node:assert/strict";
import { RESTORE_SEQUENCE } from "../lib/ui/renderer.ts";
import { runInPty } from "./_pty.ts";
import { requireTool } from "./_require.ts";
import { answerSubscribe, frame, type ScriptServer, startScriptServer, waitFor, welcome } from "./_script_server.ts";

const hasPython = requireTool("python3", "python3", ["-c", "import pty"], "the terminal key tests");

/** A quiet server: a welcome, the subscription answered (or refused with `refuse`), `events` events, then nothing. */
function quietServer(refuse?: string, events = 1): ScriptServer {
  return startScriptServer({
    open: (ws) => ws.send(welcome()),
    message(ws, m) {
      if (m.event !== "subscribe") return;
      if (refuse) {
        ws.send(frame("error", null, {}, {
          correlation_id: m.correlation_id ?? null,
          error_code: refuse,
          error_message: "not for you",
        }));
        return;
      }
      answerSubscribe(ws, m);
      for (let i = 0; i < events; i++) {
        ws.send(frame("event", "pool.status_changed", { pool_id: "pool_local", status: i % 2 ? "running" : "idle" }));
      }
    },
  });
}

function monitor(server: ScriptServer, columns = 100, rows = 24) {
  return runInPty(
    ["--allow-net=127.0.0.1", "pool_monitor.ts", "pool_local", "--port", String(server.port)],
    { columns, rows },
  );
}

/** Types `key` and waits (at most `ms`) for `expected` on the screen, where it was not before; returns the screen. */
async function keyShows(run: ReturnType<typeof monitor>, key: string, expected: RegExp, ms: number): Promise<string> {
  assert.doesNotMatch(run.screen(), expected, `before ${JSON.stringify(key)}`);
  const start = Date.now();
  await run.type(key);
  await waitFor(() => expected.test(run.screen()), `${JSON.stringify(key)} to show ${expected}`, 5000);
  const took = Date.now() - start;
  assert.ok(took < ms, `${JSON.stringify(key)} took ${took} ms (the clock ticks every 2 s on a quiet link)`);
  return run.screen();
}

Deno.test({
  name: "pool_monitor.ts on a quiet link: each key shows within one frame; Tab names the focused list",
  ignore: !hasPython,
  fn: async () => {
    const server = quietServer();
    const run = monitor(server);
    await waitFor(() => /\bconnected\b/.test(run.screen()) && run.pid() > 0, "connected", 15_000);
    await new Promise((r) => setTimeout(r, 300));
    await keyShows(run, "?", /pause \/ resume the display/, 500);
    await keyShows(run, "x", /Mahavishnu Pool Monitor/, 500);
    await keyShows(run, "p", /PAUSED: 0 new messages/, 500);
    await keyShows(run, "p", /Mahavishnu Pool Monitor/, 500);
    await keyShows(run, "\t", /↕ table/, 500);
    await keyShows(run, "\t", /↕ history/, 500);
    await run.type("q");
    assert.equal((await run.done()).code, 0);
    assert.ok(run.out().endsWith(RESTORE_SEQUENCE));
    await server.close();
  },
});

Deno.test({
  name: "pool_monitor.ts resized while paused lays the paused screen out for the new size",
  ignore: !hasPython,
  fn: async () => {
    const server = quietServer();
    const run = monitor(server, 80, 20);
    await waitFor(() => /\bconnected\b/.test(run.screen()) && run.pid() > 0, "connected", 15_000);
    await keyShows(run, "p", /PAUSED/, 1000);
    const from = run.out().length;
    run.resize(110, 30);
    await waitFor(() => run.out().slice(from).includes("\x1b[30;1H"), "a screen of 30 rows", 5000);
    const after = run.out().slice(from);
    assert.ok(after.includes("\x1b[H\x1b[2J"), "cleared for the new size");
    assert.match(run.screen(), /PAUSED/, "still paused");
    // Section rules run to the right edge: 110 columns now, not the 80 the paused screen was laid out for.
    assert.match(run.screen(), /─{95,}/, "laid out again for 110 columns");
    await run.type("q");
    assert.equal((await run.done()).code, 0);
    await server.close();
  },
});

Deno.test({
  name: "pool_monitor.ts whose subscription is refused shows it in the header, not a green connected",
  ignore: !hasPython,
  fn: async (t) => {
    for (const code of ["FORBIDDEN", "RATE_LIMIT_EXCEEDED"]) {
      await t.step(code, async () => {
        const server = quietServer(code);
        const run = monitor(server, 120);
        const badge = `⚠ refused pool:pool_local (${code})`;
        await waitFor(() => run.screen().includes(badge) && run.pid() > 0, badge, 15_000);
        assert.ok(!run.frames().some((screen) => screen.includes("● connected")), "never shown as plainly connected");
        await run.type("q");
        assert.equal((await run.done()).code, 0);
        await server.close();
      });
    }
  },
});

Deno.test({
  name: "pool_monitor.ts: scrolling the history stops at its end, so the first key back up moves",
  ignore: !hasPython,
  fn: async () => {
    const server = quietServer(undefined, 40);
    const run = monitor(server);
    await waitFor(() => /\bconnected\b/.test(run.screen()) && run.pid() > 0, "connected", 15_000);
    await new Promise((r) => setTimeout(r, 300));
    await keyShows(run, "j".repeat(80), /↑ \d+ newer/, 1000);
    await new Promise((r) => setTimeout(r, 200));
    const last = Number(/↑ (\d+) newer/.exec(run.screen())![1]);
    assert.ok(last > 5 && last < 40, `stopped at ${last}`);
    await keyShows(run, "k", new RegExp(`↑ ${last - 1} newer`), 1000);
    await run.type("q");
    assert.equal((await run.done()).code, 0);
    await server.close();
  },
});
