import assert from "node:assert/strict";
import { type DemoServerOptions, MAX_CLIENT_MESSAGE_BYTES, startDemoServer } from "./server.ts";
import { SIM_PATTERN_TYPES } from "./simulation.ts";
import { type Frame, TestClient } from "./_test_client.ts";

/** The error codes the real servers send. */
const REAL_ERROR_CODES = new Set([
  "AUTH_REQUIRED",
  "AUTH_FAILED",
  "FORBIDDEN",
  "RATE_LIMIT_EXCEEDED",
  "DECODE_ERROR",
  "UNKNOWN_REQUEST",
]);
const ENVELOPE_FIELDS = [
  "id",
  "correlation_id",
  "type",
  "event",
  "data",
  "timestamp",
  "room",
  "error_code",
  "error_message",
];

/** A clock running `factor` times faster than real time, so the simulation moves quickly. */
function fastClock(factor = 20): () => number {
  const start = Date.now();
  return () => start + (Date.now() - start) * factor;
}

/** Runs `body` against a demo server on free ports, then closes everything. */
async function withServer(
  options: DemoServerOptions,
  body: (urls: { mahavishnu: string; akosha: string }) => Promise<void>,
): Promise<void> {
  const server = startDemoServer({ port: 0, akoshaPort: 0, seed: 7, ...options });
  try {
    await body({ mahavishnu: `ws://127.0.0.1:${server.port}`, akosha: `ws://127.0.0.1:${server.akoshaPort}` });
  } finally {
    await server.close();
  }
}

/** Asserts that a request sent before `probe` got no answer: answers come in order on one socket. */
async function assertNoAnswer(client: TestClient, id: string): Promise<void> {
  await client.subscribe("global");
  assert.equal(client.frames.filter((f) => f.correlation_id === id).length, 0, `request ${id} was answered`);
}

Deno.test("startDemoServer() Akosha broadcasts patterns only to patterns:{type} rooms", async () => {
  await withServer({ now: fastClock() }, async ({ akosha }) => {
    const plain = await TestClient.open(akosha);
    const typed = await TestClient.open(akosha);
    try {
      const answer = await plain.subscribe("patterns");
      assert.deepEqual([answer.type, answer.data], ["response", { status: "subscribed", channel: "patterns" }]);
      for (const type of SIM_PATTERN_TYPES) await typed.subscribe(`patterns:${type}`);
      await typed.waitFor(() => typed.events("pattern.detected").length >= 6, "six patterns");
      for (const p of typed.events("pattern.detected")) {
        const data = p.data as Frame;
        assert.equal(p.room, `patterns:${data.pattern_type ?? data.pattern}`);
      }
      assert.equal(plain.events("pattern.detected").length, 0, "a plain `patterns` subscription receives nothing");
    } finally {
      await Promise.all([plain.close(), typed.close()]);
    }
  });
});

Deno.test("startDemoServer() Akosha answers only subscribe, unsubscribe, get_patterns and get_anomalies", async (t) => {
  await withServer({}, async ({ akosha }) => {
    const c = await TestClient.open(akosha);
    try {
      await t.step("get_patterns", async () => {
        const a = await c.ask("get_patterns", { category: "code_pattern" });
        assert.deepEqual([a.type, a.event, a.data], ["response", "get_patterns", {
          category: "code_pattern",
          patterns: [],
          count: 0,
        }]);
        const all = await c.ask("get_patterns");
        assert.deepEqual(all.data, { category: "all", patterns: [], count: 0 });
      });
      await t.step("get_anomalies", async () => {
        const a = await c.ask("get_anomalies");
        assert.deepEqual([a.type, a.data], ["response", { anomalies: [], count: 0 }]);
      });
      await t.step("unsubscribe", async () => {
        const a = await c.ask("unsubscribe", { channel: "insights" });
        assert.deepEqual(a.data, { status: "unsubscribed", channel: "insights" });
      });
      await t.step("Mahavishnu requests and auth are UNKNOWN_REQUEST", async () => {
        for (
          const [event, data] of [
            ["get_pool_status", { pool_id: "pool_local" }],
            ["get_workflow_status", {
              workflow_id: "wf_123",
            }],
            ["auth", { token: "x" }],
            ["get_insights", {}],
          ] as const
        ) {
          const a = await c.ask(event, data);
          assert.deepEqual([a.type, a.event, a.error_code, a.data], ["error", null, "UNKNOWN_REQUEST", {}], event);
          assert.match(String(a.error_message), new RegExp(event));
        }
      });
      await t.step("the welcome carries no rate limit", () => {
        const welcome = c.events("session.created")[0];
        assert.equal((welcome.data as Frame).rate_limit, undefined);
        assert.equal((welcome.data as Frame).authenticated, false);
      });
    } finally {
      await c.close();
    }
  });
});

Deno.test("startDemoServer() Mahavishnu snapshots are the real answers", async (t) => {
  await withServer({}, async ({ mahavishnu }) => {
    const c = await TestClient.open(mahavishnu);
    try {
      await t.step("get_workflow_status is a placeholder for any workflow", async () => {
        for (const id of ["wf_123", "wf_unknown"]) {
          const a = await c.ask("get_workflow_status", { workflow_id: id });
          assert.deepEqual([a.type, a.event, a.data], ["response", "get_workflow_status", {
            workflow_id: id,
            status: "running",
            stages_completed: 0,
            total_stages: 10,
          }]);
        }
      });
      await t.step("get_pool_status of a known pool", async () => {
        const a = await c.ask("get_pool_status", { pool_id: "pool_local" });
        const data = a.data as Frame;
        assert.equal(a.type, "response");
        assert.deepEqual([data.pool_id, data.status], ["pool_local", "running"]);
        assert.ok(Array.isArray(data.workers) && data.workers.length > 0);
      });
      await t.step("get_pool_status of an unknown pool: a normal response, no error code", async () => {
        const a = await c.ask("get_pool_status", { pool_id: "pool_nope" });
        assert.deepEqual([a.type, a.error_code, a.data], ["response", null, {
          pool_id: "pool_nope",
          status: "not_found",
        }]);
      });
      await t.step("a request lacking its id gets no answer at all", async () => {
        for (
          const [event, data] of [["get_pool_status", {}], ["get_workflow_status", { workflow_id: "" }], [
            "subscribe",
            {},
          ], ["unsubscribe", { channel: null }]] as const
        ) {
          await assertNoAnswer(c, c.request(event, data));
        }
      });
      await t.step("auth on a server that requires none is UNKNOWN_REQUEST", async () => {
        const a = await c.ask("auth", { token: "x" });
        assert.deepEqual([a.type, a.error_code], ["error", "UNKNOWN_REQUEST"]);
      });
      await t.step("the welcome carries the rate limit as a number", () => {
        assert.equal((c.events("session.created")[0].data as Frame).rate_limit, 100);
      });
    } finally {
      await c.close();
    }
  });
});

Deno.test("startDemoServer() with no pool manager (replay) answers no status request", async () => {
  await withServer({ replay: [], akoshaPort: null }, async ({ mahavishnu }) => {
    const c = await TestClient.open(mahavishnu);
    try {
      await assertNoAnswer(c, c.request("get_pool_status", { pool_id: "pool_local" }));
      await assertNoAnswer(c, c.request("get_workflow_status", { workflow_id: "wf_123" }));
    } finally {
      await c.close();
    }
  });
});

Deno.test("startDemoServer() sends only the real error codes, as the real servers shape them", async (t) => {
  await withServer({ clientRateLimit: 4 }, async ({ mahavishnu }) => {
    const c = await TestClient.open(mahavishnu);
    try {
      await t.step("DECODE_ERROR for what the real message model refuses", async () => {
        const bad = [
          "not json",
          "[1,2]",
          JSON.stringify({ event: "subscribe", data: { channel: "global" } }),
          JSON.stringify({ type: "hello" }),
          JSON.stringify({ type: "request", event: "subscribe", data: ["global"] }),
          JSON.stringify({ type: "request", event: "subscribe", id: null, data: { channel: "global" } }),
          JSON.stringify({ type: "request", event: 5 }),
        ];
        for (const frame of bad) c.send(frame);
        await c.waitFor(() => c.frames.filter((f) => f.error_code === "DECODE_ERROR").length === bad.length, "errors");
        for (const e of c.frames.filter((f) => f.type === "error")) {
          assert.deepEqual([e.event, e.correlation_id, e.data], [null, null, {}]);
        }
      });
      await t.step("pings and non-request types get no answer", async () => {
        const before = c.frames.length;
        c.send({ type: "ping", id: "p1", correlation_id: "p1" });
        c.send({ type: "subscribe", id: "s1", correlation_id: "s1", data: { channel: "global" } });
        const a = await c.ask("get_workflow_status", { workflow_id: "wf_1" });
        assert.equal(a.type, "response");
        assert.deepEqual(c.frames.slice(before).filter((f) => f.type !== "event"), [a]);
      });
      await t.step("RATE_LIMIT_EXCEEDED past the burst, with the correlation id", async () => {
        const ids = Array.from({ length: 12 }, () => c.request("get_workflow_status", { workflow_id: "wf_1" }));
        await c.waitFor(() => ids.every((id) => c.frames.some((f) => f.correlation_id === id)), "twelve answers");
        const limited = c.frames.filter((f) => f.error_code === "RATE_LIMIT_EXCEEDED");
        assert.ok(limited.length >= 5, `rate limited: ${limited.length}`);
        assert.ok(limited.every((f) => ids.includes(f.correlation_id as string) && f.event === null));
      });
      const codes = new Set(c.frames.filter((f) => f.type === "error").map((f) => f.error_code));
      assert.ok([...codes].every((code) => REAL_ERROR_CODES.has(code as string)), [...codes].join());
      assert.ok(!codes.has("NOT_FOUND"));
    } finally {
      await c.close();
    }
  });
});

Deno.test("startDemoServer() authentication as on the real servers", async (t) => {
  await withServer({ requireToken: "s3cret", akoshaPort: null }, async ({ mahavishnu }) => {
    await t.step("a good token: response, then the welcome", async () => {
      const c = await TestClient.open(mahavishnu);
      const a = await c.ask("auth", { token: "s3cret" });
      assert.deepEqual([a.type, a.event, (a.data as Frame).status], ["response", "auth", "authenticated"]);
      await c.waitFor(() => c.events("session.created").length === 1, "the welcome");
      assert.equal((c.events("session.created")[0].data as Frame).authenticated, true);
      assert.equal((await c.subscribe("global")).type, "response");
      await c.close();
    });
    for (
      const [name, send, code, closeCode] of [
        ["a wrong token", (c: TestClient) => c.request("auth", { token: "nope" }), "AUTH_FAILED", 1008],
        ["no token", (c: TestClient) => c.request("auth", {}), "AUTH_FAILED", 1008],
        [
          "another request first",
          (c: TestClient) => c.request("subscribe", { channel: "global" }),
          "AUTH_REQUIRED",
          1008,
        ],
        ["an undecodable first message", (c: TestClient) => c.send("{"), null, 1011],
      ] as const
    ) {
      await t.step(name, async () => {
        const c = await TestClient.open(mahavishnu);
        send(c);
        const closed = await c.closed;
        assert.equal(closed.code, closeCode);
        assert.deepEqual(c.frames.map((f) => f.error_code), code === null ? [] : [code]);
        assert.equal(c.events("session.created").length, 0);
      });
    }
  });
});

Deno.test("startDemoServer() every envelope field is present, null when empty", async () => {
  await withServer({ now: fastClock() }, async ({ mahavishnu, akosha }) => {
    const m = await TestClient.open(mahavishnu);
    const a = await TestClient.open(akosha);
    try {
      for (const ch of ["global", "pool:pool_local"]) await m.subscribe(ch);
      for (const ch of ["insights", "anomalies", "metrics"]) await a.subscribe(ch);
      await m.ask("get_nothing");
      await m.waitFor(() => m.events().length >= 20, "twenty events");
      await a.waitFor(() => a.events().length >= 5, "five Akosha events");
      for (const f of [...m.frames, ...a.frames]) {
        assert.deepEqual(Object.keys(f).sort(), [...ENVELOPE_FIELDS].sort());
        assert.match(String(f.timestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/, "zone-less local time");
        assert.ok(typeof f.data === "object" && f.data !== null);
        if (f.type === "event") assert.equal(typeof f.room === "string", f.event !== "session.created");
      }
    } finally {
      await Promise.all([m.close(), a.close()]);
    }
  });
});

Deno.test("startDemoServer() anomalies and aggregations carry the real fields", async () => {
  await withServer({ now: fastClock(40), seed: 3 }, async ({ akosha }) => {
    const c = await TestClient.open(akosha);
    try {
      await c.subscribe("anomalies");
      await c.subscribe("metrics");
      await c.waitFor(
        () => c.events("anomaly.detected").length >= 2 && c.events("aggregation.completed").length >= 1,
        "anomalies and an aggregation",
        20_000,
      );
      for (const e of c.events("anomaly.detected")) {
        const d = e.data as Frame;
        assert.equal(e.room, "anomalies");
        assert.deepEqual(Object.keys(d).sort(), [
          "anomaly_id",
          "anomaly_type",
          "description",
          "metrics",
          "severity",
          "timestamp",
        ]);
        assert.ok(["low", "medium", "high", "critical"].includes(d.severity as string));
        assert.equal(typeof d.metrics, "object");
      }
      for (const e of c.events("aggregation.completed")) {
        const d = e.data as Frame;
        assert.equal(e.room, "metrics");
        assert.deepEqual(Object.keys(d).sort(), [
          "aggregation_id",
          "aggregation_type",
          "record_count",
          "summary",
          "timestamp",
        ]);
        assert.equal(typeof d.record_count, "number");
      }
    } finally {
      await c.close();
    }
  });
});

Deno.test("startDemoServer() a workflow's worker change goes to its pool and its workflow room", async () => {
  await withServer({ now: fastClock(), akoshaPort: null }, async ({ mahavishnu }) => {
    const pool = await TestClient.open(mahavishnu);
    const workflow = await TestClient.open(mahavishnu);
    try {
      await pool.subscribe("pool:pool_local");
      await workflow.subscribe("workflow:wf_123");
      const mine = (c: TestClient) =>
        c.events("worker.status_changed").filter((e) => (e.data as Frame).workflow_id === "wf_123");
      // wf_123 finishes (its worker goes idle) and starts again (busy).
      await workflow.waitFor(() => mine(workflow).length >= 2, "two worker changes of wf_123", 20_000);
      await pool.waitFor(() => mine(pool).length >= 2, "the same changes in the pool room");
      const key = (e: Frame) => JSON.stringify(e.data);
      assert.deepEqual(mine(pool).slice(0, 2).map(key), mine(workflow).slice(0, 2).map(key));
      assert.deepEqual(mine(pool).map((e) => e.room).slice(0, 2), ["pool:pool_local", "pool:pool_local"]);
      assert.deepEqual(mine(workflow).map((e) => e.room).slice(0, 2), ["workflow:wf_123", "workflow:wf_123"]);
    } finally {
      await Promise.all([pool.close(), workflow.close()]);
    }
  });
});

Deno.test("startDemoServer() closes with 1009 on a message over 1 MiB", async () => {
  await withServer({ akoshaPort: null }, async ({ mahavishnu }) => {
    const c = await TestClient.open(mahavishnu);
    c.send(JSON.stringify({ type: "request", event: "x", data: { pad: "é".repeat(MAX_CLIENT_MESSAGE_BYTES / 2) } }));
    assert.equal((await c.closed).code, 1009);
  });
});
