/**
 * The renderer on a real terminal: the bytes it writes for the pool monitor
 * and the dashboard, event after event, are played into tmux, and at several
 * points the screen tmux shows (text and colours, `capture-pane -e`) must equal
 * the screen tmux shows for a full redraw of the same lines. tmux runs on a
 * socket of its own, killed at the end.
 *
 * @module
 */

import assert from "node:assert/strict";
import { LiveRenderer } from "../lib/ui/renderer.ts";
import { dashboardFrames, poolFrames, type ViewFrame } from "../lib/ui/_view_frames.ts";
import { Screen } from "../lib/ui/_screen.ts";
import { requireTool } from "./_require.ts";

const hasTmux = requireTool("tmux", "tmux", ["-V"], "the renderer's real-terminal tests");

/** What the renderer writes for `frames` up to each checkpoint, and for a full redraw of the frame there. */
function recordings(frames: ViewFrame[], columns: number, rows: number, checkpoints: number[]) {
  const size = () => ({ columns, rows });
  let written = "";
  const live = new LiveRenderer({ write: (t) => void (written += t), size });
  live.start();
  const result: { incremental: string; full: string }[] = [];
  frames.forEach((frame, i) => {
    live.render(frame.lines);
    if (!checkpoints.includes(i)) return;
    let full = "";
    const fresh = new LiveRenderer({ write: (t) => void (full += t), size });
    fresh.start();
    fresh.render(frame.lines);
    result.push({ incremental: written, full });
  });
  return result;
}

/** A tmux server of our own, showing files in panes. */
class Tmux {
  readonly socket = `render_test_${Deno.pid}_${Math.floor(Math.random() * 1e9)}`;
  #n = 0;

  async #run(...args: string[]): Promise<string> {
    const out = await new Deno.Command("tmux", { args: ["-L", this.socket, ...args], stdout: "piped", stderr: "piped" })
      .output();
    if (!out.success) throw new Error(`tmux ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
    return new TextDecoder().decode(out.stdout);
  }

  /** The screen (text and attributes) a terminal of `columns` x `rows` shows once it has received `bytes`. */
  async show(bytes: string, columns: number, rows: number): Promise<string> {
    const n = ++this.#n;
    const file = await Deno.makeTempFile({ prefix: "render_tmux_" });
    try {
      await Deno.writeTextFile(file, bytes);
      const shown = `shown_${n}`;
      const script = `cat '${file}'; tmux wait-for -S ${shown}; sleep 600`;
      await this.#run("new-session", "-d", "-s", `s${n}`, "-x", String(columns), "-y", String(rows), script);
      await this.#run("wait-for", shown);
      const capture = await this.#run("capture-pane", "-p", "-e", "-N", "-t", `s${n}`);
      await this.#run("kill-session", "-t", `s${n}`);
      // A capture shows cleared cells and written default spaces differently (-N keeps only the second) and
      // carries colours from one line to the next: read it back as cells to compare screens.
      const screen = new Screen(columns, rows);
      screen.write(capture.replace(/\n$/, "").replaceAll("\n", "\r\n"));
      assert.deepEqual(screen.unknown, []);
      return screen.dump();
    } finally {
      await Deno.remove(file);
    }
  }

  /** Starts the server with a session that keeps it up between checks. */
  async start(): Promise<void> {
    await this.#run("new-session", "-d", "-s", "keep", "sleep 600");
  }

  async close(): Promise<void> {
    await this.#run("kill-server").catch(() => {});
  }
}

Deno.test({
  name: "LiveRenderer.render() on tmux: every checked screen equals a full redraw of the same lines",
  ignore: !hasTmux,
  fn: async (t) => {
    const tmux = new Tmux();
    await tmux.start();
    try {
      const cases: [string, ViewFrame[], number, number][] = [
        ["pool monitor with hostile ids, 120x40", poolFrames(120, 40, 60), 120, 40],
        ["pool monitor, 80x24", poolFrames(80, 24, 40), 80, 24],
        ["dashboard, 160x40", dashboardFrames(160, 40, 45), 160, 40],
      ];
      for (const [name, frames, columns, rows] of cases) {
        await t.step(name, async () => {
          const checkpoints = [1, 2, 5, 13, 14, 20, 31, 38, frames.length - 1].filter((i) => i < frames.length);
          for (const [k, { incremental, full }] of recordings(frames, columns, rows, checkpoints).entries()) {
            const a = await tmux.show(incremental, columns, rows);
            const b = await tmux.show(full, columns, rows);
            assert.match(b, /\|\d+-\d+:/, "tmux reports colours");
            assert.equal(a, b, `after frame ${checkpoints[k]}`);
          }
        });
      }
    } finally {
      await tmux.close();
    }
  },
});
