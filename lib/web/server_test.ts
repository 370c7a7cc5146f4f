import assert from "node:assert/strict";
import { CSP, pageOf, startWebServer, type WebServerOptions } from "./server.ts";

function options(extra: Partial<WebServerOptions> = {}): WebServerOptions & { snapshots: number } {
  const o: WebServerOptions & { snapshots: number } = {
    snapshots: 0,
    hostname: "127.0.0.1",
    port: 0,
    snapshot(page: unknown): unknown {
      o.snapshots++;
      return { page, n: o.snapshots };
    },
    metrics: () => "# HELP x y\n# TYPE x gauge\nx 1\n",
    series: () => ({ names: [], t: [], values: {} }),
    health: () => ({ status: "ok" }),
    ...extra,
  };
  return o;
}

/** Opens the push channel and collects its messages. */
function openPush(url: string, init?: { headers?: Record<string, string> }) {
  // Deno's WebSocket takes headers as a second-argument option (cookies, as a browser sends them).
  const ws = new WebSocket(url, init as unknown as string[]);
  const messages: { type: string; data: unknown }[] = [];
  ws.onmessage = (e) => messages.push(JSON.parse(e.data));
  const closed = new Promise<void>((resolve) => ws.addEventListener("close", () => resolve()));
  return {
    ws,
    messages,
    async count(n: number) {
      const start = Date.now();
      while (messages.length < n) {
        if (Date.now() - start > 5000) throw new Error(`only ${messages.length} of ${n} messages`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async close() {
      ws.close();
      await closed;
    },
    closed,
  };
}

Deno.test("pageOf() reads the page routes and nothing else", () => {
  assert.deepEqual(pageOf("/"), { view: "dashboard" });
  assert.deepEqual(pageOf("/pool/pool_local"), { view: "pool", id: "pool_local" });
  assert.deepEqual(pageOf("/workflow/wf%20%3Cb%3E"), { view: "workflow", id: "wf <b>" });
  assert.equal(pageOf("/pool/a/b"), null);
  assert.equal(pageOf("/pool/%E0%A4%A"), null);
  assert.equal(pageOf("/assets/app.js"), null);
});

Deno.test("startWebServer() refuses a non-loopback address without a token", () => {
  assert.throws(() => startWebServer(options({ hostname: "0.0.0.0" })), /without --web-token-file/);
});

Deno.test("startWebServer() serves pages and assets with a strict CSP, and no file outside the list", async () => {
  const server = startWebServer(options());
  const base = `http://127.0.0.1:${server.port}`;
  try {
    for (const path of ["/", "/pool/p1", "/workflow/wf_1", "/assets/app.js", "/assets/uPlot.iife.min.js"]) {
      const r = await fetch(base + path);
      await r.body?.cancel();
      assert.equal(r.status, 200, path);
      assert.equal(r.headers.get("content-security-policy"), CSP);
      assert.match(CSP, /^default-src 'self'/);
      assert.equal(r.headers.get("x-content-type-options"), "nosniff");
    }
    const page = await (await fetch(base + "/")).text();
    assert.match(page, /<script src="\/assets\/app.js" type="module">/);
    assert.doesNotMatch(page, /<script>|\son\w+=/); // no inline script for the CSP to block
    for (const path of ["/assets/../server.ts", "/assets/%2e%2e/server.ts", "/lib/web/server.ts", "/assets/"]) {
      const r = await fetch(base + path);
      await r.body?.cancel();
      assert.equal(r.status, 404, path);
    }
    const post = await fetch(base + "/metrics", { method: "POST" });
    await post.body?.cancel();
    assert.equal(post.status, 405);
    const metrics = await fetch(base + "/metrics");
    assert.match(metrics.headers.get("content-type")!, /^text\/plain; version=0\.0\.4/);
    assert.equal(await metrics.text(), "# HELP x y\n# TYPE x gauge\nx 1\n");
  } finally {
    await server.close();
  }
});

Deno.test("startWebServer() without a token answers loopback Host names only", async () => {
  const server = startWebServer(options());
  try {
    // fetch() may not set Host: speak HTTP/1.1 on a raw socket, as a DNS-rebinding page's browser would.
    const raw = async (host: string) => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
      await conn.write(new TextEncoder().encode(`GET /metrics HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`));
      const text = new TextDecoder().decode(await new Response(conn.readable).arrayBuffer());
      return Number(text.split(" ")[1]);
    };
    assert.equal(await raw("evil.example"), 403);
    assert.equal(await raw("evil.example:80"), 403);
    assert.equal(await raw(`localhost:${server.port}`), 200);
    assert.equal(await raw(`127.0.0.1:${server.port}`), 200);
  } finally {
    await server.close();
  }
});

Deno.test("startWebServer() with a token checks it on every request and on the push channel", async (t) => {
  const token = "s3cret-token-0123456789";
  const server = startWebServer(options({ token }));
  const base = `http://127.0.0.1:${server.port}`;
  try {
    await t.step("refused without it", async () => {
      for (const path of ["/", "/metrics", "/healthz", "/live", "/assets/app.js", "/pool/x"]) {
        const r = await fetch(base + path);
        await r.body?.cancel();
        assert.equal(r.status, 401, path);
      }
      const wrong = await fetch(base + "/metrics", { headers: { authorization: "Bearer s3cret-token-0123456780" } });
      await wrong.body?.cancel();
      assert.equal(wrong.status, 401);
    });
    await t.step("bearer header", async () => {
      const r = await fetch(base + "/metrics", { headers: { authorization: `Bearer ${token}` } });
      assert.equal(r.status, 200);
      await r.body?.cancel();
    });
    await t.step("?token= once, then an HttpOnly cookie without the token in the address", async () => {
      const r = await fetch(`${base}/pool/p1?token=${token}`, { redirect: "manual" });
      await r.body?.cancel();
      assert.equal(r.status, 303);
      assert.equal(r.headers.get("location"), "/pool/p1");
      const cookie = r.headers.get("set-cookie")!;
      assert.match(cookie, /HttpOnly/);
      assert.match(cookie, /SameSite=Strict/);
      const push = openPush(`ws://127.0.0.1:${server.port}/live?view=dashboard`, {
        headers: { cookie: cookie.split(";")[0] },
      });
      await push.count(2);
      assert.deepEqual(push.messages.map((m) => m.type), ["series", "state"]);
      await push.close();
      const refused = openPush(`ws://127.0.0.1:${server.port}/live?view=dashboard`);
      await refused.closed;
      assert.equal(refused.messages.length, 0);
    });
  } finally {
    await server.close();
  }
});

Deno.test("startWebServer() coalesces changes into frames and shares one snapshot per page kind", async () => {
  const o = options({ frameMs: 50 });
  const server = startWebServer(o);
  try {
    const pages = [1, 2, 3].map(() => openPush(`ws://127.0.0.1:${server.port}/live?view=dashboard`));
    const other = openPush(`ws://127.0.0.1:${server.port}/live?view=pool&id=p1`);
    const all = [...pages, other];
    for (const p of all) await p.count(2);
    for (const p of all) assert.deepEqual(p.messages.map((m) => m.type), ["series", "state"]);
    assert.equal(server.clients, 4);
    const before = o.snapshots;
    const framesBefore = server.frames;
    for (let i = 0; i < 1000; i++) server.changed();
    for (const p of all) await p.count(3);
    assert.equal(server.frames - framesBefore, 1);
    assert.equal(server.sent, 4 * 3); // series + first state + one frame, per page
    assert.equal(server.skipped, 0);
    assert.equal(o.snapshots - before, 2); // one for the dashboards, one for the pool page
    assert.deepEqual(pages[0].messages[2], pages[1].messages[2]);
    assert.deepEqual((other.messages[2].data as { page: unknown }).page, { view: "pool", id: "p1" });
    await pages[0].close();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(server.clients, 3);
  } finally {
    await server.close();
  }
  assert.equal(server.clients, 0);
});

Deno.test("startWebServer() refuses a push channel opened from another site's page", async () => {
  const server = startWebServer(options());
  try {
    const url = `ws://127.0.0.1:${server.port}/live?view=dashboard`;
    const evil = openPush(url, { headers: { origin: "http://evil.example" } });
    await evil.closed;
    assert.equal(evil.messages.length, 0);
    const same = openPush(url, { headers: { origin: `http://127.0.0.1:${server.port}` } });
    await same.count(2);
    await same.close();
  } finally {
    await server.close();
  }
});
