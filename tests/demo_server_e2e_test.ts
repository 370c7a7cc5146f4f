import assert from "node:assert/strict";
import { runScript } from "./_process.ts";

const PERMS = ["--allow-net=127.0.0.1", "--allow-read", "--allow-env=MAHAVISHNU_TOKEN"];

Deno.test("demo_server.ts takes the required token from the environment or a file, never the command line", async (t) => {
  const fail = async (args: string[], env: Record<string, string>, pattern: RegExp) => {
    const run = runScript("demo_server.ts", ["--port", "0", "--no-akosha", ...args], PERMS, env);
    const status = await run.done;
    assert.equal(status.code, 1, run.stdout());
    assert.match(run.stderr(), pattern);
  };
  await t.step("--require-token is gone", async () => {
    await fail(["--require-token", "s3cret"], {}, /unknown option '--require-token'/);
  });
  await t.step("an empty variable", async () => {
    await fail(["--require-token-env", "MAHAVISHNU_TOKEN"], { MAHAVISHNU_TOKEN: "" }, /MAHAVISHNU_TOKEN is empty/);
  });
  await t.step("an empty file", async () => {
    const file = await Deno.makeTempFile();
    await Deno.writeTextFile(file, "\n");
    await fail(["--require-token-file", file], {}, /is empty or unset/);
    await Deno.remove(file);
  });
  await t.step("both at once", async () => {
    await fail(["--require-token-env", "MAHAVISHNU_TOKEN", "--require-token-file", "x"], {
      MAHAVISHNU_TOKEN: "a",
    }, /both --require-token-env and --require-token-file/);
  });
});
