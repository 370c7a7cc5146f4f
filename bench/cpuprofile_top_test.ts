import assert from "node:assert/strict";
import { type CpuProfile, topFunctions } from "./cpuprofile_top.ts";

const frame = (functionName: string, url = "", lineNumber = 0) => ({ functionName, url, lineNumber, columnNumber: 0 });

Deno.test("topFunctions() ranks by self time and counts recursion once in the total", () => {
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame("(root)"), children: [2, 5] },
      { id: 2, callFrame: frame("outer", "file:///repo/a.ts", 9), children: [3] },
      { id: 3, callFrame: frame("inner", "file:///repo/b.ts", 0), children: [4] },
      { id: 4, callFrame: frame("outer", "file:///repo/a.ts", 9) },
      { id: 5, callFrame: frame("(idle)") },
    ],
    // The time to the next sample belongs to a sample: inner 3 ms, outer 1 + 2 ms, idle left out.
    samples: [3, 3, 2, 4, 4, 5, 3],
    timeDeltas: [0, 1000, 2000, 1000, 1000, 1000, 50_000],
    startTime: 0,
    endTime: 56_000,
  };
  const top = topFunctions(profile, { root: "/repo/" });
  assert.deepEqual(top.map((f) => [f.name, f.selfMs, f.totalMs]), [
    ["inner (b.ts:1)", 3, 5],
    ["outer (a.ts:10)", 3, 6],
  ]);
  assert.equal(top[0].selfShare, 0.5);
});

Deno.test("topFunctions() leaves V8's own rows out when asked", () => {
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame("(root)"), children: [2, 3] },
      { id: 2, callFrame: frame("(garbage collector)") },
      { id: 3, callFrame: frame("work", "file:///root/.cache/deno/npm/registry.npmjs.org/pkg/1.0.0/x.js") },
    ],
    samples: [2, 3, 2],
    timeDeltas: [0, 1000, 1000],
    startTime: 0,
    endTime: 2000,
  };
  assert.deepEqual(topFunctions(profile).map((f) => f.name), ["(garbage collector)", "work (npm:pkg/1.0.0/x.js:1)"]);
  assert.deepEqual(topFunctions(profile, { jsOnly: true }).map((f) => f.name), ["work (npm:pkg/1.0.0/x.js:1)"]);
});
