import assert from "node:assert/strict";
import { EXIT_CODES, EXIT_CODES_HELP } from "./usage.ts";

Deno.test("EXIT_CODES_HELP and the README's exit-code table list every exit code, and no other", () => {
  const readme = Deno.readTextFileSync(new URL("../../README.md", import.meta.url));
  const table = readme.slice(readme.indexOf("### Exit codes"));
  const inReadme = [...table.matchAll(/^\| (\d+) +\|/gm)].map((m) => Number(m[1]));
  const inHelp = [...EXIT_CODES_HELP.matchAll(/^ {2}(\d+) {2}/gm)].map((m) => Number(m[1]));
  const codes = Object.values(EXIT_CODES).sort();
  assert.deepEqual(inReadme, codes);
  assert.deepEqual(inHelp, codes);
});
