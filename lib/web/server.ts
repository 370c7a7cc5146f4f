/**
 * The HTTP side of the browser view: pages, assets, `/metrics`, `/healthz`
 * and a WebSocket push channel (`/live`). Changes are coalesced into at most
 * one frame per `frameMs`; each frame builds one snapshot per open page kind
 * and sends the same bytes to every page showing it. With a token every
 * request (push channel included) must carry it; without one, the server
 * only binds to loopback and only answers loopback `Host` names.
 *
 * @module
 */

import { timingSafeEqual } from "node:crypto";
import { isLoopback } from "../transport/loopback.ts";
import { type Asset, loadAssets } from "./_assets.ts";
import { METRICS_CONTENT_TYPE } from "./metrics.ts";
import type { PageView } from "./snapshot.ts";

/** Options for {@link startWebServer}. */
export interface WebServerOptions {
  /** Interface to listen on. Default `127.0.0.1`. */
  hostname?: string;
  /** Port; 0 picks a free one. Default 8700. */
  port?: number;
  /** Required on every request when set; mandatory for a non-loopback `hostname`. */
  token?: string;
  /** The snapshot of one page, JSON-ready. */
  snapshot(page: PageView): unknown;
  /** The `/metrics` text. */
  metrics(): string;
  /** The chart columns, sent when a page opens. */
  series(): unknown;
  /** `/healthz` details. */
  health(): unknown;
  /** Called once a second; what it returns is pushed to every page as a chart point. */
  tick?(): unknown;
  /** At most one frame per this many ms. Default 100. */
  frameMs?: number;
  /** Clock. Default `Date.now`. */
  now?: () => number;
  /** Called once listening. */
  onListen?(addr: Deno.NetAddr): void;
}

/** A running web server. */
export interface WebServer {
  readonly hostname: string;
  readonly port: number;
  /** Pages with an open push channel. */
  readonly clients: number;
  /** Frames made since start (one per coalesced change, sent to every page). */
  readonly frames: number;
  /** Messages sent to pages since start (frames, chart points, first snapshots). */
  readonly sent: number;
  /** Frames not sent to a page because its socket was backed up (a slow page gets the next one). */
  readonly skipped: number;
  /** Marks the model changed: a frame follows within `frameMs`. */
  changed(): void;
  /** Closes every push channel and the listener. */
  close(): Promise<void>;
}

/** The Content-Security-Policy of every response. */
export const CSP = "default-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";
const COOKIE = "mv_web_token";

function headers(type: string, extra: Record<string, string> = {}): Headers {
  return new Headers({
    "content-type": type,
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
    ...extra,
  });
}

function text(status: number, body: string, extra: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: headers("text/plain; charset=utf-8", extra) });
}

function sameToken(given: string | null | undefined, token: string): boolean {
  if (!given) return false;
  const a = new TextEncoder().encode(given);
  const b = new TextEncoder().encode(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieToken(request: Request): string | null {
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === COOKIE) return decodeURIComponent(v.join("="));
  }
  return null;
}

/** Parses a page path: `/`, `/pool/ID`, `/workflow/ID`; null for anything else. */
export function pageOf(pathname: string): PageView | null {
  if (pathname === "/") return { view: "dashboard" };
  const m = /^\/(pool|workflow)\/([^/]+)$/.exec(pathname);
  if (!m) return null;
  let id: string;
  try {
    id = decodeURIComponent(m[2]);
  } catch {
    return null;
  }
  return m[1] === "pool" ? { view: "pool", id } : { view: "workflow", id };
}

interface Client {
  key: string;
  page: PageView;
  ws: WebSocket;
  /** A frame was skipped while the socket was backed up: send the next one. */
  behind: boolean;
}

/** A page whose socket holds more than this many unsent bytes skips frames until it drains. */
const MAX_BUFFERED = 128 * 1024;

/** Starts the server. Throws `TypeError` when binding beyond loopback without a token. */
export function startWebServer(options: WebServerOptions): WebServer {
  const hostname = options.hostname ?? "127.0.0.1";
  const token = options.token;
  if (!isLoopback(hostname) && !token) {
    throw new TypeError(
      `Cannot listen on ${hostname} without --web-token-file: only loopback addresses may serve without a token`,
    );
  }
  const frameMs = options.frameMs ?? 100;
  const now = options.now ?? Date.now;
  const assets: Map<string, Asset> = loadAssets();
  const clients = new Set<Client>();
  const closing = new Set<Promise<void>>();
  let frames = 0;
  let sent = 0;
  let skipped = 0;
  let frameTimer: ReturnType<typeof setTimeout> | null = null;
  let lastFrameAt = 0;
  let closed = false;

  const message = (type: string, data: unknown) => JSON.stringify({ type, data });
  const send = (client: Client, text: string, droppable: boolean): void => {
    if (client.ws.readyState !== WebSocket.OPEN) return;
    if (droppable && client.ws.bufferedAmount > MAX_BUFFERED) {
      client.behind = true; // The page is slow: skip this frame; the newest one replaces it.
      skipped++;
      return;
    }
    client.behind = false;
    client.ws.send(text);
    sent++;
  };
  const frame = () => {
    frameTimer = null;
    lastFrameAt = now();
    frames++;
    const byKey = new Map<string, string>();
    for (const client of clients) {
      let text = byKey.get(client.key);
      if (text === undefined) {
        text = message("state", options.snapshot(client.page));
        byKey.set(client.key, text);
      }
      send(client, text, true);
    }
  };
  const changed = () => {
    if (closed || frameTimer !== null || clients.size === 0) return;
    frameTimer = setTimeout(frame, Math.max(0, lastFrameAt + frameMs - now()));
  };
  const ticker = setInterval(() => {
    const point = options.tick?.();
    if (clients.size === 0) return;
    if (point !== undefined) {
      const text = message("point", point);
      for (const client of clients) send(client, text, false);
    }
    if ([...clients].some((c) => c.behind)) changed();
  }, 1000);

  const authorized = (request: Request, url: URL): boolean => {
    if (!token) return true;
    const auth = request.headers.get("authorization");
    if (auth?.startsWith("Bearer ") && sameToken(auth.slice(7).trim(), token)) return true;
    if (sameToken(cookieToken(request), token)) return true;
    return sameToken(url.searchParams.get("token"), token);
  };

  /** The push channel: a WebSocket per page (browsers allow only six long HTTP requests per host). */
  const push = (request: Request, url: URL): Response => {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return text(426, "WebSocket only\n");
    // A page of another site may not open our push channel with the user's cookie.
    const origin = request.headers.get("origin");
    if (origin !== null && origin !== `${url.protocol}//${request.headers.get("host")}`) {
      return text(403, "forbidden origin\n");
    }
    const view = url.searchParams.get("view") ?? "dashboard";
    const id = url.searchParams.get("id") ?? "";
    const page: PageView | null = view === "dashboard"
      ? { view }
      : (view === "pool" || view === "workflow") && id
      ? { view, id }
      : null;
    if (!page) return text(400, "unknown view\n");
    const { socket, response } = Deno.upgradeWebSocket(request, { idleTimeout: 30 });
    const client: Client = { key: `${page.view}\u0000${"id" in page ? page.id : ""}`, page, ws: socket, behind: false };
    const gone: Promise<void> = new Promise((resolve) =>
      socket.addEventListener("close", () => {
        closing.delete(gone);
        resolve();
      })
    );
    closing.add(gone);
    socket.addEventListener("open", () => {
      if (closed) return socket.close(1001, "server closing");
      clients.add(client);
      socket.send(message("series", options.series()));
      socket.send(message("state", options.snapshot(page)));
      sent += 2;
    });
    socket.addEventListener("close", () => clients.delete(client));
    socket.addEventListener("error", () => clients.delete(client));
    return response;
  };

  const handle = (request: Request): Response => {
    const url = new URL(request.url);
    if (!token) {
      // No token: answer only loopback Host names (a DNS-rebinding page cannot read the dashboard).
      const host = (request.headers.get("host") ?? "").replace(/:\d+$/, "");
      if (!isLoopback(host)) return text(403, "forbidden host\n");
    }
    if (request.method !== "GET" && request.method !== "HEAD") return text(405, "method not allowed\n");
    if (!authorized(request, url)) {
      return text(401, "unauthorized: open the page once as /?token=TOKEN, or send Authorization: Bearer TOKEN\n", {
        "www-authenticate": 'Bearer realm="mahavishnu-web"',
      });
    }
    const page = pageOf(url.pathname);
    if (page && url.searchParams.has("token")) {
      // Keep the token in an HttpOnly cookie and take it out of the address bar and history.
      return new Response(null, {
        status: 303,
        headers: headers("text/plain; charset=utf-8", {
          location: url.pathname,
          "set-cookie": `${COOKIE}=${encodeURIComponent(token ?? "")}; Path=/; HttpOnly; SameSite=Strict`,
        }),
      });
    }
    if (page) {
      const index = assets.get("/")!;
      return new Response(index.body, { headers: headers(index.type) });
    }
    switch (url.pathname) {
      case "/live":
        return push(request, url);
      case "/metrics":
        return new Response(options.metrics(), { headers: headers(METRICS_CONTENT_TYPE) });
      case "/favicon.ico":
        return new Response(null, { status: 204, headers: headers("image/x-icon") });
      case "/healthz":
        return new Response(JSON.stringify(options.health()), { headers: headers("application/json") });
    }
    const asset = assets.get(url.pathname);
    if (asset && url.pathname !== "/") {
      return new Response(asset.body, { headers: headers(asset.type, { "cache-control": "max-age=300" }) });
    }
    return text(404, "not found\n");
  };

  const server = Deno.serve({
    hostname,
    port: options.port ?? 8700,
    onListen: (addr) => options.onListen?.(addr),
  }, handle);

  return {
    hostname,
    port: server.addr.port,
    get clients() {
      return clients.size;
    },
    get frames() {
      return frames;
    },
    get sent() {
      return sent;
    },
    get skipped() {
      return skipped;
    },
    changed,
    async close() {
      closed = true;
      clearInterval(ticker);
      if (frameTimer !== null) clearTimeout(frameTimer);
      for (const c of clients) {
        try {
          c.ws.close(1001, "server closing");
        } catch { /* already closed */ }
      }
      clients.clear();
      await Promise.all([...closing]);
      await server.shutdown();
    },
  };
}
