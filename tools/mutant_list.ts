/**
 * The hand-made mutants of `deno task mutants`: each breaks one guarantee of
 * the README in one place, and names the tests that must catch it. Keep
 * `find` exact and unique: a mutant whose code moved is reported as stale.
 *
 * @module
 */

/** One deliberate breakage. */
export interface Mutant {
  /** Short name, used by the command-line filter. */
  name: string;
  /** The README guarantee it breaks. */
  guarantee: string;
  /** File, relative to the repository root. */
  file: string;
  /** Exact text to replace (must occur once). */
  find: string;
  replace: string;
  /** Test files (relative to the root) that must fail with it. */
  tests: string[];
}

const CONNECTION_TESTS = ["lib/transport/connection_test.ts", "tests/connection_e2e_test.ts"];
const TERMINAL = "Nothing a server sends can drive the terminal";
const TOKEN = "The token is never printed, recorded or sent where it was not given";
const RESTORED = "The terminal is always restored";

/** Every mutant, grouped by the guarantee it breaks. */
export const MUTANTS: Mutant[] = [
  {
    name: "sanitizer keeps escape sequences",
    guarantee: TERMINAL,
    file: "lib/protocol/sanitize.ts",
    find: '.replace(ESCAPE_SEQUENCES, "")',
    replace: "",
    tests: ["lib/protocol/sanitize_test.ts", "tests/hostile_test.ts"],
  },
  {
    name: "decoder leaves text uncleaned",
    guarantee: TERMINAL,
    file: "lib/protocol/_clean.ts",
    find: "const text = sanitizeText(long ? value.slice(0, MAX_TEXT * 4) : value, { maxLength: MAX_TEXT });",
    replace: "const text = long ? value.slice(0, MAX_TEXT) : value;",
    tests: ["lib/protocol/decode_test.ts", "lib/model/overview_state_test.ts", "tests/hostile_test.ts"],
  },
  {
    name: "close reasons reach the status raw",
    guarantee: TERMINAL,
    file: "lib/transport/failure.ts",
    find: "return redactToken(sanitizeText(text, { maxLength: SERVER_TEXT_MAX }), token);",
    replace: 'return redactToken(String(text ?? ""), token);',
    tests: ["lib/transport/failure_test.ts", "tests/hostile_test.ts"],
  },
  {
    name: "frame size limit 8 MiB",
    guarantee: "Bad data is counted, never fatal (frames over 4 MiB refused)",
    file: "lib/transport/connection.ts",
    find: "export const MAX_FRAME_LENGTH = 4 * 1024 * 1024;",
    replace: "export const MAX_FRAME_LENGTH = 8 * 1024 * 1024;",
    tests: CONNECTION_TESTS,
  },
  {
    name: "invalid UTF-8 delivered as text",
    guarantee: "Bad data is counted, never fatal (a text frame must be valid UTF-8: the socket fails with 1007)",
    file: "lib/transport/ws_client.ts",
    find: '  return text.indexOf("\\uFFFD") < 0 ? text : strict.decode(bytes);',
    replace: "  return text;",
    tests: ["lib/transport/ws_client_test.ts", "lib/transport/ws_client_hostile_test.ts"],
  },
  {
    name: "socket reads never yield",
    guarantee: "No source starves the others, the timers or the keys under a flood",
    file: "lib/transport/ws_client.ts",
    find: "      if (this.#parse()) await nextTurn();",
    replace: "      if (this.#parse() && this.#ended) await nextTurn();",
    tests: ["lib/transport/ws_client_test.ts"],
  },
  {
    name: "a whole read handed over in one turn",
    guarantee: "No source starves the others, the timers or the keys under a flood",
    file: "lib/transport/ws_client.ts",
    find: "const TURN_BYTES = 32 * 1024;",
    replace: "const TURN_BYTES = 32 * 1024 * 1024;",
    tests: ["lib/transport/ws_client_test.ts"],
  },
  {
    name: "duplicate window loses its newest id at a rebuild",
    guarantee: "A duplicate delivery counts once",
    file: "lib/model/dedup.ts",
    find: "for (let slot = 0; slot < this.#size; slot++) {",
    replace: "for (let slot = 0; slot < this.#size - 1; slot++) {",
    tests: ["lib/model/dedup_test.ts"],
  },
  {
    name: "latency never sampled",
    guarantee: "The bottom line shows end-to-end latency p50/p99",
    file: "lib/model/metrics.ts",
    find: "return m.sampledAt !== now;",
    replace: "return false;",
    tests: ["lib/model/metrics_test.ts", "lib/app/runtime_test.ts"],
  },
  {
    name: "hex numbers accepted",
    guarantee: "Numbers a person can trust",
    file: "lib/protocol/_read.ts",
    find: "export function asNumber(value: unknown): number | undefined {",
    replace:
      'export function asNumber(value: unknown): number | undefined {\n  if (typeof value === "string" && /^0x/.test(value)) return Number(value);',
    tests: ["lib/protocol/decode_test.ts", "lib/ui/pool_view_test.ts"],
  },
  {
    name: "answered probe not cleared",
    guarantee: "Reconnects without storms (a healthy quiet link is kept)",
    file: "lib/transport/liveness.ts",
    find: "    this.#lastHeard = at ?? this.#scheduler.now();\n    this.#probeSentAt = null;",
    replace: "    this.#lastHeard = at ?? this.#scheduler.now();",
    tests: CONNECTION_TESTS,
  },
  {
    name: "client closes with 4000",
    guarantee: "Sockets are closed with code 1000 on every way out",
    file: "lib/transport/connection.ts",
    find: 'if (session) this.#drop(session, 1000, "client closing");',
    replace: 'if (session) this.#drop(session, 4000, "client closing");',
    tests: CONNECTION_TESTS,
  },
  {
    name: "refused token retried",
    guarantee: "A refused token is not retried",
    file: "lib/transport/connection.ts",
    find: 'if (failure.action === "stop_auth") this.#enter("auth_failed", { reason: failure.reason, retryAt: null });',
    replace: 'if (failure.action === "stop_auth") this.#scheduleRetry(failure.reason);',
    tests: [...CONNECTION_TESTS, "tests/token_secrecy_e2e_test.ts"],
  },
  {
    name: "socket error cut in the middle",
    guarantee: TOKEN,
    file: "lib/transport/failure.ts",
    find: '.replace(/\\s*\\(os error \\d+\\)$/, "")',
    replace: '.replace(/\\s*\\(os error \\d+\\)/g, "")',
    tests: ["lib/transport/failure_test.ts"],
  },
  {
    name: "token in the auth-failure reason",
    guarantee: TOKEN,
    file: "lib/transport/failure.ts",
    find: "    : `the server refused the token (${code}${detail}); check the token, it is not retried`;",
    replace:
      "    : `the server refused the token ${context.token} (${code}${detail}); check the token, it is not retried`;",
    tests: [...CONNECTION_TESTS, "tests/token_secrecy_e2e_test.ts", "tests/hostile_test.ts"],
  },
  {
    name: "--token-file ignored",
    guarantee: TOKEN,
    file: "lib/cli/cli.ts",
    find: "  if (options.tokenFile) {",
    replace: "  if (options.tokenFile && false) {",
    tests: ["tests/token_secrecy_e2e_test.ts", "tests/tokens_e2e_test.ts"],
  },
  {
    name: "Akosha gets the Mahavishnu token",
    guarantee: TOKEN,
    file: "lib/cli/dashboard_options.ts",
    find: "  return { mahavishnu, pool, akosha };",
    replace: "  return { mahavishnu, pool, akosha: akosha ?? mahavishnu };",
    tests: ["tests/tokens_e2e_test.ts"],
  },
  {
    name: "--severity dropped",
    guarantee: "--events and --severity filter the history and JSON output",
    file: "lib/cli/monitor_cli.ts",
    find: "createEventFilter({ events: o.events, severity: o.severity })",
    replace: "createEventFilter({ events: o.events })",
    tests: ["tests/record_replay_e2e_test.ts", "lib/model/event_filter_test.ts"],
  },
  {
    name: "workflow stage list unbounded",
    guarantee: "Histories and tables are bounded: memory stays flat",
    file: "lib/model/workflow_state.ts",
    find: "  if (state.stages.length >= MAX_STAGES) return null;",
    replace: "",
    tests: ["lib/model/workflow_state_test.ts"],
  },
  {
    name: "dashboard workflow rows unbounded",
    guarantee: "Histories and tables are bounded: memory stays flat",
    file: "lib/model/overview_state.ts",
    find: "  if (state.running.size + state.finished.size >= state.maxRows) {",
    replace: "  if (false) {",
    tests: ["lib/model/overview_state_test.ts"],
  },
  {
    name: "Akosha type map unbounded",
    guarantee: "Histories and tables are bounded: memory stays flat",
    file: "lib/model/overview_state.ts",
    find: "  if (!state.byType.has(type) && state.byType.size >= 50) return;",
    replace: "",
    tests: ["lib/model/overview_state_test.ts"],
  },
  {
    name: "renderer passes control sequences through",
    guarantee: TERMINAL,
    file: "lib/ui/terminal_safe.ts",
    find: "sanitizeText(",
    replace: "String(",
    tests: ["lib/ui/terminal_safe_test.ts", "tests/hostile_bytes_test.ts"],
  },
  {
    name: "permissions not checked before drawing",
    guarantee: "A missing permission is reported once, before anything is drawn",
    file: "lib/cli/monitor_cli.ts",
    find: "  checkPermissions(needs);\n",
    replace: "",
    tests: ["tests/usage_e2e_test.ts"],
  },
  {
    name: "global error handlers removed",
    guarantee: RESTORED,
    file: "lib/app/runtime.ts",
    find:
      '    globalThis.addEventListener("error", onError);\n    globalThis.addEventListener("unhandledrejection", onRejection);\n',
    replace: "",
    tests: ["tests/terminal_restore_e2e_test.ts"],
  },
  {
    name: "Ctrl+C ignored",
    guarantee: RESTORED,
    file: "lib/ui/keys.ts",
    find: '    if (ch === "\\x03") keys.push("ctrl-c");\n    else ',
    replace: "    ",
    tests: ["lib/ui/keys_test.ts", "tests/terminal_restore_e2e_test.ts"],
  },
  {
    name: "Ctrl+Z stops without giving the terminal back",
    guarantee: RESTORED,
    file: "lib/app/terminal_output.ts",
    find: "    this.#suspended = true;\n    this.#renderer.stop();\n    this.#leaveRaw();\n",
    replace: "    this.#suspended = true;\n",
    tests: ["tests/terminal_session_e2e_test.ts"],
  },
  {
    name: "a terminal that went away is ignored",
    guarantee: RESTORED,
    file: "lib/app/terminal_output.ts",
    find: "    this.#host?.quit(EXIT_CODES.ok);\n  }\n",
    replace: "  }\n",
    tests: ["lib/app/terminal_output_test.ts", "tests/terminal_session_e2e_test.ts"],
  },
  {
    name: "a full disk on stdout exits 0",
    guarantee: "Exits tell the truth",
    file: "lib/app/json_output.ts",
    find: "      if (error instanceof Deno.errors.BrokenPipe) {",
    replace: "      if (error instanceof Error) {",
    tests: ["lib/app/json_output_test.ts", "tests/exit_codes_e2e_test.ts"],
  },
];
