/**
 * The terminal as a session: Ctrl+Z and SIGTSTP stop the monitor with the
 * terminal given back and SIGCONT takes it again; a monitor started in the
 * background does not draw over the shell; a terminal that goes away ends the
 * monitor with a clean close; `--exit-on-finish` leaves a summary on the main screen.
 */
import assert from "node:assert/strict";
import { ENTER_SEQUENCE, RESTORE_SEQUENCE } from "../lib/ui/renderer.ts";
import { startDemoProcess } from "./_process.ts";
import { runCommandInPty, runInPty } from "./_pty.ts";
import { requireTool } from "./_require.ts";
import { answerSubscribe, frame, startScriptServer, waitFor, welcome } from "./_script_server.ts";

const hasPython = requireTool("python3", "python3", ["-c", "import pty"], "the pseudo-terminal session tests");
const hasBash = requireTool("bash", "bash", ["-c", "set -m"], "the background-start test");

/**
 * The state letter of a process (`S`, `R`, `T` stopped, `Z`), or null when it
 * is gone. Read with `cat`: Deno itself wants --allow-all for /proc.
 */
function processState(pid: number): string | null {
  const { success, stdout } = new Deno.Command("cat", { args: [`/proc/${pid}/stat`], stderr: "null" }).outputSync();
  if (!success) return null;
  const stat = new TextDecoder().decode(stdout);
  return stat.slice(stat.lastIndexOf(")") + 2)[0] ?? null;
}

/** The one child process of `pid` (`setsid --wait` runs the monitor as its child). */
function childOf(pid: number): number {
  const { stdout } = new Deno.Command("cat", { args: [`/proc/${pid}/task/${pid}/children`] }).outputSync();
  const child = Number(new TextDecoder().decode(stdout).trim());
  assert.ok(child > 0, `a child of ${pid}`);
  return child;
}

Deno.test({
  name: "pool_monitor.ts in a terminal: Ctrl+Z and SIGTSTP give the terminal back and stop it; SIGCONT redraws",
  ignore: !hasPython,
  fn: async (t) => {
    const server = await startDemoProcess(["--port", "0", "--no-akosha", "--rate", "20"]);
    for (const how of ["Ctrl+Z", "SIGTSTP"] as const) {
      await t.step(how, async () => {
        const run = runInPty(["--allow-net=127.0.0.1", "pool_monitor.ts", "pool_local", "--port", String(server.port)]);
        await waitFor(() => /\bconnected\b/.test(run.screen()) && run.pid() > 0, "connected", 15_000);
        if (how === "Ctrl+Z") await run.type("\x1a");
        else Deno.kill(run.pid(), "SIGTSTP");
        await waitFor(() => processState(run.pid()) === "T", "the process stopped", 5000);
        // The bytes written before the stop may still be on their way through the helper.
        await waitFor(() => run.out().endsWith(RESTORE_SEQUENCE), "the restore", 2000).catch(() => {});
        const stopped = run.out();
        assert.ok(
          stopped.endsWith(RESTORE_SEQUENCE),
          `restored before stopping: ${JSON.stringify(stopped.slice(-60))}`,
        );
        // Stopped means stopped: nothing more is drawn.
        await new Promise((r) => setTimeout(r, 500));
        assert.equal(run.out().length, stopped.length);
        Deno.kill(run.pid(), "SIGCONT");
        await waitFor(() => run.out().slice(stopped.length).includes("Mahavishnu Pool Monitor"), "the redraw", 5000);
        const resumed = run.out().slice(stopped.length);
        assert.ok(resumed.startsWith(ENTER_SEQUENCE), "the alternate screen again, first");
        assert.ok(resumed.includes("\x1b[1;1H"), "everything redrawn from the first row");
        await run.type("p"); // raw mode again: a single key acts without Enter
        await waitFor(() => run.screen().includes("PAUSED"), "a key after resuming", 5000);
        await run.type("q");
        const status = await run.done();
        assert.equal(status.code, 0);
        assert.ok(run.out().endsWith(RESTORE_SEQUENCE));
      });
    }
    server.kill();
    await server.done;
  },
});

Deno.test({
  name: "pool_monitor.ts started in the background (&) draws nothing until fg, then runs normally",
  ignore: !hasPython || !hasBash,
  fn: async () => {
    const server = await startDemoProcess(["--port", "0", "--no-akosha", "--rate", "20"]);
    const monitor =
      `'${Deno.execPath()}' run --quiet --allow-net=127.0.0.1 pool_monitor.ts pool_local --port ${server.port}`;
    // An interactive-like shell with job control: the monitor gets its own, background, process group.
    const script = `set -m; ${monitor} & echo "job $!"; read -r go; echo "FG"; fg; echo "exit $?"`;
    const run = runCommandInPty(["bash", "-c", script]);
    await waitFor(() => /job \d+/.test(run.out()), "the job", 10_000);
    const pid = Number(/job (\d+)/.exec(run.out())![1]);
    await waitFor(() => processState(pid) === "T", "the terminal stopping the background job", 15_000);
    assert.ok(!run.out().includes("\x1b[?1049h"), `nothing drawn over the shell: ${JSON.stringify(run.out())}`);
    await run.type("go\n");
    await waitFor(() => /FG[\s\S]*Mahavishnu Pool Monitor/.test(run.out()), "the first frame after fg", 15_000);
    await waitFor(() => /\bconnected\b/.test(run.screen()), "connected", 15_000);
    await run.type("q");
    await waitFor(() => /exit 0/.test(run.out()), "the monitor's exit code", 10_000);
    await run.done();
    const out = run.out();
    assert.ok(out.indexOf(ENTER_SEQUENCE) > out.indexOf("FG"), "the screen entered only in the foreground");
    assert.ok(out.lastIndexOf(RESTORE_SEQUENCE) > out.lastIndexOf("Mahavishnu Pool Monitor"));
    server.kill();
    await server.done;
  },
});

Deno.test({
  name: "pool_monitor.ts whose terminal goes away closes its socket with 1000, flushes --record and exits within 2 s",
  ignore: !hasPython,
  fn: async (t) => {
    // With the terminal as controlling terminal the kernel sends SIGHUP; under setsid it does not, and
    // only the end of file on the keyboard and the write errors on the screen tell.
    for (const how of ["hangup", "no hangup (setsid)"] as const) {
      await t.step(how, async () => {
        const closes: number[] = [];
        const server = startScriptServer({
          open(ws) {
            ws.addEventListener("close", (e) => closes.push(e.code));
            ws.send(welcome());
          },
          message(ws, m) {
            answerSubscribe(ws, m);
            ws.send(frame("event", "pool.status_changed", { pool_id: "pool_local", status: "running" }));
          },
        });
        const dir = Deno.makeTempDirSync();
        const args = [
          "--allow-net=127.0.0.1",
          `--allow-write=${dir}`,
          `--allow-read=${dir}`,
          "pool_monitor.ts",
          "pool_local",
          "--port",
          String(server.port),
          "--record",
          `${dir}/r.jsonl`,
        ];
        const run = how === "hangup"
          ? runInPty(args)
          : runCommandInPty(["setsid", "--wait", Deno.execPath(), "run", "--quiet", ...args]);
        await waitFor(() => /\bconnected\b/.test(run.screen()) && run.pid() > 0, "connected", 15_000);
        const pid = how === "hangup" ? run.pid() : childOf(run.pid());
        await run.closeTerminal();
        const gone = Date.now();
        await waitFor(() => ["Z", null].includes(processState(pid)), "the monitor gone", 5000).catch((e) => {
          Deno.kill(pid, "SIGKILL"); // leave nothing behind
          throw e;
        });
        assert.ok(Date.now() - gone < 2000, `gone after ${Date.now() - gone} ms`);
        await waitFor(() => closes.length === 1, "the close at the server", 2000);
        assert.deepEqual(closes, [1000]);
        await server.close();
        // The recording was flushed on the way out: it holds the event that arrived just before.
        assert.match(Deno.readTextFileSync(`${dir}/r.jsonl`), /pool\.status_changed[^\n]*\n$/);
        Deno.removeSync(dir, { recursive: true });
      });
    }
  },
});
