/**
 * On-demand mutation check (`deno task mutants`): each mutant breaks one
 * guarantee of the README on purpose, in a temporary copy of the project, and
 * runs the tests that should catch it. A mutant the tests do not catch (a
 * survivor) means a guarantee without a working guard. A mutant whose code
 * can no longer be found is reported as stale, so the list follows the code.
 *
 * Usage: `deno task mutants [NAME_FILTER]`. Exit code 1 when any mutant
 * survived or is stale.
 *
 * @module
 */

import { type Mutant, MUTANTS } from "./mutant_list.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const TEST_FLAGS = [
  "--no-check",
  "--allow-net=127.0.0.1,localhost",
  "--allow-run",
  "--allow-read",
  "--allow-write",
  "--allow-env",
];

/** Copies the tracked files of the project into a new temporary directory. */
async function copyProject(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "mutants-" });
  const out = await new Deno.Command("git", { args: ["ls-files", "-co", "--exclude-standard"], cwd: ROOT }).output();
  const files = new TextDecoder().decode(out.stdout).split("\n").filter((f) => f !== "");
  for (const file of files) {
    const target = `${dir}/${file}`;
    await Deno.mkdir(target.slice(0, target.lastIndexOf("/")), { recursive: true });
    try {
      await Deno.copyFile(`${ROOT}${file}`, target);
    } catch { /* deleted in the work tree */ }
  }
  return dir;
}

/** The outcome of one mutant. */
type Outcome = "killed" | "survived" | "stale" | "timeout";

/** A mutant's tests may hang (a retry loop that never ends): past this, the run counts as caught. */
const TIMEOUT_MS = 240_000;

/** Runs `tests` in the copy in `dir`: "passed", "failed" or "timeout". */
async function runTests(dir: string, tests: string[]): Promise<"passed" | "failed" | "timeout"> {
  // In its own process group (setsid), so that a timeout ends the monitors the tests started too.
  const child = new Deno.Command("setsid", {
    args: [Deno.execPath(), "test", ...TEST_FLAGS, ...tests],
    cwd: dir,
    env: { NO_COLOR: "1" },
    stdout: "null",
    stderr: "null",
  }).spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      Deno.kill(-child.pid, "SIGKILL");
    } catch { /* ended */ }
  }, TIMEOUT_MS);
  const status = await child.status;
  clearTimeout(timer);
  if (timedOut) return "timeout";
  return status.success ? "passed" : "failed";
}

/** Applies `mutant` to the copy in `dir`, runs its tests, restores the file. */
async function runMutant(dir: string, mutant: Mutant): Promise<Outcome> {
  const path = `${dir}/${mutant.file}`;
  const original = await Deno.readTextFile(path);
  const count = original.split(mutant.find).length - 1;
  if (count !== 1) return "stale";
  await Deno.writeTextFile(path, original.replace(mutant.find, mutant.replace));
  try {
    const result = await runTests(dir, mutant.tests);
    return result === "passed" ? "survived" : result === "failed" ? "killed" : "timeout";
  } finally {
    await Deno.writeTextFile(path, original);
  }
}

if (import.meta.main) {
  const filter = Deno.args[0];
  const chosen = MUTANTS.filter((m) => !filter || m.name.includes(filter));
  const dir = await copyProject();
  const results: { mutant: Mutant; outcome: Outcome; seconds: number }[] = [];
  try {
    // The control run: unmutated, the same tests must pass, or a "killed" would mean nothing.
    const tests = [...new Set(chosen.flatMap((m) => m.tests))];
    const control = await runTests(dir, tests);
    if (control !== "passed") {
      console.error(`the tests do not pass without mutants (${control}): ${tests.join(" ")}`);
      Deno.exit(2);
    }
    console.log(`control run passed: ${tests.length} test files`);
    for (const mutant of chosen) {
      const start = performance.now();
      const outcome = await runMutant(dir, mutant);
      const seconds = (performance.now() - start) / 1000;
      results.push({ mutant, outcome, seconds });
      console.log(`${outcome.padEnd(8)} ${mutant.name} (${seconds.toFixed(1)} s)`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const caught = (o: Outcome) => o === "killed" || o === "timeout";
  const killed = results.filter((r) => caught(r.outcome)).length;
  const bad = results.filter((r) => !caught(r.outcome));
  console.log(`\n${killed} of ${results.length} mutants killed`);
  for (const r of bad) console.log(`${r.outcome}: ${r.mutant.name} — ${r.mutant.guarantee}`);
  Deno.exit(bad.length === 0 ? 0 : 1);
}
