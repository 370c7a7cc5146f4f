/**
 * Failure classification for the connection: why a socket failed or closed,
 * in words for a person, and what to do about it (retry, stop because the
 * token was refused, stop because the configuration is wrong).
 *
 * Every text a server controls (close reason, error message, error text) is
 * cleaned with {@link sanitizeText} here, where the reason is built, and the
 * token is cut out of it, so a status never carries a control sequence or
 * the secret.
 *
 * @module
 */

import { sanitizeText } from "../protocol/sanitize.ts";
import { isLoopback } from "./loopback.ts";

/** What went wrong, in one word. */
export type FailureKind =
  | "refused"
  | "reset"
  | "dns"
  | "tls"
  | "permission"
  | "insecure_token"
  | "handshake_stall"
  | "auth_stall"
  | "probe_timeout"
  | "server_closed"
  | "going_away"
  | "auth"
  | "server_error"
  | "overloaded"
  | "restarting"
  | "protocol_error"
  | "invalid_utf8"
  | "too_big"
  | "lost";

/** What the connection does next: try again later, or stop for good. */
export type FailureAction = "retry" | "stop_auth" | "stop_config";

/** A classified failure. */
export interface Failure {
  kind: FailureKind;
  action: FailureAction;
  /** Words for a person: what happened and, where it helps, what to do. */
  reason: string;
}

/** What the classifier needs to know besides the failure itself. */
export interface FailureContext {
  /** The server URL (user input, shown as `host:port`). */
  url: string;
  /** The token, cut out of any server text that echoes it. */
  token?: string;
}

/** How a socket ended, as the WebSocket API reports it. */
export interface CloseInfo {
  code: number;
  /** The server's close reason (untrusted). */
  reason: string;
  /** The message of the `error` event before the close, if any (may quote the server). */
  errorText: string | null;
  /** Whether the WebSocket handshake had completed. */
  opened: boolean;
}

/** The longest piece of server text kept in a reason. */
const SERVER_TEXT_MAX = 300;

/** Tokens shorter than this are not cut out of text: they would match ordinary words (no real token is that short). */
const REDACT_MIN_LENGTH = 8;

/** `text` with every occurrence of `token` replaced by `[token]` (tokens of 8 characters or more). */
export function redactToken(text: string, token?: string): string {
  if (!token || token.length < REDACT_MIN_LENGTH || !text.includes(token)) return text;
  return text.split(token).join("[token]");
}

/** Server-controlled text made safe for a status: one clean line, the token cut out. */
export function cleanServerText(text: unknown, token?: string): string {
  return redactToken(sanitizeText(text, { maxLength: SERVER_TEXT_MAX }), token);
}

/** `host:port` of a URL, with the scheme's default port. */
function hostOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || (u.protocol === "wss:" ? "443" : "80")}`;
  } catch {
    return url;
  }
}

function failure(kind: FailureKind, reason: string, action: FailureAction = "retry"): Failure {
  return { kind, action, reason };
}

/** Classifies an error thrown while creating a socket (e.g. a permission denial). */
export function classifyThrown(error: unknown, context: FailureContext): Failure {
  if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
    const host = hostOf(context.url);
    return failure(
      "permission",
      `not allowed to connect to ${host}: Deno's network permission does not cover it ` +
        `(run with --allow-net=${host.replace(/:\d+$/, "")}); not retried`,
      "stop_config",
    );
  }
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return beforeOpen(cleanServerText(text, context.token), context.url);
}

/**
 * The words of a socket error that say something: without the generic prefix of Deno's `WebSocket` (which
 * our client keeps for compatibility) and the OS error number at the end, so that the hint after them stays on
 * a line. Only a prefix and a suffix are cut: `text` is already redacted, and cutting a piece out of its middle
 * (server text may contain anything) could join the two halves of a token back together.
 */
function essence(text: string): string {
  return text.replace(/^NetworkError: (?:failed to connect to WebSocket: )?/, "").replace(/\s*\(os error \d+\)$/, "") ||
    text;
}

/** Words and a kind for a socket that failed before its handshake completed. */
function beforeOpen(raw: string, url: string): Failure {
  const where = hostOf(url);
  const text = essence(raw);
  if (/certificate|UnknownIssuer|tls|ssl/i.test(text)) {
    return failure(
      "tls",
      `TLS error talking to ${where} (${text}); for a self-signed certificate pass its CA with --ca FILE`,
    );
  }
  if (/dns|lookup|resolve|name or service/i.test(text)) {
    return failure("dns", `cannot resolve the host of ${where} (${text}); check --host`);
  }
  if (/closed before message completed|reset|unexpected eof|broken pipe/i.test(text)) {
    return failure(
      "reset",
      `cannot connect to ${where}: the server dropped the connection during the WebSocket handshake (${text}); ` +
        `is it a WebSocket server? check --host and --port`,
    );
  }
  const kind = /tcp connect error|refused/i.test(raw) ? "refused" : "lost";
  return failure(kind, `cannot connect to ${where} (${text}); is the server running there? check --host and --port`);
}

/** Classifies a closed socket by its close code, close reason and error text. */
export function classifyClose(close: CloseInfo, context: FailureContext): Failure {
  const said = close.reason ? `: ${cleanServerText(close.reason, context.token)}` : "";
  const errorText = close.errorText === null ? null : cleanServerText(close.errorText, context.token);
  switch (close.code) {
    case 1000:
      return failure("server_closed", `the server closed the connection${said}`);
    case 1001:
      return failure("going_away", `the server is going away${said}`);
    case 1002:
      return failure("protocol_error", `the server reported a protocol error (close 1002${said})`);
    case 1003:
    case 1007:
      return failure("protocol_error", `the server refused data it could not accept (close ${close.code}${said})`);
    case 1008:
      return failure(
        "auth",
        `authentication failed or required (close 1008${said}); check the token, it is not retried`,
        "stop_auth",
      );
    case 1009:
      return failure("too_big", `the server refused a message as too big (close 1009${said})`);
    case 1011:
      return failure("server_error", `the server had an internal error (close 1011${said})`);
    case 1012:
      return failure("restarting", `the server is restarting (close 1012${said})`);
    case 1013:
      return failure("overloaded", `the server is at maximum capacity (close 1013${said})`);
  }
  if (!close.opened) return beforeOpen(errorText ?? "connection failed", context.url);
  if (errorText !== null && /utf-?8/i.test(errorText)) {
    return failure("invalid_utf8", `the server sent a text frame that is not valid UTF-8 (${errorText})`);
  }
  if (errorText !== null && /^message too big/i.test(errorText)) {
    return failure("too_big", `the server sent a message over the size limit (${errorText})`);
  }
  if (errorText !== null && /unexpected eof|reset|broken pipe|closed before/i.test(errorText)) {
    return failure("lost", `the connection was cut without a close handshake (${errorText})`);
  }
  if (errorText !== null) {
    return failure("protocol_error", `the server broke the WebSocket protocol (${errorText})`);
  }
  const code = close.code === 0 || close.code === 1005 || close.code === 1006 ? "no close code" : `code ${close.code}`;
  return failure("lost", `the connection was lost (${code}${said})`);
}

/** The failure for an `AUTH_FAILED` / `AUTH_REQUIRED` error from the server: never retried. */
export function authFailure(errorCode: string, errorMessage: string | null, context: FailureContext): Failure {
  const code = cleanServerText(errorCode, context.token);
  const detail = errorMessage ? `: ${cleanServerText(errorMessage, context.token)}` : "";
  const reason = errorCode === "AUTH_REQUIRED"
    ? `the server requires a token (${code}${detail}); provide one with --token-env or --token-file`
    : `the server refused the token (${code}${detail}); check the token, it is not retried`;
  return failure("auth", reason, "stop_auth");
}

/** A handshake that did not complete within `ms`. */
export function handshakeStall(ms: number): Failure {
  return failure("handshake_stall", `the server accepted no WebSocket handshake in time (${ms} ms)`);
}

/** An auth request that got no answer within `ms`. */
export function authStall(ms: number): Failure {
  return failure("auth_stall", `the server did not answer the auth request within ${ms} ms`);
}

/** A liveness probe that got no answer within `ms`. */
export function probeTimeout(ms: number): Failure {
  return failure("probe_timeout", `no answer to a liveness probe within ${ms} ms (half-open connection?)`);
}

/**
 * The config error for a token that would travel unencrypted (`ws://` to a
 * host other than loopback), or null when sending it is fine.
 */
export function insecureToken(url: string, allowInsecure: boolean): Failure | null {
  const u = new URL(url);
  if (u.protocol !== "ws:" || isLoopback(u.hostname) || allowInsecure) return null;
  return failure(
    "insecure_token",
    `refusing to send the token unencrypted over ws:// to ${hostOf(url)}: use wss://, ` +
      `or allow it explicitly (--allow-insecure-token) on a network you trust`,
    "stop_config",
  );
}
