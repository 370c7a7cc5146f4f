/**
 * Helpers for end-to-end tests that run the real scripts as processes.
 *
 * @module
 */

const ROOT = new URL("../", import.meta.url).pathname;

/** A running script with its stdout collected as text. */
export interface RunningScript {
  child: Deno.ChildProcess;
  /** Everything printed on stdout so far. */
  stdout(): string;
  /** Everything printed on stderr so far. */
  stderr(): string;
  /** Resolves with the exit status (output fully read). */
  done: Promise<Deno.CommandStatus>;
  /** Sends a signal if still running. */
  kill(signal?: Deno.Signal): void;
}

/** Starts `deno run` on a script at the repository root with `args` (and extra environment variables `env`). */
export function runScript(
  script: string,
  args: string[],
  permissions: string[] = ["-A"],
  env: Record<string, string> = {},
): RunningScript {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...permissions, `${ROOT}${script}`, ...args],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
  }).spawn();
  let out = "";
  let err = "";
  const pump = async (stream: ReadableStream<Uint8Array>, add: (s: string) => void) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) add(decoder.decode(chunk, { stream: true }));
  };
  const reading = Promise.all([pump(child.stdout, (s) => out += s), pump(child.stderr, (s) => err += s)]);
  const done = (async () => {
    const status = await child.status;
    await reading;
    return status;
  })();
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    done,
    kill(signal: Deno.Signal = "SIGTERM") {
      try {
        child.kill(signal);
      } catch { /* exited */ }
    },
  };
}

/** Starts `demo_server.ts` (with extra environment variables `env`) and resolves with its ports once it listens. */
export async function startDemoProcess(
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<RunningScript & { port: number | null; akoshaPort: number | null }> {
  const run = runScript(
    "demo_server.ts",
    args,
    ["--allow-net=127.0.0.1", "--allow-read", "--allow-env=MAHAVISHNU_TOKEN"],
    env,
  );
  const start = Date.now();
  const want = (name: string) => new RegExp(`${name} listening on ws://127\\.0\\.0\\.1:(\\d+)`);
  const expectsMahavishnu = !args.includes("--no-mahavishnu");
  const expectsAkosha = !args.includes("--no-akosha");
  while (
    (expectsMahavishnu && !want("mahavishnu").test(run.stdout())) ||
    (expectsAkosha && !want("akosha").test(run.stdout()))
  ) {
    if (Date.now() - start > 20_000) {
      run.kill("SIGKILL");
      await run.done;
      throw new Error(`demo server did not start: ${run.stderr()}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const m = want("mahavishnu").exec(run.stdout());
  const a = want("akosha").exec(run.stdout());
  return { ...run, port: m ? Number(m[1]) : null, akoshaPort: a ? Number(a[1]) : null };
}

/** Parses the JSON lines printed so far (skips a partial last line). */
export function jsonLines(text: string): Record<string, unknown>[] {
  return text.split("\n").filter((l) => l.trim().startsWith("{")).flatMap((l) => {
    try {
      return [JSON.parse(l)];
    } catch {
      return [];
    }
  });
}

/** A free TCP port on 127.0.0.1 (free when asked; tests use it at once). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** A port for a script's command line, passed as `String(port)`. */
type PortArg = number | string | null;

/**
 * `--mahavishnu-port`, `--pool-port` (the pool on the same server) and `--akosha-port` (`--no-akosha` for false),
 * the service arguments of the dashboards and collector.ts.
 */
export function servicePortArgs(mahavishnu: PortArg, akosha: PortArg | false = mahavishnu): string[] {
  const m = String(mahavishnu);
  return [
    "--mahavishnu-port",
    m,
    "--pool-port",
    m,
    ...(akosha === false ? ["--no-akosha"] : ["--akosha-port", String(akosha)]),
  ];
}
