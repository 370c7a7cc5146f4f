/**
 * Runs a script of this repository in a real pseudo-terminal (through
 * `tests/_pty.py`) and collects every byte it writes to the terminal.
 *
 * @module
 */

import { Screen } from "../lib/ui/_screen.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** A script running in a pseudo-terminal. */
export interface PtyRun {
  /** Everything written to the terminal so far (stdout and stderr of the script), decoded as UTF-8. */
  out(): string;
  /** The script's process id (0 until known). */
  pid(): number;
  /** Types `text` on the terminal's keyboard. */
  type(text: string): Promise<void>;
  /**
   * Closes the keyboard and resolves with the exit status once all output is
   * read. A script still running after `timeoutMs` (default 20 s) is killed
   * and the promise rejects: a broken exit path fails the test instead of hanging it.
   */
  done(timeoutMs?: number): Promise<Deno.CommandStatus>;
  /** Kills the script and the helper (SIGKILL), if still running: for `finally` blocks. */
  stop(): Promise<void>;
  /**
   * Kills the helper that holds the terminal's master side with SIGKILL: the
   * terminal goes away as when its window is closed. Resolves once the helper is gone.
   */
  closeTerminal(): Promise<void>;
  /** Resizes the terminal (the script gets SIGWINCH). */
  resize(columns: number, rows: number): void;
  /**
   * The text on the terminal's screen now, rows joined by "\n": a terminal
   * model fed everything written (since the last {@link resize}). The renderer
   * rewrites only the cells that change, so drawn text is read here, not in {@link out}.
   */
  screen(): string;
  /** The screen after each synchronized-output frame written so far (a fresh model at the starting size; resizes not followed). */
  frames(): string[];
}

/** Options for {@link runInPty}. */
export interface PtyOptions {
  /** Terminal size. Default 80 × 24. */
  columns?: number;
  rows?: number;
  /** Extra environment variables. */
  env?: Record<string, string>;
}

/** Runs `deno run PERMISSIONS SCRIPT ARGS` (`args` after `deno run`) in a pseudo-terminal. */
export function runInPty(args: string[], options: PtyOptions = {}): PtyRun {
  // --quiet: no progress lines from the Deno CLI itself, only what the script writes.
  return runCommandInPty([Deno.execPath(), "run", "--quiet", ...args], options);
}

/** Runs any command (`argv`, the program first) in a pseudo-terminal; {@link PtyRun.pid} is the command's. */
export function runCommandInPty(argv: string[], options: PtyOptions = {}): PtyRun {
  const resizeFile = Deno.makeTempFileSync({ prefix: "pty_size_" });
  const child = new Deno.Command("python3", {
    args: [`${ROOT}tests/_pty.py`, ...argv],
    cwd: ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: {
      TERM: "xterm-256color",
      PTY_SIZE: `${options.columns ?? 80}x${options.rows ?? 24}`,
      PTY_RESIZE_FILE: resizeFile,
      ...options.env,
    },
  }).spawn();
  let out = "";
  let err = "";
  const reading = Promise.all([
    (async () => {
      const decoder = new TextDecoder();
      for await (const c of child.stdout) out += decoder.decode(c, { stream: true });
    })(),
    (async () => {
      const decoder = new TextDecoder();
      for await (const c of child.stderr) err += decoder.decode(c, { stream: true });
    })(),
  ]);
  const writer = child.stdin.getWriter();
  let screen = new Screen(options.columns ?? 80, options.rows ?? 24);
  let fed = 0;
  /** Waits for the helper to end, closes the keyboard, reads what is left and removes the resize file. */
  const ended = async () => {
    await child.status;
    await writer.close().catch(() => {});
    await reading;
    try {
      Deno.removeSync(resizeFile);
    } catch { /* removed */ }
  };
  return {
    out: () => out,
    pid: () => Number(/pid (\d+)/.exec(err)?.[1] ?? 0),
    type: (text: string) => writer.write(new TextEncoder().encode(text)),
    async done(timeoutMs = 20_000) {
      await writer.close().catch(() => {});
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<"late">((resolve) => timer = setTimeout(() => resolve("late"), timeoutMs));
      const status = await Promise.race([child.status, late]);
      clearTimeout(timer);
      if (status === "late") {
        await this.stop();
        throw new Error(`the script did not exit within ${timeoutMs} ms: ${JSON.stringify(out.slice(-300))}`);
      }
      await reading;
      try {
        Deno.removeSync(resizeFile);
      } catch { /* removed */ }
      return status;
    },
    async stop() {
      const pid = Number(/pid (\d+)/.exec(err)?.[1] ?? 0);
      for (const kill of [() => pid > 0 && Deno.kill(pid, "SIGKILL"), () => child.kill("SIGKILL")]) {
        try {
          kill();
        } catch { /* already gone */ }
      }
      await ended();
    },
    async closeTerminal() {
      child.kill("SIGKILL");
      await ended();
    },
    resize(columns: number, rows: number) {
      Deno.writeTextFileSync(resizeFile, `${columns}x${rows}`);
      screen = new Screen(columns, rows);
      fed = out.length;
      child.kill("SIGUSR1");
    },
    frames() {
      const model = new Screen(options.columns ?? 80, options.rows ?? 24);
      return out.split("\x1b[?2026l").slice(0, -1).map((chunk) => {
        model.write(chunk + "\x1b[?2026l");
        return model.lines().join("\n");
      });
    },
    screen() {
      screen.write(out.slice(fed));
      fed = out.length;
      return screen.lines().join("\n");
    },
  };
}
