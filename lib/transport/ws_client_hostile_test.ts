/**
 * Hostile servers against {@link WsClient}: raw TCP servers on 127.0.0.1 that
 * send what RFC 6455 forbids, dribble, flood or never read.
 */
import assert from "node:assert/strict";
import { waitFor } from "../../tests/_script_server.ts";
import { closeCode, closed, frame, type Peer, type Seen, startRawServer, switching, watch } from "./_ws_test_server.ts";
import { Connection } from "./connection.ts";
import { WsClient, type WsClientOptions } from "./ws_client.ts";

const bytes = (...parts: (Uint8Array | number[])[]) => new Uint8Array(parts.flatMap((p) => [...p]));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const FAILED = { code: 1006, reason: "", wasClean: false };

/** A frame header with a 64-bit length field of `high * 2^32 + low`, and no payload. */
function head64(opcode: number, high: number, low: number): Uint8Array {
  const out = new Uint8Array(10);
  out[0] = 0x80 | opcode;
  out[1] = 127;
  new DataView(out.buffer).setUint32(2, high);
  new DataView(out.buffer).setUint32(6, low);
  return out;
}

/** Writes `data` one byte per write, with a short pause between. */
async function dribble(peer: Peer, data: Uint8Array): Promise<void> {
  for (let i = 0; i < data.length; i++) {
    await peer.write(data.subarray(i, i + 1));
    await sleep(1);
  }
}

/** Runs a server that writes `data` after the handshake; returns what the client saw once it closed. */
async function failsWith(data: Uint8Array, options: WsClientOptions = {}): Promise<[Seen, Peer]> {
  const server = startRawServer((peer) => peer.write(data));
  const seen = watch(server.url, options);
  await waitFor(closed(seen), "the close", 10_000);
  const peer = server.peers[0];
  await peer.eof;
  await server.close();
  return [seen, peer];
}

Deno.test("WsClient reads a handshake answer and a frame dribbled one byte at a time", async () => {
  const server = startRawServer(async (peer) => {
    await dribble(peer, bytes(new TextEncoder().encode(await switching(peer.key)), frame(1, "é😀")));
  }, () => "");
  const seen = watch(server.url);
  await waitFor(() => seen.messages.length === 1, "the message", 10_000);
  assert.deepEqual(seen.messages, ["é😀"]);
  seen.ws.close();
  seen.ws.dispatchEvent(new CloseEvent("close", { code: 1006 }));
  await server.close();
});

Deno.test("WsClient delivers frames that arrive in the same TCP segment as the handshake answer", async () => {
  const server = startRawServer(() => {}, async (key) =>
    bytes(
      new TextEncoder().encode(await switching(key)),
      frame(1, "first"),
      frame(9, "ping"),
      frame(1, "second"),
      frame(8, new Uint8Array([0x03, 0xe8])),
    ));
  const seen = watch(server.url);
  await waitFor(closed(seen), "the close");
  assert.deepEqual(seen.messages, ["first", "second"]);
  assert.deepEqual(seen.closes, [{ code: 1000, reason: "", wasClean: true }]);
  await server.peers[0].eof;
  assert.deepEqual(server.peers[0].frames.map((f) => f.opcode), [10, 8]);
  await server.close();
});

Deno.test("WsClient refuses a 101 answer that RFC 6455 4.1 says to fail", async (t) => {
  const ok = (key: string) => switching(key);
  const cases: [string, (key: string) => Promise<string>, RegExp][] = [
    ["no Upgrade header", async (k) => (await ok(k)).replace("Upgrade: websocket\r\n", ""), /Upgrade header/],
    ["Upgrade: h2c", async (k) => (await ok(k)).replace("Upgrade: websocket", "Upgrade: h2c"), /Upgrade header/],
    ["no Connection header", async (k) => (await ok(k)).replace("Connection: Upgrade\r\n", ""), /Connection header/],
    [
      "Connection: keep-alive",
      async (k) => (await ok(k)).replace("Connection: Upgrade", "Connection: keep-alive"),
      /Connection header/,
    ],
    ["no Sec-WebSocket-Accept", async (k) => (await ok(k)).replace(/Sec-WebSocket-Accept: .*\r\n/, ""), /Accept/],
    [
      "the accept of another key",
      async (k) => (await ok(k)).replace(/Sec-WebSocket-Accept: .*\r\n/, "Sec-WebSocket-Accept: " + k + "\r\n"),
      /Accept/,
    ],
    [
      "a subprotocol never asked for",
      async (k) => (await ok(k)).replace("\r\n\r\n", "\r\nSec-WebSocket-Protocol: chat\r\n\r\n"),
      /subprotocol/,
    ],
    [
      "an extension never offered",
      async (k) => (await ok(k)).replace("\r\n\r\n", "\r\nSec-WebSocket-Extensions: x-webkit-deflate-frame\r\n\r\n"),
      /extension/,
    ],
    ["status 1010", async (k) => (await ok(k)).replace("101 Switching Protocols", "1010 Nope"), /Invalid/],
    ["status 200", async (k) => (await ok(k)).replace("101 Switching Protocols", "200 OK"), /status code: 200/],
    ["not HTTP", () => Promise.resolve("SSH-2.0-OpenSSH_9.6\r\n\r\n"), /Invalid HTTP answer/],
  ];
  for (const [name, answer, error] of cases) {
    await t.step(name, async () => {
      const server = startRawServer(() => {}, async (key) => (await answer(key)) + "\x81\x02hi");
      const seen = watch(server.url);
      await waitFor(closed(seen), "the close");
      assert.equal(seen.opened, false);
      assert.deepEqual(seen.messages, []);
      assert.equal(seen.errors.length, 1);
      assert.match(seen.errors[0], /^NetworkError: failed to connect to WebSocket: /);
      assert.match(seen.errors[0], error);
      assert.deepEqual(seen.closes, [FAILED]);
      await server.peers[0]?.eof;
      await server.close();
    });
  }
});

Deno.test("WsClient refuses a handshake answer that never ends, at its size limit", async () => {
  const server = startRawServer(async (peer) => {
    await peer.write(new TextEncoder().encode("HTTP/1.1 101 Switching Protocols\r\n"));
    for (let i = 0; i < 200; i++) {
      await peer.write(new TextEncoder().encode(`X-Pad-${i}: ${"p".repeat(100)}\r\n`));
    }
  }, () => "");
  const seen = watch(server.url);
  await waitFor(closed(seen), "the close");
  assert.deepEqual(seen.errors, ["NetworkError: failed to connect to WebSocket: handshake answer too long"]);
  await server.peers[0].eof;
  await server.close();
});

Deno.test("Connection's handshake timeout ends the TCP connection of a server that never finishes its answer", async () => {
  const server = startRawServer((peer) => peer.write(new TextEncoder().encode("HTTP/1.1 101 Switching")), () => "");
  const statuses: string[] = [];
  const c = new Connection(server.url, {
    channels: ["x"],
    handshakeTimeoutMs: 300,
    backoff: { initialMs: 60_000, jitter: 0 },
    onStatus: (s) => statuses.push(`${s.phase}:${s.reason ?? ""}`),
  });
  c.start();
  await waitFor(() => server.peers.length === 1, "the connection");
  const started = performance.now();
  await server.peers[0].eof;
  const ms = performance.now() - started;
  assert.ok(ms < 2000, `the socket ended ${ms.toFixed(0)} ms after the answer began`);
  await waitFor(() => statuses.some((s) => s.startsWith("backing_off")), "backing off");
  assert.match(statuses.join("\n"), /handshake/i);
  await c.close();
  await server.close();
});

Deno.test("WsClient checks frame lengths before buffering", async (t) => {
  const limit = 1000;
  const cases: [string, Uint8Array, RegExp, number][] = [
    ["64-bit length with the top bit set", head64(1, 0x80000000, 5), /^Invalid frame length$/, 1002],
    ["64-bit length over 2^53", head64(1, 0x00400000, 0), /^Message too big/, 1009],
    [
      "16-bit length one over the limit",
      bytes([0x81, 126, (limit + 1) >> 8, (limit + 1) & 0xff]),
      /Message too big/,
      1009,
    ],
    ["64-bit length one over the limit", head64(2, 0, limit + 1), /^Message too big/, 1009],
    [
      "fragments together over the limit, the last one announced only",
      bytes(frame(1, "a".repeat(600), false), bytes([0x00, 126, 500 >> 8, 500 & 0xff])),
      /^Message too big/,
      1009,
    ],
  ];
  for (const [name, data, error, code] of cases) {
    await t.step(name, async () => {
      // The server sends the header only and then waits: the client must fail without waiting for the payload.
      const [seen, peer] = await failsWith(bytes(frame(1, "before"), data), { maxMessageBytes: limit });
      assert.deepEqual(seen.messages, ["before"]);
      assert.equal(seen.errors.length, 1);
      assert.match(seen.errors[0], error);
      assert.deepEqual(seen.closes, [FAILED]);
      assert.equal(closeCode(peer.frames.at(-1)!.payload), code);
    });
  }
  await t.step("exactly the limit, in one frame and in fragments", async () => {
    const server = startRawServer((peer) =>
      peer.write(bytes(
        frame(1, "x".repeat(limit)),
        frame(1, "y".repeat(400), false),
        frame(0, "", false),
        frame(9, ""),
        frame(0, "y".repeat(600)),
        frame(8, new Uint8Array([0x03, 0xe8])),
      ))
    );
    const seen = watch(server.url, { maxMessageBytes: limit });
    await waitFor(closed(seen), "the close");
    assert.deepEqual(seen.messages, ["x".repeat(limit), "y".repeat(limit)]);
    assert.deepEqual(seen.errors, []);
    await server.close();
  });
});

/** Heap and external memory in use, in MB. */
function memoryMb(): number {
  const m = Deno.memoryUsage();
  return (m.heapUsed + m.external) / 1e6;
}

Deno.test("WsClient keeps a message of many tiny fragments within a memory bound", async () => {
  // A million one-byte fragments: 3 MB on the wire, 1 MB of message. Kept as one object each they cost about
  // 240 MB; the bound leaves room for the garbage of the passes (heapUsed counts it until a scavenge).
  const count = 1_000_000;
  const one = frame(0, "f", false);
  const body = new Uint8Array(one.length * count);
  for (let i = 0; i < count; i++) body.set(one, i * one.length);
  body[0] = 0x01; // the first fragment starts a text message
  let release!: () => void;
  const server = startRawServer(async (peer) => {
    await peer.write(body);
    await new Promise<void>((resolve) => release = resolve);
    await peer.write(frame(0, "!"));
  });
  const seen = watch(server.url, { maxMessageBytes: 2_000_000 });
  await waitFor(() => seen.opened, "open");
  const before = memoryMb();
  let peak = 0;
  // A ping after the fragments: its pong means the client has handled every fragment before it.
  await waitFor(() => server.peers.length === 1, "the connection");
  await server.peers[0].write(frame(9, "done?"));
  await waitFor(
    () => {
      peak = Math.max(peak, memoryMb());
      return server.peers[0].frames.length === 1;
    },
    "the pong",
    20_000,
  );
  peak = Math.max(peak, memoryMb());
  release();
  await waitFor(() => seen.messages.length === 1, "the message", 10_000);
  assert.equal(seen.messages[0], "f".repeat(count) + "!");
  assert.ok(peak - before < 80, `memory grew by ${(peak - before).toFixed(1)} MB for ${count} bytes of fragments`);
  seen.ws.dispatchEvent(new CloseEvent("close", { code: 1006 }));
  await server.close();
});

Deno.test("WsClient answers pings of 125 bytes and refuses 126", async () => {
  const big = "p".repeat(125);
  const server = startRawServer(async (peer) => {
    await peer.write(frame(9, big));
    await waitFor(() => peer.frames.length === 1, "the pong");
    await peer.write(bytes([0x89, 126, 0, 126], new Uint8Array(126)));
  });
  const seen = watch(server.url);
  await waitFor(closed(seen), "the close");
  const peer = server.peers[0];
  await peer.eof;
  assert.equal(new TextDecoder().decode(peer.frames[0].payload), big);
  assert.deepEqual(seen.errors, ["Control frame too big"]);
  assert.equal(closeCode(peer.frames[1].payload), 1002);
  await server.close();
});

Deno.test("WsClient answers a ping flood from a server that never reads with a bounded queue of pongs", async () => {
  const count = 200_000;
  const pings = new Uint8Array(127 * count);
  for (let i = 0; i < count; i++) {
    pings.set(frame(9, `${i}`.padStart(125, "0")), i * 127);
  }
  let letRead!: () => void;
  const reads = new Promise<void>((resolve) => letRead = resolve);
  const server = startRawServer(
    async (peer) => {
      await peer.write(pings);
      await peer.write(frame(1, "all pinged"));
    },
    switching,
    { holdReads: reads },
  );
  const seen = watch(server.url);
  await waitFor(() => seen.messages.length === 1, "the last message", 30_000);
  seen.ws.close(1000);
  letRead();
  const peer = server.peers[0];
  await waitFor(() => peer.frames.at(-1)?.opcode === 8, "the close frame", 30_000);
  const pongs = peer.frames.filter((f) => f.opcode === 10);
  // The kernel's socket buffers hold some pongs; the client must not queue one per ping beyond them.
  assert.ok(pongs.length < count / 2, `${pongs.length} pongs for ${count} pings`);
  assert.equal(new TextDecoder().decode(pongs.at(-1)!.payload), `${count - 1}`.padStart(125, "0"), "the last ping");
  seen.ws.dispatchEvent(new CloseEvent("close", { code: 1006 }));
  await server.close();
});

Deno.test("WsClient checks the close frame's code and reason (RFC 6455 7.4.1, 8.1)", async (t) => {
  const close = (code: number, reason: number[] = []) => frame(8, new Uint8Array([code >> 8, code & 0xff, ...reason]));
  for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535]) {
    await t.step(`code ${code} fails with 1002`, async () => {
      const [seen, peer] = await failsWith(close(code));
      assert.deepEqual(seen.errors, [`Invalid close code ${code}`]);
      assert.deepEqual(seen.closes, [FAILED]);
      assert.equal(closeCode(peer.frames.at(-1)!.payload), 1002);
    });
  }
  for (const [name, reason] of [["overlong", [0xc0, 0xaf]], ["surrogate", [0xed, 0xa0, 0x80]], ["cut", [0xe2, 0x82]]]) {
    await t.step(`a reason with invalid UTF-8 (${name}) fails with 1007`, async () => {
      const [seen, peer] = await failsWith(close(1000, reason as number[]));
      assert.match(seen.errors[0], /UTF-8/);
      assert.equal(closeCode(peer.frames.at(-1)!.payload), 1007);
    });
  }
  for (const code of [1000, 1001, 1003, 1007, 1011, 1014, 3000, 4999]) {
    await t.step(`code ${code} closes cleanly; data after the close frame is ignored`, async () => {
      const [seen, peer] = await failsWith(bytes(close(code, [0xc3, 0xa9]), frame(1, "after the close")));
      assert.deepEqual(seen.messages, []);
      assert.deepEqual(seen.errors, []);
      assert.deepEqual(seen.closes, [{ code, reason: "é", wasClean: true }]);
      assert.equal(closeCode(peer.frames.at(-1)!.payload), code);
    });
  }
});

Deno.test("WsClient finds invalid UTF-8 anywhere, and keeps valid text intact", async (t) => {
  const enc = (s: string) => new TextEncoder().encode(s);
  // 120 ASCII messages of 200 bytes (24 kB: more than one 16 KiB decode segment) before the bad one.
  const lead = Array.from({ length: 120 }, (_, i) => `${i}`.padEnd(200, "."));
  const leadFrames = bytes(...lead.map((s) => frame(1, s)));
  const invalid: [string, number[]][] = [
    ["overlong", [0xc0, 0xaf]],
    ["surrogate", [0xed, 0xa0, 0x80]],
    ["over U+10FFFF", [0xf4, 0x90, 0x80, 0x80]],
    ["lone continuation", [0x80]],
    ["cut at the end", [0x61, 0xe2, 0x82]],
    ["cut, completed by the next frame", [0xe2, 0x82]],
    ["0xff", [0xff]],
  ];
  for (const [name, bad] of invalid) {
    await t.step(`${name}, after a segment of ASCII`, async () => {
      const data = bytes(leadFrames, frame(1, bytes(enc("x".repeat(50)), bad)), frame(1, bytes([0xac], enc("z"))));
      const [seen, peer] = await failsWith(data);
      assert.deepEqual(seen.messages, lead);
      assert.deepEqual(seen.errors, ["Invalid UTF-8"]);
      assert.equal(closeCode(peer.frames.at(-1)!.payload), 1007);
    });
  }
  await t.step("valid text full of U+FFFD, NUL, BOM and 4-byte characters, by segment and across reads", async () => {
    const texts = [
      "\ufffd".repeat(20_000),
      "\0".repeat(30_000),
      "a\ufffdb",
      "\ufeff\ufeff",
      "😀".repeat(5000) + "\ufffd",
      ...lead,
      "\u{10ffff}\u{10000}\u{7ff}\u{800}\u{ffff}",
    ];
    const data = bytes(...texts.map((s) => frame(1, s)), frame(8, new Uint8Array([0x03, 0xe8])));
    const server = startRawServer(async (peer) => {
      // Uneven writes, so frames and 4-byte characters straddle reads.
      for (let at = 0, step = 1; at < data.length; at += step, step = (step * 7 + 3) % 9000 + 1) {
        await peer.write(data.subarray(at, at + step));
        if (step % 3 === 0) await sleep(1);
      }
    });
    const seen = watch(server.url, { chunkBytes: 4096 });
    await waitFor(closed(seen), "the close", 10_000);
    assert.deepEqual(seen.errors, []);
    assert.equal(seen.messages.length, texts.length);
    for (let i = 0; i < texts.length; i++) assert.ok(seen.messages[i] === texts[i], `message ${i} intact`);
    await server.close();
  });
  await t.step("a 4-byte character split across two TCP reads", async () => {
    const data = frame(1, "a😀b");
    const server = startRawServer(async (peer) => {
      await peer.write(data.subarray(0, 4));
      await sleep(50);
      await peer.write(data.subarray(4));
    });
    const seen = watch(server.url);
    await waitFor(() => seen.messages.length === 1, "the message");
    assert.deepEqual(seen.messages, ["a😀b"]);
    seen.ws.dispatchEvent(new CloseEvent("close", { code: 1006 }));
    await server.close();
  });
});

Deno.test("WsClient delivers 300k tiny frames of one write in order, in linear time", async () => {
  const count = 300_000;
  const data = new Uint8Array(count * 4);
  for (let i = 0; i < count; i++) data.set([0x81, 2, 48 + (i % 10), 48 + ((i / 10 | 0) % 10)], i * 4);
  const server = startRawServer((peer) => peer.write(data));
  const seen = watch(server.url);
  const started = performance.now();
  await waitFor(() => seen.messages.length === count, "every frame", 20_000);
  const ms = performance.now() - started;
  for (let i = 0; i < count; i++) {
    const m = seen.messages[i] as string;
    if (m.charCodeAt(0) !== 48 + (i % 10) || m.charCodeAt(1) !== 48 + ((i / 10 | 0) % 10)) {
      assert.fail(`message ${i} out of order: ${m}`);
    }
  }
  assert.ok(ms < 5000, `${ms.toFixed(0)} ms`);
  seen.ws.dispatchEvent(new CloseEvent("close", { code: 1006 }));
  await server.close();
});

Deno.test("WsClient reports a server that closes TCP mid-frame, or resets it", async (t) => {
  await t.step("EOF in the middle of a frame", async () => {
    const server = startRawServer(async (peer) => {
      await peer.write(bytes(frame(1, "whole"), frame(1, "cut short").subarray(0, 5)));
      peer.conn.close();
    });
    const seen = watch(server.url);
    await waitFor(closed(seen), "the close");
    assert.deepEqual(seen.messages, ["whole"]);
    assert.deepEqual(seen.errors, ["Unexpected EOF"]);
    assert.deepEqual(seen.closes, [FAILED]);
    await server.close();
  });
  await t.step("RST (the server closes with unread bytes)", async () => {
    let letGo!: () => void;
    let reset!: () => void;
    const server = startRawServer(
      async (peer) => {
        await peer.write(frame(1, "hello"));
        await new Promise<void>((resolve) => letGo = resolve);
        peer.conn.close(); // unread client bytes in the kernel buffer: Linux answers with RST
        reset();
      },
      switching,
      { holdReads: new Promise((resolve) => reset = resolve) },
    );
    const seen = watch(server.url);
    await waitFor(() => seen.messages.length === 1, "the message");
    seen.ws.send("unread");
    await sleep(50);
    letGo();
    await waitFor(closed(seen), "the close");
    assert.equal(seen.errors.length, 1);
    // Deno's read reports an RST as end of file (a later write would fail with a broken pipe).
    assert.match(seen.errors[0], /^Unexpected EOF$|reset/i);
    assert.deepEqual(seen.closes, [FAILED]);
    await server.close();
  });
});

Deno.test("WsClient.close() while a read is pending, and send() after close()", async () => {
  const server = startRawServer(async (peer) => {
    await waitFor(() => peer.frames.length > 0, "the client's close");
    await sleep(50);
    await peer.write(frame(8, peer.frames[0].payload));
  });
  const seen = watch(server.url);
  await waitFor(() => seen.opened, "open");
  seen.ws.close(1000, "bye");
  seen.ws.send("after close");
  seen.ws.close(4000, "twice");
  await waitFor(closed(seen), "the close");
  seen.ws.send("after closed");
  assert.deepEqual(seen.closes, [{ code: 1000, reason: "bye", wasClean: true }]);
  await server.peers[0].eof;
  assert.deepEqual(server.peers[0].frames.map((f) => f.opcode), [8], "nothing after the close frame");
  await server.close();
});

Deno.test("WsClient.close() right after construction ends without leaking the connect", async () => {
  const server = startRawServer(() => {});
  const seen = watch(server.url);
  seen.ws.close();
  await waitFor(closed(seen), "the close");
  assert.deepEqual(seen.closes, [FAILED]);
  assert.equal(seen.opened, false);
  await sleep(50);
  await server.close();
});

Deno.test("WsClient.close() while connecting reports the close in a later task, like WebSocket", async () => {
  const server = startRawServer(() => {});
  const ws = new WsClient(server.url);
  const calls: number[] = [];
  ws.onclose = (e) => calls.push(e.code);
  ws.close();
  assert.deepEqual(calls, [], "onclose ran inside close()");
  await waitFor(() => calls.length > 0, "the close event");
  assert.deepEqual(calls, [1006]);
  await server.close();
});

Deno.test("WsClient takes endless empty continuation frames in bounded memory", async () => {
  const count = 1_000_000;
  const body = new Uint8Array(2 * count);
  for (let i = 0; i < count; i++) body[2 * i] = 0x00; // opcode 0, not final, length 0
  body[0] = 0x01;
  let release!: () => void;
  const server = startRawServer(async (peer) => {
    await peer.write(body);
    await peer.write(frame(9, "done?"));
    await new Promise<void>((resolve) => release = resolve);
    await peer.write(frame(0, "end"));
  });
  const seen = watch(server.url);
  await waitFor(() => seen.opened, "open");
  const before = memoryMb();
  let peak = 0;
  await waitFor(
    () => {
      peak = Math.max(peak, memoryMb());
      return server.peers[0]?.frames.length === 1;
    },
    "the pong after the continuations",
    20_000,
  );
  peak = Math.max(peak, memoryMb());
  release();
  await waitFor(() => seen.messages.length === 1, "the message");
  assert.equal(seen.messages[0], "end");
  // Kept as one object each (as before), a million empty fragments cost about 270 MB.
  assert.ok(peak - before < 80, `memory grew by ${(peak - before).toFixed(1)} MB for ${count} empty fragments`);
  seen.ws.dispatchEvent(new CloseEvent("close", { code: 1006 }));
  await server.close();
});
