import assert from "node:assert/strict";
import { Command } from "commander";
import {
  addStoreOptions,
  createStoreOutput,
  parseAge,
  parseTimeArg,
  resolveStoreOptions,
  type StoreCliOptions,
} from "./store_options.ts";
import { received } from "../store/_test_rows.ts";

Deno.test("parseAge() reads units from ms to weeks", () => {
  assert.equal(parseAge("7d"), 7 * 86_400_000);
  assert.equal(parseAge("90s"), 90_000);
  assert.equal(parseAge("2w"), 1_209_600_000);
  assert.throws(() => parseAge("7"), /expected an age like 30m, 1h, 7d or 2w: current value is 7/);
  assert.throws(() => parseAge("0d"), /current value is 0d/);
});

Deno.test("parseTimeArg() takes an age before now or an ISO time", () => {
  const now = Date.UTC(2026, 10, 30, 12);
  assert.equal(parseTimeArg("1h", now), now - 3_600_000);
  assert.equal(parseTimeArg("2026-11-30T08:00:00Z", now), Date.UTC(2026, 10, 30, 8));
  assert.throws(() => parseTimeArg("yesterday", now), /current value is yesterday/);
});

Deno.test("addStoreOptions() validates --store and --retention; the password file is read", async (t) => {
  const parse = (args: string[]) =>
    addStoreOptions(new Command().exitOverride().configureOutput({ writeErr: () => {} })).parse(args, { from: "user" })
      .opts<StoreCliOptions>();
  await t.step("sqlite with retention", () => {
    const r = resolveStoreOptions(parse(["--store", "events.db", "--retention", "7d"]));
    assert.equal(r?.target.kind, "sqlite");
    assert.equal(r?.retentionMs, 7 * 86_400_000);
  });
  await t.step("bad target", () => assert.throws(() => parse(["--store", "events.txt"]), /neither a \.db/));
  await t.step("password file", () => {
    const file = Deno.makeTempFileSync();
    Deno.writeTextFileSync(file, "s3cret\n");
    const r = resolveStoreOptions(parse(["--store", "postgres://mon@127.0.0.1/ev", "--store-password-file", file]));
    assert.equal(r?.password, "s3cret");
    assert.doesNotMatch(r?.target.label ?? "", /s3cret/);
    Deno.removeSync(file);
  });
  await t.step("no --store", () => {
    assert.equal(resolveStoreOptions(parse([])), undefined);
    assert.throws(() => resolveStoreOptions(parse(["--retention", "1d"])), /without --store/);
  });
});

Deno.test("createStoreOutput() gives a working store output for --store, none without", async () => {
  assert.equal(createStoreOutput({}), undefined);
  const dir = Deno.makeTempDirSync();
  try {
    const output = createStoreOutput({ store: `${dir}/m.db`, retention: 86_400_000 })!;
    output.received(received("task.completed", { pool_id: "p" }, { receivedAt: Date.now() }));
    await output.close();
    assert.equal(output.counts.stored, 1);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
