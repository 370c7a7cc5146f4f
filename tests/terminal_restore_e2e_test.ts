// deno-lint-ignore-file no-control-regex
import assert from "node:assert/strict";
import { ENTER_SEQUENCE, RESTORE_SEQUENCE } from "../lib/ui/renderer.ts";
import { startDemoProcess } from "./_process.ts";
import { waitFor } from "./_script_server.ts";
import { requireTool } from "./_require.ts";
import { runInPty } from "./_pty.ts";

const hasPython = requireTool("python3", "python3", ["-c", "import pty"], "the pseudo-terminal restore tests");

/** Runs pool_monitor.ts in a pseudo-terminal; returns the raw output and a way to stop it. */
function inPty(port: number) {
  return runInPty(["--allow-net=127.0.0.1", "pool_monitor.ts", "pool_local", "--port", String(port)]);
}

Deno.test({
  name: "pool_monitor.ts in a terminal: q, Ctrl+C, Ctrl+\\ and every exit signal restore the terminal and exit 0",
  ignore: !hasPython,
  fn: async (t) => {
    const server = await startDemoProcess(["--port", "0", "--no-akosha", "--rate", "20"]);
    const keys: Record<string, string> = { q: "q", "Ctrl+C": "\x03", "Ctrl+\\": "\x1c" };
    const signals = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM"] as const;
    for (const how of [...Object.keys(keys), ...signals]) {
      await t.step(how, async () => {
        const run = inPty(server.port!);
        await waitFor(() => run.out().includes("Mahavishnu Pool Monitor") && run.pid() > 0, "the first frame", 15_000)
          .catch((e) => {
            throw new Error(`${e.message}: ${JSON.stringify(run.out().slice(0, 300))}`);
          });
        await waitFor(() => /\bconnected\b/.test(run.screen()), "connected", 15_000);
        if (how in keys) await run.type(keys[how]);
        else Deno.kill(run.pid(), how as Deno.Signal);
        const status = await run.done();
        assert.equal(status.code, 0);
        const out = run.out();
        assert.ok(out.includes(ENTER_SEQUENCE), "alternate screen and hidden cursor");
        assert.ok(
          out.indexOf(ENTER_SEQUENCE) < out.indexOf("Mahavishnu Pool Monitor"),
          "entered before the first frame",
        );
        assert.ok(out.endsWith(RESTORE_SEQUENCE), `restored last: ${JSON.stringify(out.slice(-40))}`);
      });
    }
    server.kill();
    await server.done;
  },
});

Deno.test({
  name: "pool_monitor.ts in a terminal: p pauses with a count, / filters, ? shows help, q quits",
  ignore: !hasPython,
  fn: async () => {
    const server = await startDemoProcess(["--port", "0", "--no-akosha", "--rate", "30"]);
    const run = inPty(server.port!);
    await waitFor(() => /\bconnected\b/.test(run.screen()) && run.pid() > 0, "connected", 15_000);
    await run.type("p");
    await waitFor(() => /PAUSED: \d+ new messages since the pause/.test(run.screen()), "the PAUSED banner", 5000);
    await run.type("p/task\r");
    await waitFor(() => /Recent events \(\d+ matching "task"\)/.test(run.screen()), "the filter", 5000);
    await run.type("?");
    await waitFor(() => run.screen().includes("pause / resume the display"), "the help overlay", 5000);
    await run.type("xq");
    const status = await run.done();
    assert.equal(status.code, 0);
    assert.ok(run.out().endsWith(RESTORE_SEQUENCE));
    server.kill();
    await server.done;
  },
});

/**
 * `--preload` files that break the run from outside the monitor's own code
 * paths once the test sends SIGWINCH (after the first frame: loading the
 * script can take long on a busy machine, a fixed delay could fire too early).
 */
const PRELOADS: Record<string, { code: string; stderr: RegExp }> = {
  "an exception thrown from a timer": {
    code: `Deno.addSignalListener("SIGWINCH", () => setTimeout(() => { throw new Error("boom from a timer"); }, 300));`,
    stderr: /unexpected error: Error: boom from a timer/,
  },
  "an unhandled rejection": {
    code:
      `Deno.addSignalListener("SIGWINCH", () => setTimeout(() => { Promise.reject(new Error("boom from a promise")); }, 300));`,
    stderr: /unexpected error: Error: boom from a promise/,
  },
  // The views measure text with Intl.Segmenter; after SIGWINCH it throws when a view calls it.
  "a view error": {
    code: `const segment = Intl.Segmenter.prototype.segment;
let broken = false;
Deno.addSignalListener("SIGWINCH", () => broken = true);
Intl.Segmenter.prototype.segment = function (text) {
  if (broken && /\\/lib\\/ui\\//.test(new Error().stack ?? "")) throw new Error("view boom");
  return segment.call(this, text);
};`,
    stderr: /the view failed: Error: view boom/,
  },
};

Deno.test({
  name: "pool_monitor.ts in a terminal: an uncaught exception, a rejection and a view error restore it and exit 1",
  ignore: !hasPython,
  fn: async (t) => {
    const server = await startDemoProcess(["--port", "0", "--no-akosha", "--rate", "20"]);
    const dir = Deno.makeTempDirSync();
    for (const [what, { code, stderr }] of Object.entries(PRELOADS)) {
      await t.step(what, async () => {
        const preload = `${dir}/preload.js`;
        Deno.writeTextFileSync(preload, code);
        const run = runInPty([
          "--allow-net=127.0.0.1",
          `--preload=${preload}`,
          "pool_monitor.ts",
          "pool_local",
          "--port",
          String(server.port),
        ]);
        await waitFor(() => run.out().includes("Mahavishnu Pool Monitor"), "the first frame", 15_000);
        Deno.kill(run.pid(), "SIGWINCH");
        const timer = setTimeout(() => Deno.kill(run.pid(), "SIGKILL"), 15_000);
        const status = await run.done();
        clearTimeout(timer);
        const out = run.out();
        assert.equal(status.code, 1, out.slice(-300));
        const restored = out.lastIndexOf(RESTORE_SEQUENCE);
        assert.ok(restored > out.indexOf(ENTER_SEQUENCE), "restored after the screen was entered");
        // The reason comes after the restore, on the main screen (stderr shares the terminal): nothing but it.
        const after = out.slice(restored + RESTORE_SEQUENCE.length);
        assert.match(after, stderr);
        assert.doesNotMatch(after, /\x1b\[\?1049h|\x1b\[\?25l/, "no screen control after the restore");
      });
    }
    Deno.removeSync(dir, { recursive: true });
    server.kill();
    await server.done;
  },
});
