import assert from "node:assert/strict";
import { seededRandom } from "../transport/random.ts";
import { SIM_PATTERN_TYPES, type SimEvent, Simulation } from "./simulation.ts";

/** Runs a simulation for `ms` of simulated time in 50 ms ticks; returns every event. */
function run(seed: number, ms: number, scenario: "steady" | "failing" = "steady"): SimEvent[] {
  const sim = new Simulation({ random: seededRandom(seed), now: 0, scenario });
  const out: SimEvent[] = [];
  for (let t = 50; t <= ms; t += 50) {
    out.push(...sim.poolStep(t), ...sim.poolStep(t), ...sim.workflowStep(t), ...sim.akoshaStep(t));
  }
  return out;
}

Deno.test("Simulation.akoshaStep() sends each pattern to its own patterns:{type} room only", () => {
  const patterns = run(1, 300_000).filter((e) => e.event === "pattern.detected");
  assert.ok(patterns.length > 20);
  for (const p of patterns) {
    const type = String(p.data.pattern_type ?? p.data.pattern);
    assert.deepEqual(p.rooms, [`patterns:${type}`]);
    assert.ok(SIM_PATTERN_TYPES.includes(type));
  }
  assert.deepEqual(new Set(patterns.map((p) => p.rooms[0])).size, SIM_PATTERN_TYPES.length, "every type occurs");
});

Deno.test("Simulation a workflow's worker is left alone by the pool activity, and every view hears of it", async (t) => {
  for (const scenario of ["steady", "failing"] as const) {
    await t.step(scenario, () => {
      const reserved = new Set<string>();
      let changes = 0;
      for (const e of run(2, 200_000, scenario)) {
        const worker = String(e.data.worker_id);
        if (e.event === "worker.status_changed" && typeof e.data.workflow_id === "string") {
          changes++;
          assert.deepEqual(e.rooms, ["pool:pool_local", `worker:${worker}`, `workflow:${e.data.workflow_id}`]);
          if (e.data.status === "busy") reserved.add(worker);
          else reserved.delete(worker);
          continue;
        }
        if (e.event === "worker.status_changed" || e.event.startsWith("task.") || e.event === "worker.removed") {
          assert.ok(!reserved.has(worker), `${e.event} for ${worker} while it runs a workflow`);
        }
      }
      assert.ok(changes >= 10, `workflow worker changes: ${changes}`);
    });
  }
});

Deno.test("Simulation.poolSnapshot() is the real answer's shape, null for an unknown pool", () => {
  const sim = new Simulation({ random: seededRandom(1), now: 0 });
  const snap = sim.poolSnapshot("pool_gpu");
  assert.deepEqual(Object.keys(snap ?? {}).sort(), ["pool_id", "status", "workers"]);
  assert.equal((snap?.workers as unknown[]).length, 3);
  assert.equal(sim.poolSnapshot("nope"), null);
});
