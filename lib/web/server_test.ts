import assert from "node:assert/strict";
import { CSP, isLoopback, pageOf, startWebServer, type WebServerOptions } from "./server.ts";

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

/** Reads server-sent events from a response until `count` events arrived. */
async function readEvents(response: Response, count: number): Promise<{ event: string; data: unknown }[]> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  const events: { event: string; data: unknown }[] = [];
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) events.push({ event, data: JSON.parse(data) });
    }
  }
  await reader.cancel();
  return events;
}

Deno.test("pageOf() reads the page routes and nothing else", () => {
  assert.deepEqual(pageOf("/"), { view: "dashboard" });
  assert.deepEqual(pageOf("/pool/pool_local"), { view: "pool", id: "pool_local" });
  assert.deepEqual(pageOf("/workflow/wf%20%3Cb%3E"), { view: "workflow", id: "wf <b>" });
  assert.equal(pageOf("/pool/a/b"), null);
  assert.equal(pageOf("/pool/%E0%A4%A"), null);
  assert.equal(pageOf("/assets/app.js"), null);
});

Deno.test("isLoopback() accepts loopback names only", () => {
  for (const h of ["127.0.0.1", "localhost", "::1", "[::1]", "127.3.2.1"]) assert.ok(isLoopback(h), h);
  for (const h of ["0.0.0.0", "10.0.0.1", "example.com", "127.0.0.1.evil.com", "::"]) assert.ok(!isLoopback(h), h);
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
      for (const path of ["/", "/metrics", "/healthz", "/events", "/assets/app.js", "/pool/x"]) {
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
      const push = await fetch(`${base}/events?view=dashboard`, { headers: { cookie: cookie.split(";")[0] } });
      assert.equal(push.status, 200);
      assert.deepEqual((await readEvents(push, 1))[0].event, "series");
    });
  } finally {
    await server.close();
  }
});

Deno.test("startWebServer() coalesces changes into frames and shares one snapshot per page kind", async () => {
  const o = options({ frameMs: 50 });
  const server = startWebServer(o);
  const base = `http://127.0.0.1:${server.port}`;
  try {
    const pages = await Promise.all([1, 2, 3].map(() => fetch(`${base}/events?view=dashboard`)));
    const other = await fetch(`${base}/events?view=pool&id=p1`);
    const firsts = await Promise.all([...pages, other].map((p) => readEvents(p.clone(), 2)));
    for (const f of firsts) assert.deepEqual(f.map((e) => e.event), ["series", "state"]);
    assert.equal(server.clients, 4);
    const before = o.snapshots;
    const framesBefore = server.frames;
    for (let i = 0; i < 1000; i++) server.changed();
    const got = await Promise.all([...pages, other].map((p) => readEvents(p, 3)));
    assert.equal(server.frames - framesBefore, 1);
    assert.equal(o.snapshots - before, 2); // one for the dashboards, one for the pool page
    assert.deepEqual(got[0][2], got[1][2]);
    assert.deepEqual((got[3][2].data as { page: unknown }).page, { view: "pool", id: "p1" });
  } finally {
    await server.close();
  }
  assert.equal(server.clients, 0);
});
