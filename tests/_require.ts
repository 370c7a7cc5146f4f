/**
 * Tools some end-to-end tests need (python3 for pseudo-terminals, openssl for
 * certificates). Outside CI a missing tool skips those tests with a warning;
 * under `CI=true` it is a failure: `.ci/run` installs them, and a run that
 * silently skipped them would claim more than it checked.
 *
 * @module
 */

/** True when `command args` runs and exits 0. */
function runs(command: string, args: string[]): boolean {
  try {
    return new Deno.Command(command, { args, stdout: "null", stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

/** True under CI (`CI=true`), where no test may skip for a missing tool. */
export const IN_CI = Deno.env.get("CI") === "true";

/**
 * Whether `tool` is usable (`command args` exits 0). When it is not: under CI
 * a failing test named after the tool is registered; elsewhere a warning says
 * which tests are skipped. Returns whether the dependent tests should run.
 */
export function requireTool(tool: string, command: string, args: string[], what: string): boolean {
  if (runs(command, args)) return true;
  if (IN_CI) {
    Deno.test(`${tool} is installed (required under CI for ${what})`, () => {
      throw new Error(`${tool} is missing: .ci/run must install it; ${what} cannot run without it`);
    });
  } else {
    console.warn(`${tool} is missing: ${what} are skipped (under CI=true this fails the run)`);
  }
  return false;
}
