/**
 * Parse-only baseline client over a raw socket: like `bare_parse.ts`
 * (count, `JSON.parse`, read two fields), but instead of Deno's `WebSocket`
 * it reads the TCP stream itself in large chunks (`Deno.connect`, the HTTP
 * Upgrade by hand, frame parsing, one `TextDecoder.decode` per text frame),
 * so one async read serves many messages. Measures what a hand-made
 * transport saves per message against Deno's per-message event machinery.
 *
 * Usage: `deno run --allow-net=127.0.0.1 bench/bare_parse_raw.ts URL [CHANNELS] [URL CHANNELS ...]`
 * (channels default `pool:pool_local`). On SIGTERM it prints
 * `{"messages":N,"events":E,"rss":BYTES}` and exits.
 *
 * @module
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });
let messages = 0;
let events = 0;

/** One masked client text frame. */
function clientFrame(text: string): Uint8Array {
  const body = encoder.encode(text);
  const n = body.length;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const out = new Uint8Array(head + 4 + n);
  out[0] = 0x81;
  if (n < 126) out[1] = 0x80 | n;
  else if (n < 65536) {
    out[1] = 0x80 | 126;
    out[2] = n >> 8;
    out[3] = n & 0xff;
  } else {
    out[1] = 0x80 | 127;
    new DataView(out.buffer).setBigUint64(2, BigInt(n));
  }
  const mask = crypto.getRandomValues(new Uint8Array(4));
  out.set(mask, head);
  for (let i = 0; i < n; i++) out[head + 4 + i] = body[i] ^ mask[i & 3];
  return out;
}

function onText(text: string) {
  messages++;
  const m = JSON.parse(text);
  if (m.type === "event") events++;
}

async function run(url: string, channels: string[]) {
  const u = new URL(url);
  const conn = await Deno.connect({ hostname: u.hostname, port: Number(u.port || 80) });
  conn.setNoDelay(true);
  const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
  await conn.write(encoder.encode(
    `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  ));
  let buf = new Uint8Array(256 * 1024);
  let start = 0;
  let end = 0;
  // Handshake: read until the blank line.
  let headerEnd = -1;
  while (headerEnd < 0) {
    const n = await conn.read(buf.subarray(end));
    if (n === null) throw new Error("closed during handshake");
    end += n;
    for (let i = 3; i < end; i++) {
      if (buf[i] === 10 && buf[i - 1] === 13 && buf[i - 2] === 10 && buf[i - 3] === 13) {
        headerEnd = i + 1;
        break;
      }
    }
  }
  start = headerEnd;
  for (const channel of channels) {
    await conn.write(clientFrame(JSON.stringify({
      type: "request",
      event: "subscribe",
      data: { channel },
      id: channel,
      correlation_id: channel,
    })));
  }
  // Complete frames of one chunk: opcode, payload start, payload end.
  const found: number[] = [];
  while (true) {
    // Find every complete frame in buf[start, end), blanking its header with spaces so that the run of
    // complete frames decodes as one string (one decode per chunk instead of one per message).
    found.length = 0;
    const from = start;
    while (end - start >= 2) {
      const b1 = buf[start + 1];
      let len = b1 & 0x7f;
      let p = start + 2;
      if (len === 126) {
        if (end - p < 2) break;
        len = (buf[p] << 8) | buf[p + 1];
        p += 2;
      } else if (len === 127) {
        if (end - p < 8) break;
        len = buf[p + 4] * 2 ** 24 + (buf[p + 5] << 16 | buf[p + 6] << 8 | buf[p + 7]);
        p += 8;
      }
      if (end - p < len) {
        if (p + len - start > buf.length) {
          const bigger = new Uint8Array(2 * (p + len - start));
          bigger.set(buf.subarray(start, end));
          end -= start;
          start = 0;
          buf = bigger;
        }
        break;
      }
      found.push(buf[start] & 0x0f, p, p + len);
      buf.fill(0x20, start, p);
      start = p + len;
    }
    if (found.length > 0) {
      let all: string | null = null;
      try {
        all = decoder.decode(buf.subarray(from, start));
      } catch { /* invalid somewhere: frame by frame */ }
      if (all !== null && all.length === start - from) {
        for (let i = 0; i < found.length; i += 3) {
          if (found[i] === 1) onText(all.slice(found[i + 1] - from, found[i + 2] - from));
        }
      } else {
        for (let i = 0; i < found.length; i += 3) {
          if (found[i] === 1) onText(decoder.decode(buf.subarray(found[i + 1], found[i + 2])));
        }
      }
    }
    if (start === end) start = end = 0;
    else if (start > buf.length / 2) {
      buf.copyWithin(0, start, end);
      end -= start;
      start = 0;
    }
    const n = await conn.read(buf.subarray(end));
    if (n === null) return;
    end += n;
  }
}

for (let i = 0; i < Deno.args.length; i += 2) {
  run(Deno.args[i], (Deno.args[i + 1] ?? "pool:pool_local").split(","));
}
Deno.addSignalListener("SIGTERM", () => {
  console.log(JSON.stringify({ messages, events, rss: Deno.memoryUsage().rss }));
  Deno.exit(0);
});
