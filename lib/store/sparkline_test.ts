import assert from "node:assert/strict";
import { sparkline } from "./sparkline.ts";

Deno.test("sparkline() scales to the largest value and leaves zero blank", () => {
  assert.equal(sparkline([0, 1, 2, 4, 8]), " ▂▃▅█");
  assert.equal(sparkline([5, 5]), "██");
  assert.equal(sparkline([]), "");
  assert.equal(sparkline([0, 0]), "  ");
});
