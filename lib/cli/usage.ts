/**
 * Usage errors and exit codes shared by every script: a usage error prints
 * one line saying what is wrong and a hint, and exits 2, instead of the full
 * help text; configuration errors (a missing permission, an unsafe token
 * setting) exit 4 before anything is drawn.
 *
 * @module
 */

import { type Command, CommanderError } from "commander";
import { EXIT_CODES } from "../app/exit_codes.ts";

export { EXIT_CODES } from "../app/exit_codes.ts";

/** The exit-code lines for `--help`. */
export const EXIT_CODES_HELP = `
Exit codes:
  0  quit (q, Ctrl+C, a signal, the terminal went away, a closed pipe) or, with
     --exit-on-finish, the workflow completed
  1  the workflow failed (--exit-on-finish), or an unexpected error
  2  usage error (a bad option or argument)
  3  the server says the workflow or pool does not exist (--exit-on-finish)
  4  configuration error: a missing permission, an unsafe token setting, authentication failed
  5  output error: stdout or an export file could not be written`;

/** A bad option or argument; exits {@link EXIT_CODES.usage}. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** A configuration problem found before connecting; exits {@link EXIT_CODES.config}. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Makes `command` (and its subcommands) throw instead of printing its own
 * error text and exiting, so that {@link usageFailure} can report one line.
 * `--help` and `--version` still print and exit 0; `--help` ends with the exit codes.
 */
export function configureUsage<C extends Command>(command: C): C {
  command.exitOverride();
  plainHelp(command).configureOutput({ outputError: () => {} });
  command.addHelpText("after", EXIT_CODES_HELP);
  return command;
}

/**
 * Help without colour: commander would otherwise read `FORCE_COLOR` and
 * `CLICOLOR_FORCE`, and Deno would stop at an interactive prompt for env
 * access on a terminal.
 */
export function plainHelp<C extends Command>(command: C): C {
  command.configureOutput({ getOutHasColors: () => false, getErrHasColors: () => false });
  return command;
}

/** What to print and which code to exit with for an error thrown while starting, or null if it is no usage problem. */
export function usageFailure(error: unknown): { code: number; message: string | null } | null {
  if (error instanceof CommanderError) {
    if (error.exitCode === 0) return { code: 0, message: null }; // --help, --version
    const text = error.message.replace(/^error: /, "")
      .replace(/^option '(-[\w-]+(?:, --[\w-]+)?)[^']*' argument '[^']*' is invalid\.\s*/, "$1: ")
      .replace(/^command-argument value '[^']*' is invalid for argument '([^']*)'\.\s*/, "$1: ");
    return { code: EXIT_CODES.usage, message: `${text} (run with --help)` };
  }
  if (error instanceof UsageError) return { code: EXIT_CODES.usage, message: `${error.message} (run with --help)` };
  if (error instanceof ConfigError) return { code: EXIT_CODES.config, message: error.message };
  return null;
}
