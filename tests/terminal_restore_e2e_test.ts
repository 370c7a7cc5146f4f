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
  name: "pool_monitor.ts in a terminal: q, SIGINT, SIGTERM and SIGHUP restore the terminal",
  ignore: !hasPython,
  fn: async (t) => {
    const server = await startDemoProcess(["--port", "0", "--no-akosha", "--rate", "20"]);
    for (const how of ["q", "SIGINT", "SIGTERM", "SIGHUP"] as const) {
      await t.step(how, async () => {
        const run = inPty(server.port!);
        await waitFor(() => run.out().includes("Mahavishnu Pool Monitor") && run.pid() > 0, "the first frame", 15_000)
          .catch((e) => {
            throw new Error(`${e.message}: ${JSON.stringify(run.out().slice(0, 300))}`);
          });
        await waitFor(() => run.out().includes("connected"), "connected", 15_000);
        if (how === "q") await run.type("q");
        else Deno.kill(run.pid(), how);
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
    await waitFor(() => run.out().includes("connected") && run.pid() > 0, "connected", 15_000);
    await run.type("p");
    await waitFor(() => /PAUSED: \d+ new messages since the pause/.test(run.out()), "the PAUSED banner", 5000);
    await run.type("p/task\r");
    await waitFor(() => /Recent events \(\d+ matching "task"\)/.test(run.out()), "the filter", 5000);
    await run.type("?");
    await waitFor(() => run.out().includes("pause / resume the display"), "the help overlay", 5000);
    await run.type("xq");
    const status = await run.done();
    assert.equal(status.code, 0);
    assert.ok(run.out().endsWith(RESTORE_SEQUENCE));
    server.kill();
    await server.done;
  },
});
