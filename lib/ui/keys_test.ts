import assert from "node:assert/strict";
import { initialUi, parseKeys, reduceUi } from "./keys.ts";

Deno.test("parseKeys() names control bytes and sequences, and drops unknown sequences", () => {
  assert.deepEqual(parseKeys("q\x03\x1a\x1c\x1b[A\x1b[B\x1b[5~\x1b[F\t\r\x7f\x1b[99Z\x1b"), [
    "q",
    "ctrl-c",
    "ctrl-z",
    "ctrl-backslash",
    "up",
    "down",
    "pageup",
    "end",
    "tab",
    "enter",
    "backspace",
    "escape",
  ]);
});

Deno.test("reduceUi() Ctrl+C and Ctrl+\\ quit and Ctrl+Z suspends, even while typing a filter", () => {
  const typing = { ...initialUi(), editingFilter: true };
  assert.equal(reduceUi(typing, "ctrl-c", 0)[1], "quit");
  assert.equal(reduceUi(typing, "ctrl-backslash", 0)[1], "quit");
  assert.equal(reduceUi(typing, "ctrl-z", 0)[1], "suspend");
  assert.equal(reduceUi(initialUi(), "ctrl-z", 0)[1], "suspend");
});

Deno.test("reduceUi() scrolling stops at both ends of the focused list", () => {
  const limits = { scroll: 3, tableScroll: 1 };
  let ui = initialUi();
  for (let i = 0; i < 10; i++) ui = reduceUi(ui, "down", 0, 10, limits)[0];
  assert.equal(ui.scroll, 3);
  ui = reduceUi(ui, "up", 0, 10, limits)[0];
  assert.equal(ui.scroll, 2, "one key up from the end moves at once");
  ui = reduceUi(ui, "pageup", 0, 10, limits)[0];
  assert.equal(ui.scroll, 0);
  ui = reduceUi(ui, "end", 0, 10, limits)[0];
  assert.equal(ui.scroll, 3);
  ui = reduceUi(ui, "tab", 0, 10, limits)[0];
  assert.equal(ui.focus, "table");
  ui = reduceUi(ui, "pagedown", 0, 10, limits)[0];
  assert.deepEqual([ui.scroll, ui.tableScroll], [3, 1]);
});
