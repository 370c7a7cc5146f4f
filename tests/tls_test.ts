import assert from "node:assert/strict";
import { Connection } from "../lib/transport/connection.ts";
import { jsonLines, runScript } from "./_process.ts";
import { waitFor } from "./_script_server.ts";
import { requireTool } from "./_require.ts";

/** Makes a CA and a server certificate for localhost/127.0.0.1 with openssl; null when openssl is missing. */
function makeCertificates(dir: string): boolean {
  const run = (args: string[]) =>
    new Deno.Command("openssl", { args, cwd: dir, stdout: "null", stderr: "null" }).outputSync();
  try {
    run([
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      "2",
      "-subj",
      "/CN=test-ca",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=keyCertSign",
    ]);
    run(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=localhost"]);
    Deno.writeTextFileSync(`${dir}/ext.cnf`, "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n");
    run([
      "x509",
      "-req",
      "-in",
      "srv.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "srv.pem",
      "-days",
      "2",
      "-extfile",
      "ext.cnf",
    ]);
    return Deno.statSync(`${dir}/srv.pem`).isFile;
  } catch {
    return false;
  }
}

const dir = Deno.makeTempDirSync();
const haveOpenssl = requireTool("openssl", "openssl", ["version"], "the wss:// tests");
if (haveOpenssl && !makeCertificates(dir)) {
  throw new Error(`openssl is installed but could not make certificates in ${dir}`);
}

Deno.test({
  name: "Connection over wss://: trusts a CA file, reports an untrusted certificate clearly",
  ignore: !haveOpenssl,
  fn: async () => {
    const server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      cert: Deno.readTextFileSync(`${dir}/srv.pem`),
      key: Deno.readTextFileSync(`${dir}/srv.key`),
      onListen() {},
    }, (req) => {
      const { socket, response } = Deno.upgradeWebSocket(req);
      socket.onopen = () => socket.send(JSON.stringify({ type: "event", event: "session.created", data: {} }));
      return response;
    });
    const url = `wss://localhost:${server.addr.port}`;
    const trusted = new Connection(url, { caCerts: [Deno.readTextFileSync(`${dir}/ca.pem`)] });
    trusted.start();
    await waitFor(() => trusted.status.state === "connected", "a trusted wss connection");
    await trusted.close();

    const untrusted = new Connection(url, { backoff: { initialMs: 5000 } });
    untrusted.start();
    await waitFor(() => untrusted.status.state === "reconnecting", "a refused certificate");
    assert.match(
      untrusted.status.reason ?? "",
      /TLS error talking to localhost:\d+ .*UnknownIssuer.*pass its CA with --ca FILE/,
    );
    await untrusted.close();

    const monitor = runScript(
      "pool_monitor.ts",
      ["pool_local", "--host", "localhost", "--port", String(server.addr.port), "--ca", `${dir}/ca.pem`],
      ["--allow-net=localhost", `--allow-read=${dir}`],
    );
    await waitFor(
      () => jsonLines(monitor.stdout()).some((l) => l.state === "connected"),
      "pool_monitor.ts --ca",
      15_000,
    );
    monitor.kill("SIGTERM");
    assert.equal((await monitor.done).code, 0, monitor.stderr());
    await server.shutdown();
  },
});
