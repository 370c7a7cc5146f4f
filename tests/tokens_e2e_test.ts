import assert from "node:assert/strict";
import { runScript, servicePortArgs } from "./_process.ts";
import { answerSubscribe, frame, type ScriptServer, startScriptServer, waitFor, welcome } from "./_script_server.ts";

/** A server that welcomes, answers auth and subscribe, and keeps every client message. */
function tokenServer(): ScriptServer {
  return startScriptServer({
    open: (ws) => ws.send(welcome()),
    message: (ws, m) => {
      if (m.event === "auth") {
        ws.send(frame("response", "auth", { status: "authenticated" }, { correlation_id: m.correlation_id ?? null }));
      }
      answerSubscribe(ws, m);
    },
  });
}

/** The tokens a server was sent in auth requests. */
function tokensSent(server: ScriptServer): unknown[] {
  return server.received.filter((m) => m.event === "auth").map((m) => (m.data as { token?: unknown }).token);
}

Deno.test("multi_service_dashboard.ts sends each service only its own token", async (t) => {
  const dir = Deno.makeTempDirSync();
  Deno.writeTextFileSync(`${dir}/akosha.token`, "akosha-secret\n");
  const run = async (extra: string[]) => {
    const mahavishnu = tokenServer();
    const akosha = tokenServer();
    const dash = runScript("multi_service_dashboard.ts", [
      ...servicePortArgs(mahavishnu.port, akosha.port),
      ...extra,
    ], ["--allow-net=127.0.0.1", "--allow-env=MAHAVISHNU_TOKEN", `--allow-read=${dir}`]);
    await waitFor(
      () =>
        mahavishnu.received.filter((m) => m.event === "subscribe").length >= 2 &&
        akosha.received.some((m) => m.event === "subscribe"),
      "all three subscribed",
    );
    dash.kill("SIGINT");
    const status = await dash.done;
    await Promise.all([mahavishnu.close(), akosha.close()]);
    assert.equal(status.code, 0, dash.stderr());
    assert.doesNotMatch(dash.stdout() + dash.stderr(), /mahavishnu-secret|akosha-secret/);
    return { mahavishnu: tokensSent(mahavishnu), akosha: tokensSent(akosha) };
  };
  Deno.env.set("MAHAVISHNU_TOKEN", "mahavishnu-secret");
  try {
    await t.step("MAHAVISHNU_TOKEN goes to Mahavishnu (and the pool on the same server), never to Akosha", async () => {
      const sent = await run([]);
      assert.deepEqual(sent.mahavishnu, ["mahavishnu-secret", "mahavishnu-secret"]);
      assert.deepEqual(sent.akosha, []);
    });
    await t.step("--akosha-token-file gives Akosha its own token", async () => {
      const sent = await run(["--akosha-token-file", `${dir}/akosha.token`]);
      assert.deepEqual(sent.akosha, ["akosha-secret"]);
      assert.deepEqual(sent.mahavishnu, ["mahavishnu-secret", "mahavishnu-secret"]);
    });
  } finally {
    Deno.env.delete("MAHAVISHNU_TOKEN");
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a token over plain ws:// to a non-loopback host is refused before anything else (exit 4)", async () => {
  // No --allow-net for that host: if the refusal were missing, the permission check would stop the run
  // with another message, and no packet could ever leave this machine.
  Deno.env.set("MAHAVISHNU_TOKEN", "mahavishnu-secret");
  const refused = runScript("pool_monitor.ts", ["pool_local", "--host", "192.0.2.10"], [
    "--allow-env=MAHAVISHNU_TOKEN",
  ]);
  Deno.env.delete("MAHAVISHNU_TOKEN");
  const status = await refused.done;
  assert.equal(status.code, 4, refused.stderr());
  assert.match(
    refused.stderr(),
    /^pool_monitor: refusing to send a token over plain ws:\/\/ to 192\.0\.2\.10 \(the server\)/,
  );
  assert.match(refused.stderr(), /--allow-insecure-token/);
  assert.doesNotMatch(refused.stderr(), /mahavishnu-secret/);
});
