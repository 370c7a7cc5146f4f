import assert from "node:assert/strict";
import { runScript } from "./_process.ts";
import { requireTool } from "./_require.ts";
import { runInPty } from "./_pty.ts";
import { answerSubscribe, frame, type ScriptServer, startScriptServer, waitFor, welcome } from "./_script_server.ts";

const GOOD = "tok-good-7f3a91";
const BAD = "tok-wrong-c0ffee";

/** A server that accepts only {@link GOOD}: AUTH_FAILED then close 1008 for anything else, like the real one. */
function authServer(): ScriptServer {
  return startScriptServer({
    message: (ws, m) => {
      if (m.event === "auth") {
        const token = (m.data as { token?: unknown }).token;
        if (token === GOOD) {
          ws.send(frame("response", "auth", { status: "authenticated" }, { correlation_id: m.correlation_id ?? null }));
          ws.send(welcome());
        } else {
          ws.send(frame("error", null, {}, { error_code: "AUTH_FAILED", error_message: "Invalid or expired token" }));
          ws.close(1008, "authentication failed");
        }
        return;
      }
      answerSubscribe(ws, m);
    },
  });
}

Deno.test("the token never leaves for the screen, stderr or a recording", async (t) => {
  const dir = Deno.makeTempDirSync();
  Deno.writeTextFileSync(`${dir}/good.token`, `${GOOD}\n`);
  const perms = [
    "--allow-net=127.0.0.1",
    "--allow-env=MAHAVISHNU_TOKEN",
    `--allow-read=${dir}`,
    `--allow-write=${dir}`,
  ];

  await t.step("--token-file is used, and --record holds no token", async () => {
    const server = authServer();
    const run = runScript(
      "pool_monitor.ts",
      ["pool_local", "--port", String(server.port), "--token-file", `${dir}/good.token`, "--record", `${dir}/r.jsonl`],
      perms,
    );
    await waitFor(() => server.received.some((m) => m.event === "subscribe"), "a subscription after auth");
    assert.equal((server.received[0].data as { token?: string }).token, GOOD, "the file's token was sent first");
    run.kill("SIGINT");
    assert.equal((await run.done).code, 0, run.stderr());
    await server.close();
    const recorded = Deno.readTextFileSync(`${dir}/r.jsonl`);
    assert.ok(recorded.length > 0, "something was recorded");
    assert.ok(!recorded.includes(GOOD), "token in the recording");
    assert.ok(!run.stdout().includes(GOOD) && !run.stderr().includes(GOOD), "token printed");
  });

  await t.step("a refused token: a clear message without the token, not retried", async () => {
    const server = authServer();
    Deno.writeTextFileSync(`${dir}/bad.token`, `${BAD}\n`);
    const run = runScript(
      "pool_monitor.ts",
      ["pool_local", "--port", String(server.port), "--token-file", `${dir}/bad.token`],
      perms,
    );
    const timer = setTimeout(() => run.kill("SIGKILL"), 10_000);
    const status = await run.done;
    clearTimeout(timer);
    assert.notEqual(status.signal, "SIGKILL", "a refused token must end a run nobody watches, not retry");
    await new Promise((r) => setTimeout(r, 500));
    assert.notEqual(status.code, 0);
    assert.match(run.stderr(), /authentication failed/i);
    assert.ok(!run.stderr().includes(BAD) && !run.stdout().includes(BAD), "token printed");
    assert.equal(server.connections, 1, "a refused token must not be retried");
    await server.close();
  });
  Deno.removeSync(dir, { recursive: true });
});

const hasPython = requireTool("python3", "python3", ["-c", "import pty"], "the pseudo-terminal token test");

Deno.test({
  name: "the token never reaches the terminal (pool_monitor.ts in a pseudo-terminal, refused token)",
  ignore: !hasPython,
  fn: async () => {
    const server = authServer();
    const run = runInPty(
      [
        "--allow-net=127.0.0.1",
        "--allow-env=MAHAVISHNU_TOKEN",
        "pool_monitor.ts",
        "pool_local",
        "--port",
        String(server.port),
      ],
      { env: { MAHAVISHNU_TOKEN: BAD } },
    );
    // The monitor shows the refusal on screen (it is never retried); then it is stopped like an operator would.
    await waitFor(() => /authentication failed|AUTH_FAILED/i.test(run.out()), "the refusal on screen", 15_000).finally(
      () => {
        if (run.pid() > 0) Deno.kill(run.pid(), "SIGTERM");
      },
    );
    await run.done();
    await server.close();
    assert.ok(server.received.some((m) => m.event === "auth"), "the token was offered to the server");
    assert.ok(!run.out().includes(BAD), "token shown in the terminal (stdout and stderr both go to it)");
    assert.ok(!run.frames().some((screen) => screen.includes(BAD)), "token on a screen, drawn in pieces");
    assert.equal(server.connections, 1, "a refused token must not be retried");
  },
});
