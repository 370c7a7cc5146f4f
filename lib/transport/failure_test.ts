// deno-lint-ignore-file no-control-regex
import assert from "node:assert/strict";
import {
  authFailure,
  classifyClose,
  classifyThrown,
  cleanServerText,
  type FailureAction,
  type FailureKind,
  insecureToken,
} from "./failure.ts";

const URL_ = "ws://127.0.0.1:8690";
const CONTROL = /[\x00-\x1f\x7f-\x9f]/;
const HOSTILE = "\x1b]0;owned\x07\x1b[2Jboom";

Deno.test("classifyClose() maps close codes to a kind, an action and a reason", async (t) => {
  const cases: [number, FailureKind, FailureAction, RegExp][] = [
    [1000, "server_closed", "retry", /^the server closed the connection: bye$/],
    [1001, "going_away", "retry", /^the server is going away: bye$/],
    [1002, "protocol_error", "retry", /protocol error \(close 1002: bye\)/],
    [1007, "protocol_error", "retry", /could not accept \(close 1007: bye\)/],
    [1008, "auth", "stop_auth", /authentication failed or required \(close 1008: bye\).*not retried/],
    [1009, "too_big", "retry", /too big \(close 1009: bye\)/],
    [1011, "server_error", "retry", /internal error \(close 1011: bye\)/],
    [1012, "restarting", "retry", /restarting \(close 1012: bye\)/],
    [1013, "overloaded", "retry", /maximum capacity \(close 1013: bye\)/],
    [4321, "lost", "retry", /^the connection was lost \(code 4321: bye\)$/],
  ];
  for (const [code, kind, action, reason] of cases) {
    await t.step(`close ${code}`, () => {
      const f = classifyClose({ code, reason: "bye", errorText: null, opened: true }, { url: URL_ });
      assert.equal(f.kind, kind);
      assert.equal(f.action, action);
      assert.match(f.reason, reason);
    });
  }
});

Deno.test("classifyClose() gives accurate reasons for Deno's code-0 closes", () => {
  const closed = (errorText: string | null, opened = true) =>
    classifyClose({ code: 0, reason: "", errorText, opened }, { url: URL_ });
  assert.deepEqual(closed("Invalid UTF-8"), {
    kind: "invalid_utf8",
    action: "retry",
    reason: "the server sent a text frame that is not valid UTF-8 (Invalid UTF-8)",
  });
  assert.equal(closed("Invalid value").kind, "protocol_error");
  assert.match(closed("Invalid value").reason, /^the server broke the WebSocket protocol \(Invalid value\)$/);
  assert.match(closed("Unexpected EOF").reason, /^the connection was cut without a close handshake/);
  const big = closed("Message too big: 20000000 bytes, the limit is 12582912");
  assert.equal(big.kind, "too_big");
  assert.equal(
    big.reason,
    "the server sent a message over the size limit (Message too big: 20000000 bytes, the limit is 12582912)",
  );
  assert.equal(closed(null).reason, "the connection was lost (no close code)");
  assert.ok(!closed(null).reason.includes("code 0"));
  const refused = closed("NetworkError: failed to connect to WebSocket: tcp connect error", false);
  assert.equal(refused.kind, "refused");
  assert.match(
    refused.reason,
    /^cannot connect to 127\.0\.0\.1:8690 \(.*tcp connect error\).*check --host and --port$/,
  );
  const real = closed(
    "NetworkError: failed to connect to WebSocket: Connection refused (os error 111)",
    false,
  );
  assert.equal(real.kind, "refused");
  assert.equal(
    real.reason,
    "cannot connect to 127.0.0.1:8690 (Connection refused); is the server running there? " +
      "check --host and --port",
  );
  assert.ok(`pool: ${real.reason}`.length <= 120, "the hint fits a 120-column status line");
  const reset = closed("NetworkError: connection closed before message completed", false);
  assert.equal(reset.kind, "reset");
  assert.match(reset.reason, /dropped the connection during the WebSocket handshake/);
  const tls = closed("invalid peer certificate: UnknownIssuer", false);
  assert.equal(tls.kind, "tls");
  assert.match(tls.reason, /^TLS error talking to 127\.0\.0\.1:8690 .*--ca FILE$/);
  assert.equal(closed("dns error: failed to lookup address", false).kind, "dns");
});

Deno.test("classifyClose() and authFailure() clean server text and cut the token out", () => {
  const token = "tok-S3CRET-42";
  const close = classifyClose(
    { code: 1011, reason: `${HOSTILE} ${token}`, errorText: `\x1b[31m${token}`, opened: true },
    { url: URL_, token },
  );
  assert.equal(close.reason, "the server had an internal error (close 1011: boom [token])");
  const lost = classifyClose({ code: 0, reason: "", errorText: `tok-\x1b[0mS3CRET-42`, opened: true }, {
    url: URL_,
    token,
  });
  assert.ok(!lost.reason.includes(token) && !CONTROL.test(lost.reason), lost.reason);
  const auth = authFailure("AUTH_FAILED", `${HOSTILE} bad ${token}`, { url: URL_, token });
  assert.equal(auth.action, "stop_auth");
  assert.equal(
    auth.reason,
    "the server refused the token (AUTH_FAILED: boom bad [token]); check the token, it is not retried",
  );
  const required = authFailure("AUTH_REQUIRED", null, { url: URL_ });
  assert.match(required.reason, /^the server requires a token \(AUTH_REQUIRED\); provide one with --token-env/);
  assert.equal(cleanServerText("x".repeat(1000)).length, 300);
  assert.equal(cleanServerText("the text", "t"), "the text", "a token too short to be real is not cut out");
});

Deno.test("classifyThrown() makes a permission denial a configuration error", () => {
  const denied = classifyThrown(new Deno.errors.NotCapable('Requires net access to "10.0.0.1:80"'), {
    url: "ws://10.0.0.1:80",
  });
  assert.equal(denied.kind, "permission");
  assert.equal(denied.action, "stop_config");
  assert.match(denied.reason, /^not allowed to connect to 10\.0\.0\.1:80: .*--allow-net=10\.0\.0\.1\).*not retried$/);
  assert.equal(classifyThrown(new Deno.errors.PermissionDenied("no"), { url: URL_ }).action, "stop_config");
  const other = classifyThrown(new TypeError("tcp connect error"), { url: URL_ });
  assert.equal(other.action, "retry");
});

Deno.test("insecureToken() refuses plain ws:// to a host other than loopback, unless allowed", () => {
  for (
    const url of ["ws://localhost:1", "ws://127.0.0.1:1", "ws://127.1.2.3", "ws://[::1]:8690", "wss://example.com"]
  ) {
    assert.equal(insecureToken(url, false), null, url);
  }
  const refused = insecureToken("ws://example.com:8690", false);
  assert.equal(refused?.action, "stop_config");
  assert.match(refused?.reason ?? "", /^refusing to send the token unencrypted over ws:\/\/ to example\.com:8690/);
  assert.match(refused?.reason ?? "", /--allow-insecure-token/);
  assert.equal(insecureToken("ws://example.com:8690", true), null);
  assert.notEqual(insecureToken("ws://127.0.0.1.example.com", false), null);
});

Deno.test("classifyClose() before the handshake never puts a cut-out token back together", () => {
  // Server-controlled text (the first line of a bad handshake answer) with an OS-error-like piece inside the token:
  // cutting that piece out after the token was redacted must not rebuild the token.
  const token = "tok-S3CRET-42";
  const errorText = "NetworkError: failed to connect to WebSocket: Invalid HTTP answer: HTTP/1.1 200 tok-S3C" +
    " (os error 1)RET-42";
  const f = classifyClose({ code: 1006, reason: "", errorText, opened: false }, { url: URL_, token });
  assert.ok(!f.reason.includes(token), f.reason);
  assert.ok(!CONTROL.test(f.reason), f.reason);
});

Deno.test("classifyClose() before the handshake: kinds of the texts Deno and our client produce", () => {
  const prefix = "NetworkError: failed to connect to WebSocket: ";
  const cases: [string, FailureKind, string][] = [
    [`${prefix}Connection refused (os error 111)`, "refused", "Connection refused"],
    [
      `${prefix}tcp connect error: Connection refused (os error 111)`,
      "refused",
      "tcp connect error: Connection refused",
    ],
    [`${prefix}tcp connect error`, "refused", "tcp connect error"],
    [
      `${prefix}failed to lookup address information: Name or service not known`,
      "dns",
      "failed to lookup address information: Name or service not known",
    ],
    [`${prefix}invalid peer certificate: UnknownIssuer`, "tls", "invalid peer certificate: UnknownIssuer"],
    [
      `${prefix}received corrupt message of type InvalidContentType`,
      "lost",
      "received corrupt message of type InvalidContentType",
    ],
    [`${prefix}Connection reset by peer (os error 104)`, "reset", "Connection reset by peer"],
    [`${prefix}connection closed before message completed`, "reset", "connection closed before message completed"],
    [`${prefix}unexpected end of file`, "lost", "unexpected end of file"],
    [`${prefix}Unexpected EOF`, "reset", "Unexpected EOF"],
    [`${prefix}Broken pipe (os error 32)`, "reset", "Broken pipe"],
    [`${prefix}Invalid status code: 404`, "lost", "Invalid status code: 404"],
    [`${prefix}Invalid HTTP answer: SSH-2.0-OpenSSH_9.2`, "lost", "Invalid HTTP answer: SSH-2.0-OpenSSH_9.2"],
    [`${prefix}handshake answer too long`, "lost", "handshake answer too long"],
    [`${prefix}Network unreachable (os error 101)`, "lost", "Network unreachable"],
    [`${prefix}Connection timed out (os error 110)`, "lost", "Connection timed out"],
    ["connection failed", "lost", "connection failed"],
  ];
  for (const [errorText, kind, shown] of cases) {
    const f = classifyClose({ code: 1006, reason: "", errorText, opened: false }, { url: URL_ });
    assert.equal(f.kind, kind, errorText);
    assert.ok(f.reason.includes(`(${shown})`), `${errorText} -> ${f.reason}`);
    assert.ok(!/os error/.test(f.reason), f.reason);
  }
  // An OS-error-like piece inside a server's text is the server's words, not the OS's: it changes no kind.
  const inside = classifyClose({
    code: 1006,
    reason: "",
    errorText: `${prefix}Invalid HTTP answer: re (os error 7)set`,
    opened: false,
  }, { url: URL_ });
  assert.equal(inside.kind, "lost", inside.reason);
});
