import assert from "node:assert/strict";
import { checkTokenTransport, serviceToken } from "./tokens.ts";
import { ConfigError } from "./usage.ts";

Deno.test("checkTokenTransport() refuses a token over ws:// to a remote host unless allowed", () => {
  const remote = { name: "Akosha", host: "10.1.2.3", tls: false, token: "secret-token" };
  assert.throws(() => checkTokenTransport(remote, false), (e) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /refusing to send a token over plain ws:\/\/ to 10\.1\.2\.3 \(Akosha\)/);
    assert.match(e.message, /--allow-insecure-token/);
    assert.doesNotMatch(e.message, /secret-token/);
    return true;
  });
  checkTokenTransport(remote, true);
  checkTokenTransport({ ...remote, tls: true }, false);
  checkTokenTransport({ ...remote, host: "127.0.0.1" }, false);
  checkTokenTransport({ ...remote, token: undefined }, false);
});

Deno.test("serviceToken() gives a service without a source no token", () => {
  const dir = Deno.makeTempDirSync();
  Deno.writeTextFileSync(`${dir}/akosha.token`, "ak-token\n");
  assert.equal(
    serviceToken({ service: "Akosha", prefix: "--akosha-token", useDefault: false, tokenFile: `${dir}/akosha.token` }),
    "ak-token",
  );
  Deno.env.set("MAHAVISHNU_TOKEN", "mv-token");
  try {
    assert.equal(serviceToken({ service: "Akosha", prefix: "--akosha-token", useDefault: false }), undefined);
    assert.equal(serviceToken({ service: "Mahavishnu", prefix: "--token", useDefault: true }), "mv-token");
  } finally {
    Deno.env.delete("MAHAVISHNU_TOKEN");
  }
  Deno.removeSync(dir, { recursive: true });
});
