import assert from "node:assert/strict";
import { checkAlertFields, checkOutputFiles, checkPermissions, flagFor } from "./preflight.ts";
import { ConfigError, UsageError } from "./usage.ts";

Deno.test("checkOutputFiles() refuses directories, missing folders and one file named twice", async (t) => {
  const dir = Deno.makeTempDirSync();
  await t.step("a new file in an existing folder is fine", () => {
    checkOutputFiles([{ option: "--record", path: `${dir}/rec.jsonl` }, { option: "--export", path: `${dir}/h.csv` }]);
  });
  await t.step("a directory", () => {
    assert.throws(() => checkOutputFiles([{ option: "--export", path: dir }]), (e) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, /--export needs a file, but .* is a directory/);
      return true;
    });
  });
  await t.step("a missing folder", () => {
    assert.throws(
      () => checkOutputFiles([{ option: "--record", path: `${dir}/nope/rec.jsonl` }]),
      /--record .*nope\/rec\.jsonl: the folder .*nope does not exist/,
    );
  });
  await t.step("the same file for --record and --export, spelled differently", () => {
    assert.throws(
      () =>
        checkOutputFiles([
          { option: "--record", path: `${dir}/x.jsonl` },
          { option: "--export", path: `${dir}/./x.jsonl` },
        ]),
      /--record and --export name the same file/,
    );
  });
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("checkPermissions() names every missing flag in one ConfigError", () => {
  // The test runner has --allow-net=127.0.0.1,localhost: ::1 is not granted.
  checkPermissions([{ name: "net", host: "127.0.0.1", port: 8690, why: "the server" }]);
  assert.throws(
    () =>
      checkPermissions([
        { name: "net", host: "127.0.0.1", port: 8690, why: "the pool server" },
        { name: "net", host: "::1", port: 8690, why: "the Akosha server" },
      ]),
    (e) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.message, "missing permission: the Akosha server needs --allow-net=[::1]:8690");
      return true;
    },
  );
  assert.equal(flagFor({ name: "env", variable: "TOK", why: "" }), "--allow-env=TOK");
});

Deno.test("checkAlertFields() refuses a field the monitor does not have, accepts families and common fields", () => {
  const fields = ["queue_size", "worker_count", "workers.*"];
  checkAlertFields([{ text: "queue_size>1", field: "queue_size" }], fields);
  checkAlertFields([{ text: "workers.error>=1", field: "workers.error" }], fields);
  checkAlertFields([{ text: "reconnects>3", field: "reconnects" }], fields);
  assert.throws(
    () => checkAlertFields([{ text: "queue>0", field: "queue" }], fields),
    (e) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, /^--alert queue>0: this monitor has no field 'queue'; fields: queue_size, worker_count/);
      return true;
    },
  );
  assert.throws(() => checkAlertFields([{ text: "workers.>0", field: "workers." }], fields), UsageError);
});
