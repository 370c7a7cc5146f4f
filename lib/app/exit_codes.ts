/**
 * The exit codes of every monitor, documented in the README and in `--help`
 * (`lib/cli/usage.ts` re-exports them). Lives in the app layer so that the
 * runtime can use them without importing the command line.
 *
 * @module
 */

/** Exit codes of every monitor. */
export const EXIT_CODES = {
  /** Quit by the operator or a signal; workflow completed (`--exit-on-finish`). */
  ok: 0,
  /** The workflow failed (`--exit-on-finish`), or an unexpected error. */
  failed: 1,
  /** A usage error: a bad option or argument. */
  usage: 2,
  /** `--exit-on-finish`: the server says the workflow or pool does not exist. */
  notFound: 3,
  /** A configuration error: a missing permission, an unsafe or refused token, authentication failed. */
  config: 4,
  /** Output could not be written (stdout full or broken other than a closed pipe, export failed). */
  output: 5,
} as const;
