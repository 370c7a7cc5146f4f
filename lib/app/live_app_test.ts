import assert from "node:assert/strict";
import { runLiveApp } from "./live_app.ts";
import { ENTER_SEQUENCE, RESTORE_SEQUENCE } from "../ui/renderer.ts";

Deno.test("runLiveApp() restores the terminal and exits 1 when the view throws", async () => {
  const out: string[] = [];
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const errors: unknown[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void errors.push(args.join(" "));
  try {
    const code = await runLiveApp({
      sources: [{ name: "x", url: `ws://127.0.0.1:${port}`, channels: [], apply: () => {} }],
      version: () => 0,
      view: () => {
        throw new Error("view exploded");
      },
      clear: () => {},
      json: false,
      sink: { write: (t) => void out.push(t), size: () => ({ columns: 80, rows: 24 }) },
    });
    assert.equal(code, 1);
  } finally {
    console.error = original;
  }
  assert.equal(out[0], ENTER_SEQUENCE);
  assert.equal(out.at(-1), RESTORE_SEQUENCE);
  assert.match(String(errors[0]), /the view failed: Error: view exploded/);
});
