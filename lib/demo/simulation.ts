/**
 * The demo world: pools whose workers take and finish tasks, workflows that
 * run stage by stage on a pool worker, and Akosha insights, patterns,
 * anomalies and aggregations. Pure apart from its seeded random
 * source; time comes in as a parameter. The server turns its events into
 * frames.
 *
 * @module
 */

import type { RandomSource } from "../transport/random.ts";

/** Which demo story to tell. */
export type Scenario = "steady" | "burst" | "failing";
/** How `pool.status_changed` carries its numbers. */
export type PoolStatusShape = "flat" | "nested" | "mixed";

/** One broadcast: an event for one or more rooms. */
export interface SimEvent {
  rooms: string[];
  event: string;
  data: Record<string, unknown>;
}

/** Options for {@link Simulation}. */
export interface SimulationOptions {
  random: RandomSource;
  /** Default `steady`. */
  scenario?: Scenario;
  /** Default `mixed`. */
  poolStatusShape?: PoolStatusShape;
  /** Start time (ms). */
  now: number;
}

interface SimWorker {
  id: string;
  status: "idle" | "busy" | "error" | "offline";
  task: string | null;
  since: number;
  /** The workflow this worker runs, if any: the pool activity leaves it alone. */
  workflow: string | null;
}

interface SimPool {
  id: string;
  status: string;
  workers: SimWorker[];
  queue: number;
  nextWorker: number;
  minWorkers: number;
  maxWorkers: number;
}

interface SimWorkflow {
  id: string;
  stages: string[];
  done: { stage_name: string; completed_at: string; duration_ms: number }[];
  status: "running" | "completed" | "failed";
  startedAt: number;
  stageStartedAt: number;
  nextAt: number;
  failAt: number | null;
  /** The pool worker running the workflow, or null when none was idle at its start. */
  worker: SimWorker | null;
  error: string | null;
  restartAt: number | null;
}

const STAGES = ["plan", "retrieve_context", "analyze", "generate", "review"];
const INSIGHT_TYPES = ["performance", "reliability", "cost", "usage"];
/**
 * The pattern types the simulated Akosha detects. Each pattern goes to its own
 * `patterns:{type}` room only, as on the real server (there is no wildcard room).
 */
export const SIM_PATTERN_TYPES: readonly string[] = ["code_pattern", "temporal", "error_cluster", "load_spike"];
const ANOMALY_TYPES = ["queue_growth", "latency_spike", "error_rate", "worker_flapping"];
const SEVERITIES = ["low", "medium", "high", "critical"];
const AGGREGATION_TYPES = ["pool_throughput", "task_latency", "hourly_rollup"];
/** The pool whose workers run the workflows. */
const WORKFLOW_POOL = "pool_local";

/** Current time as an ISO string with `+00:00`, as the real servers put in `data.timestamp`. */
export function utcStamp(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "+00:00");
}

/** The events of one scaling step that has just added or removed `worker`: announced, the worker, the new count. */
function scaleEvents(pool: SimPool, worker: SimWorker, direction: "up" | "down"): SimEvent[] {
  const rooms = [`pool:${pool.id}`];
  return [
    {
      rooms,
      event: "pool.scaling",
      data: { pool_id: pool.id, event_type: `scale_${direction}`, target: pool.workers.length },
    },
    {
      rooms,
      event: direction === "up" ? "worker.added" : "worker.removed",
      data: { pool_id: pool.id, worker_id: worker.id },
    },
    { rooms, event: "pool.scaled", data: { pool_id: pool.id, worker_count: pool.workers.length } },
  ];
}

/** The simulated Mahavishnu + Akosha world. */
export class Simulation {
  readonly scenario: Scenario;
  readonly shape: PoolStatusShape;
  #random: RandomSource;
  #pools: SimPool[];
  #workflows = new Map<string, SimWorkflow>();
  #taskCounter = 1000;
  #workflowCounter = 124;
  #insightCounter = 1;
  #statusFlip = false;
  #nextAkoshaAt: number;

  constructor(options: SimulationOptions) {
    this.#random = options.random;
    this.scenario = options.scenario ?? "steady";
    this.shape = options.poolStatusShape ?? "mixed";
    const now = options.now;
    this.#pools = [
      this.#makePool("pool_local", 6, now),
      this.#makePool("pool_gpu", 3, now),
    ];
    this.#startWorkflow("wf_123", now, 800);
    this.#startWorkflow(`wf_${this.#workflowCounter++}`, now, 1200);
    this.#nextAkoshaAt = now + 300;
  }

  /** The ids of the simulated pools. */
  get poolIds(): string[] {
    return this.#pools.map((p) => p.id);
  }

  /** One pool activity step: a few related events. */
  poolStep(now: number): SimEvent[] {
    const pool = this.#pools[this.#random() < 0.75 ? 0 : 1];
    const r = this.#random();
    if (r < 0.36) return this.#assign(pool, now);
    if (r < 0.7) return this.#complete(pool, now);
    if (r < 0.8) return this.#enqueue(pool, now);
    if (r < 0.86) return this.#breakWorker(pool, now);
    if (r < 0.92) return this.#repairWorker(pool, now);
    if (r < 0.96) return this.#scale(pool, now);
    if (r < 0.98) return [this.#statusEvent(pool, now)];
    return [{
      rooms: [`pool:${pool.id}`],
      event: "pool.health_check",
      data: { pool_id: pool.id, healthy: true, checked_workers: pool.workers.length, timestamp: utcStamp(now) },
    }];
  }

  /** Workflow progress due by `now`. */
  workflowStep(now: number): SimEvent[] {
    const out: SimEvent[] = [];
    for (const wf of [...this.#workflows.values()]) {
      if (wf.restartAt !== null) {
        if (now >= wf.restartAt) {
          this.#workflows.delete(wf.id);
          const id = wf.id === "wf_123" ? "wf_123" : `wf_${this.#workflowCounter++}`;
          out.push(...this.#startWorkflow(id, now, 600));
        }
        continue;
      }
      if (now < wf.nextAt) continue;
      const stage = wf.stages[wf.done.length];
      const rooms = [`workflow:${wf.id}`, "global"];
      if (wf.failAt === wf.done.length) {
        wf.status = "failed";
        wf.error = `stage '${stage}' failed: adapter timeout after 30s (worker ${wf.worker?.id ?? "none"})`;
        wf.restartAt = now + 8000;
        out.push(...this.#releaseWorker(wf, "error", now));
        out.push({
          rooms,
          event: "workflow.failed",
          data: { workflow_id: wf.id, error: wf.error, timestamp: utcStamp(now) },
        });
        continue;
      }
      const duration = now - wf.stageStartedAt;
      wf.done.push({ stage_name: stage, completed_at: utcStamp(now), duration_ms: duration });
      out.push({
        rooms,
        event: "workflow.stage_completed",
        data: {
          workflow_id: wf.id,
          stage_name: stage,
          result: { status: "ok", items: Math.floor(this.#random() * 40) + 1, duration_ms: duration },
          timestamp: utcStamp(now),
        },
      });
      wf.stageStartedAt = now;
      wf.nextAt = now + 1200 + Math.floor(this.#random() * 1600);
      if (wf.done.length === wf.stages.length) {
        wf.status = "completed";
        wf.restartAt = now + 10_000;
        out.push(...this.#releaseWorker(wf, "idle", now));
        out.push({
          rooms,
          event: "workflow.completed",
          data: {
            workflow_id: wf.id,
            result: { status: "success", stages: wf.stages.length, summary: "report generated, 3 files changed" },
            timestamp: utcStamp(now),
          },
        });
      }
    }
    return out;
  }

  /** Akosha insights, patterns (to `patterns:{type}` only), anomalies and aggregations due by `now`. */
  akoshaStep(now: number): SimEvent[] {
    if (now < this.#nextAkoshaAt) return [];
    this.#nextAkoshaAt = now + 700 + Math.floor(this.#random() * 1400);
    const r = this.#random();
    const n = this.#insightCounter++;
    const useOldShape = this.#random() < 0.3;
    if (r < 0.5) {
      const type = this.#pick(INSIGHT_TYPES);
      return [{
        rooms: ["insights"],
        event: "insight.generated",
        data: {
          insight_id: `ins_${n}`,
          [useOldShape ? "type" : "insight_type"]: type,
          title: `${type} insight #${n}`,
          description: `p95 task latency on pool_local ${this.#random() < 0.5 ? "rose" : "fell"} by ${
            Math.floor(this.#random() * 30) + 2
          }%`,
          data: { pool_id: "pool_local" },
          timestamp: utcStamp(now),
        },
      }];
    }
    if (r < 0.85) {
      const type = this.#pick(SIM_PATTERN_TYPES);
      return [{
        rooms: [`patterns:${type}`],
        event: "pattern.detected",
        data: {
          pattern_id: `pat_${n}`,
          [useOldShape ? "pattern" : "pattern_type"]: type,
          description: `${type.replace("_", " ")} pattern across ${Math.floor(this.#random() * 9) + 2} workers`,
          confidence: Math.round((0.55 + this.#random() * 0.44) * 100) / 100,
          timestamp: utcStamp(now),
        },
      }];
    }
    if (r < 0.95) {
      const type = this.#pick(ANOMALY_TYPES);
      const baseline = Math.floor(this.#random() * 20) + 5;
      const value = baseline * (2 + Math.floor(this.#random() * 4));
      return [{
        rooms: ["anomalies"],
        event: "anomaly.detected",
        data: {
          anomaly_id: `anom_${n}`,
          anomaly_type: type,
          severity: this.#pick(SEVERITIES),
          description: `${type.replace("_", " ")} on ${WORKFLOW_POOL}: ${value} against a baseline of ${baseline}`,
          metrics: { pool_id: WORKFLOW_POOL, value, baseline, z_score: Math.round((value / baseline) * 10) / 10 },
          timestamp: utcStamp(now),
        },
      }];
    }
    const records = Math.floor(this.#random() * 5000) + 1;
    return [{
      rooms: ["metrics"],
      event: "aggregation.completed",
      data: {
        aggregation_id: `agg_${n}`,
        aggregation_type: this.#pick(AGGREGATION_TYPES),
        record_count: records,
        summary: { window: "1m", tasks_completed: Math.floor(records / 3), p95_latency_ms: 120 + (records % 400) },
        timestamp: utcStamp(now),
      },
    }];
  }

  /**
   * What the real server's `get_pool_status` gives for a known pool
   * (`{pool_id, status, workers}`), or null for an unknown one.
   */
  poolSnapshot(poolId: string): Record<string, unknown> | null {
    const pool = this.#pools.find((p) => p.id === poolId);
    if (!pool) return null;
    return {
      pool_id: pool.id,
      status: pool.status,
      workers: pool.workers.map((w) => ({ worker_id: w.id, status: w.status, current_task: w.task })),
    };
  }

  #makePool(id: string, size: number, now: number): SimPool {
    const workers: SimWorker[] = [];
    for (let i = 1; i <= size; i++) {
      workers.push({ id: `${id}_w${i}`, status: "idle", task: null, since: now, workflow: null });
    }
    return { id, status: "running", workers, queue: 3, nextWorker: size + 1, minWorkers: 2, maxWorkers: size + 4 };
  }

  #startWorkflow(id: string, now: number, firstStageMs: number): SimEvent[] {
    const failing = this.scenario === "failing" || (id !== "wf_123" && this.#random() < 0.2);
    const pool = this.#pools.find((p) => p.id === WORKFLOW_POOL);
    const worker = pool?.workers.find((w) => w.status === "idle" && w.workflow === null) ?? null;
    const wf: SimWorkflow = {
      id,
      stages: STAGES,
      done: [],
      status: "running",
      startedAt: now,
      stageStartedAt: now,
      nextAt: now + firstStageMs,
      failAt: failing ? 2 : null,
      worker,
      error: null,
      restartAt: null,
    };
    this.#workflows.set(id, wf);
    const out: SimEvent[] = [{
      rooms: [`workflow:${id}`, "global"],
      event: "workflow.started",
      data: {
        workflow_id: id,
        timestamp: utcStamp(now),
        stages: STAGES,
        total_stages: STAGES.length,
        prompt: "Summarise last week's failed tasks",
        adapter: "llamaindex",
      },
    }];
    if (worker) {
      worker.workflow = id;
      worker.status = "busy";
      worker.task = null;
      worker.since = now;
      out.push(this.#workerEvent(wf, worker, now));
    }
    return out;
  }

  /** The workflow's worker becomes `status` and returns to the pool's own activity. */
  #releaseWorker(wf: SimWorkflow, status: "idle" | "error", now: number): SimEvent[] {
    const worker = wf.worker;
    if (!worker || worker.workflow !== wf.id) return [];
    worker.workflow = null;
    worker.status = status;
    worker.since = now;
    return [this.#workerEvent(wf, worker, now)];
  }

  /** A workflow worker's change, sent to its pool, its worker and its workflow rooms so that every view agrees. */
  #workerEvent(wf: SimWorkflow, worker: SimWorker, now: number): SimEvent {
    return {
      rooms: [`pool:${WORKFLOW_POOL}`, `worker:${worker.id}`, `workflow:${wf.id}`],
      event: "worker.status_changed",
      data: {
        worker_id: worker.id,
        status: worker.status,
        pool_id: WORKFLOW_POOL,
        workflow_id: wf.id,
        timestamp: utcStamp(now),
      },
    };
  }

  #assign(pool: SimPool, now: number): SimEvent[] {
    const idle = pool.workers.filter((w) => w.status === "idle");
    if (idle.length === 0 || pool.queue === 0) return this.#enqueue(pool, now);
    const worker = this.#pick(idle);
    const taskId = `task_${this.#taskCounter++}`;
    worker.status = "busy";
    worker.task = taskId;
    worker.since = now;
    pool.queue--;
    const realShape = this.#random() < 0.5;
    const data = realShape
      ? { pool_id: pool.id, worker_id: worker.id, task: { id: taskId, prompt: "run tests", priority: 2 } }
      : { task_id: taskId, worker_id: worker.id, pool_id: pool.id };
    return [
      { rooms: [`pool:${pool.id}`], event: "task.assigned", data },
      this.#workerStatus(pool, worker, now),
      this.#statusEvent(pool, now),
    ];
  }

  #complete(pool: SimPool, now: number): SimEvent[] {
    const busy = pool.workers.filter((w) => w.status === "busy" && w.workflow === null);
    if (busy.length === 0) return this.#assign(pool, now);
    const worker = this.#pick(busy);
    const taskId = worker.task;
    const duration = Math.round((now - worker.since) / 10) / 100;
    worker.status = "idle";
    worker.task = null;
    worker.since = now;
    const data = this.#random() < 0.5
      ? { task_id: taskId, worker_id: worker.id, pool_id: pool.id, duration }
      : { pool_id: pool.id, worker_id: worker.id, task_id: taskId, result: { status: "ok", duration } };
    return [{ rooms: [`pool:${pool.id}`], event: "task.completed", data }, this.#workerStatus(pool, worker, now)];
  }

  #enqueue(pool: SimPool, now: number): SimEvent[] {
    const burst = this.scenario === "burst" ? 6 : 3;
    pool.queue = Math.min(200, pool.queue + 1 + Math.floor(this.#random() * burst));
    return [this.#statusEvent(pool, now)];
  }

  #breakWorker(pool: SimPool, now: number): SimEvent[] {
    const candidates = pool.workers.filter((w) => (w.status === "idle" || w.status === "busy") && w.workflow === null);
    if (candidates.length <= 1) return this.#repairWorker(pool, now);
    const worker = this.#pick(candidates);
    worker.status = this.#random() < 0.6 ? "error" : "offline";
    worker.task = null;
    worker.since = now;
    return [this.#workerStatus(pool, worker, now)];
  }

  #repairWorker(pool: SimPool, now: number): SimEvent[] {
    const broken = pool.workers.filter((w) => w.status === "error" || w.status === "offline");
    if (broken.length === 0) return this.#enqueue(pool, now);
    const worker = this.#pick(broken);
    worker.status = "idle";
    worker.since = now;
    return [this.#workerStatus(pool, worker, now)];
  }

  #scale(pool: SimPool, now: number): SimEvent[] {
    const up = pool.queue > 8 ? pool.workers.length < pool.maxWorkers : pool.workers.length <= pool.minWorkers;
    if (up) {
      const worker: SimWorker = {
        id: `${pool.id}_w${pool.nextWorker++}`,
        status: "idle",
        task: null,
        since: now,
        workflow: null,
      };
      pool.workers.push(worker);
      return scaleEvents(pool, worker, "up");
    }
    const idle = pool.workers.filter((w) => w.status !== "busy" && w.workflow === null);
    if (idle.length === 0 || pool.workers.length <= pool.minWorkers) return this.#enqueue(pool, now);
    const worker = idle[idle.length - 1];
    pool.workers = pool.workers.filter((w) => w !== worker);
    return scaleEvents(pool, worker, "down");
  }

  #workerStatus(pool: SimPool, worker: SimWorker, now: number): SimEvent {
    return {
      rooms: [`pool:${pool.id}`, `worker:${worker.id}`],
      event: "worker.status_changed",
      data: { worker_id: worker.id, status: worker.status, pool_id: pool.id, timestamp: utcStamp(now) },
    };
  }

  #statusEvent(pool: SimPool, now: number): SimEvent {
    this.#statusFlip = !this.#statusFlip;
    const nested = this.shape === "nested" || (this.shape === "mixed" && this.#statusFlip);
    const data = nested
      ? {
        pool_id: pool.id,
        status: { state: pool.status, worker_count: pool.workers.length, queue_size: pool.queue },
        timestamp: utcStamp(now),
      }
      : {
        pool_id: pool.id,
        status: pool.status,
        worker_count: pool.workers.length,
        queue_size: pool.queue,
        timestamp: utcStamp(now),
      };
    return { rooms: [`pool:${pool.id}`], event: "pool.status_changed", data };
  }

  #pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.#random() * items.length)];
  }
}
