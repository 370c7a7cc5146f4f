/**
 * The renderer on a real terminal: the bytes it writes for the pool monitor
 * and the dashboard, event after event, and for random lines of text that
 * terminals draw with different widths, are played into tmux, and at several
 * points the screen tmux shows (text and colours, `capture-pane -e`) must equal
 * the screen tmux shows for a full redraw of the same lines. tmux runs on a
 * socket of its own, killed at the end.
 *
 * @module
 */

import assert from "node:assert/strict";
import { LiveRenderer } from "../lib/ui/renderer.ts";
import { dashboardFrames, poolFrames, randomFrames, type ViewFrame } from "../lib/ui/_view_frames.ts";
import { WIDE_CASES } from "../lib/ui/_wide_cases.ts";
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
      const wide = [...WIDE_CASES.map(([, text]) => text), " ", "ab", "\x1b[1m", "\x1b[31m", "\x1b[0m"];
      const random = (seed: number, columns = 30, rows = 10) =>
        randomFrames(seed, columns, rows, 30, wide).map((lines) => ({ lines, cause: "" }));
      const some = [1, 2, 5, 13, 14, 20, 31, 38, 59];
      const every = Array.from({ length: 30 }, (_, i) => i);
      const cases: [string, ViewFrame[], number, number, number[]][] = [
        ["pool monitor with hostile ids, 120x40", poolFrames(120, 40, 60), 120, 40, some],
        ["pool monitor, 80x24", poolFrames(80, 24, 40), 80, 24, some],
        ["dashboard, 160x40", dashboardFrames(160, 40, 45), 160, 40, some],
        ["random lines of text terminals draw with different widths, seed 11", random(11), 30, 10, every],
        ["random lines of text terminals draw with different widths, seed 12", random(12), 30, 10, every],
        ["random lines of text terminals draw with different widths, seed 372", random(372, 20, 8), 20, 8, every],
        ["random lines of text terminals draw with different widths, seed 542", random(542, 30, 7), 30, 7, every],
      ];
      for (const [name, frames, columns, rows, points] of cases) {
        await t.step(name, async () => {
          const checkpoints = points.filter((i) => i < frames.length);
          let coloured = false;
          for (const [k, { incremental, full }] of recordings(frames, columns, rows, checkpoints).entries()) {
            const a = await tmux.show(incremental, columns, rows);
            const b = await tmux.show(full, columns, rows);
            coloured ||= /\|\d+-\d+:/.test(b);
            assert.equal(a, b, `after frame ${checkpoints[k]}`);
          }
          assert.ok(coloured, "tmux reports colours");
        });
      }
    } finally {
      await tmux.close();
    }
  },
});
