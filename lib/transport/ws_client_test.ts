import assert from "node:assert/strict";
import { waitFor } from "../../tests/_script_server.ts";
import { closeCode, closed, frame, type RawServer, startRawServer, switching, watch } from "./_ws_test_server.ts";
import { WsClient } from "./ws_client.ts";

Deno.test("WsClient exchanges messages with Deno's WebSocket server, in order, across chunk boundaries", async () => {
  const texts = Array.from({ length: 3000 }, (_, i) => `{"n":${i},"pad":"${"x".repeat(i % 300)}"}`);
  texts[7] = "unicode: é — 😀 \ufeff and a real \ufffd";
  texts[8] = "y".repeat(100_000);
  texts[9] = "";
  let echoed = "";
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    const { socket, response } = Deno.upgradeWebSocket(request);
    socket.onopen = () => {
      for (const t of texts) socket.send(t);
      socket.send(new Uint8Array([1, 2, 3]));
    };
    socket.onmessage = (e) => echoed = e.data;
    return response;
  });
  // A chunk of 1 KiB: most messages and the 100 kB one straddle reads.
  const seen = watch(`ws://127.0.0.1:${server.addr.port}/path?q=1`, { chunkBytes: 1024 });
  await waitFor(() => seen.messages.length === texts.length + 1, "every message", 10_000);
  assert.deepEqual(seen.messages.slice(0, -1), texts);
  assert.deepEqual(seen.messages.at(-1), new Uint8Array([1, 2, 3]), "binary arrives as bytes");
  seen.ws.send("héllo 😀");
  await waitFor(() => echoed !== "", "the server to get the text");
  assert.equal(echoed, "héllo 😀");
  seen.ws.close(1000, "done");
  await waitFor(closed(seen), "the close");
  assert.deepEqual(seen.closes, [{ code: 1000, reason: "done", wasClean: true }]);
  assert.deepEqual(seen.errors, []);
  assert.equal(seen.ws.readyState, WsClient.CLOSED);
  await server.shutdown();
});

Deno.test("WsClient masks its frames and answers the server's close handshake with its code", async (t) => {
  const cases: [string, Uint8Array, number, string][] = [
    ["code and reason", frame(8, new Uint8Array([0x03, 0xf3, ...new TextEncoder().encode("boom")])), 1011, "boom"],
    ["no code", frame(8, new Uint8Array(0)), 1005, ""],
  ];
  for (const [name, bytes, code, reason] of cases) {
    await t.step(name, async () => {
      const server = startRawServer((peer) => peer.write(bytes));
      const seen = watch(server.url);
      await waitFor(closed(seen), "the close");
      assert.deepEqual(seen.closes, [{ code, reason, wasClean: true }]);
      assert.deepEqual(seen.errors, []);
      const peer = server.peers[0];
      await peer.eof;
      assert.equal(peer.frames.length, 1);
      assert.equal(peer.frames[0].opcode, 8);
      assert.ok(peer.frames[0].masked, "client frames are masked");
      assert.equal(closeCode(peer.frames[0].payload), code, "the close code is echoed");
      await server.close();
    });
  }
});

Deno.test("WsClient.close() sends its code and reason and ends when the server answers", async () => {
  const server = startRawServer(async (peer) => {
    await waitFor(() => peer.frames.length > 0, "the client's close");
    await peer.write(frame(8, peer.frames[0].payload));
    peer.conn.close();
  });
  const seen = watch(server.url);
  await waitFor(() => seen.opened, "open");
  seen.ws.close(4000, "client gave up");
  assert.equal(seen.ws.readyState, WsClient.CLOSING);
  await waitFor(closed(seen), "the close");
  assert.deepEqual(seen.closes, [{ code: 4000, reason: "client gave up", wasClean: true }]);
  const sent = server.peers[0].frames[0];
  assert.equal(closeCode(sent.payload), 4000);
  assert.equal(new TextDecoder().decode(sent.payload.subarray(2)), "client gave up");
  assert.throws(() => seen.ws.close(1006), /Invalid close code 1006/);
  await server.close();
});

Deno.test("WsClient fails the connection on a protocol error, after the messages before it", async (t) => {
  const ok = frame(1, "before");
  const cases: [string, Uint8Array, RegExp, number][] = [
    ["masked server frame", new Uint8Array([0x81, 0x81, 0, 0, 0, 0, 0x41]), /^Masked frame from the server$/, 1002],
    ["reserved bits", new Uint8Array([0xc1, 1, 0x41]), /^Reserved bits are not zero$/, 1002],
    ["reserved opcode", new Uint8Array([0x83, 1, 0x41]), /^Invalid opcode 3$/, 1002],
    ["invalid UTF-8", new Uint8Array([0x81, 2, 0xc3, 0x28]), /^Invalid UTF-8$/, 1007],
    ["invalid UTF-8 across fragments", new Uint8Array([0x01, 1, 0xc3, 0x80, 1, 0x28]), /^Invalid UTF-8$/, 1007],
    ["continuation without a start", new Uint8Array([0x80, 1, 0x41]), /^Invalid continuation frame$/, 1002],
    ["new message inside a fragmented one", new Uint8Array([0x01, 1, 0x41, 0x81, 1, 0x42]), /continuation/, 1002],
    ["fragmented control frame", new Uint8Array([0x09, 0]), /^Control frame must not be fragmented$/, 1002],
    ["close frame of one byte", new Uint8Array([0x88, 1, 0x03]), /^Invalid close frame$/, 1002],
    ["forbidden close code", new Uint8Array([0x88, 2, 0x03, 0xee]), /^Invalid close code 1006$/, 1002],
    ["over the size limit", frame(1, "z".repeat(2000)), /^Message too big: 2000 bytes, the limit is 1000$/, 1009],
  ];
  for (const [name, bytes, error, code] of cases) {
    await t.step(name, async () => {
      const server = startRawServer((peer) => peer.write(new Uint8Array([...ok, ...bytes])));
      const seen = watch(server.url, { maxMessageBytes: 1000 });
      await waitFor(closed(seen), "the close");
      assert.deepEqual(seen.messages, ["before"]);
      assert.equal(seen.errors.length, 1);
      assert.match(seen.errors[0], error);
      assert.deepEqual(seen.closes, [{ code: 1006, reason: "", wasClean: false }]);
      const peer = server.peers[0];
      await peer.eof;
      assert.equal(closeCode(peer.frames.at(-1)!.payload), code, "the server is told why");
      await server.close();
    });
  }
});

Deno.test("WsClient joins fragments, answers pings between them, and reports a dropped connection", async () => {
  const bytes = new Uint8Array([
    ...frame(1, "frag", false),
    ...frame(9, "are you there"),
    ...frame(0, "men", false),
    ...frame(0, "ted é"),
    ...frame(2, new Uint8Array([9]), false),
    ...frame(0, new Uint8Array([8])),
  ]);
  const server = startRawServer(async (peer) => {
    await peer.write(bytes);
    await waitFor(() => peer.frames.length > 0, "the pong");
    peer.conn.close();
  });
  const seen = watch(server.url);
  await waitFor(closed(seen), "the close");
  assert.deepEqual(seen.messages, ["fragmented é", new Uint8Array([9, 8])]);
  const pong = server.peers[0].frames[0];
  assert.equal(pong.opcode, 10);
  assert.equal(new TextDecoder().decode(pong.payload), "are you there");
  assert.deepEqual(seen.errors, ["Unexpected EOF"]);
  assert.deepEqual(seen.closes, [{ code: 1006, reason: "", wasClean: false }]);
  await server.close();
});

Deno.test("WsClient reports handshake failures in Deno's words", async (t) => {
  const prefix = "NetworkError: failed to connect to WebSocket: ";
  const cases: [string, (key: string) => Promise<string> | string, string][] = [
    ["404", () => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", "Invalid status code: 404"],
    ["401", () => "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n", "Invalid status code: 401"],
    [
      "a wrong Sec-WebSocket-Accept",
      () =>
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Accept: x\r\n\r\n",
      "Invalid Sec-WebSocket-Accept in the answer",
    ],
    [
      "an extension that was not offered",
      async (key) =>
        (await switching(key)).replace("\r\n\r\n", "\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n"),
      "The server chose an extension that was not offered",
    ],
    ["no answer before the connection closes", () => "", "connection closed before message completed"],
  ];
  for (const [name, answer, error] of cases) {
    await t.step(name, async () => {
      const server: RawServer = startRawServer(() => {}, answer);
      const seen = watch(server.url);
      if (name.startsWith("no answer")) {
        await waitFor(() => server.peers.length === 1, "the connection");
        server.peers[0].conn.close();
      }
      await waitFor(closed(seen), "the close");
      assert.equal(seen.opened, false);
      assert.deepEqual(seen.errors, [prefix + error]);
      assert.deepEqual(seen.closes, [{ code: 1006, reason: "", wasClean: false }]);
      await server.close();
    });
  }
  await t.step("refused port", async () => {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    const seen = watch(`ws://127.0.0.1:${port}`);
    await waitFor(closed(seen), "the close");
    assert.match(seen.errors[0], /^NetworkError: failed to connect to WebSocket: .*refused/i);
  });
});

Deno.test("WsClient reads a handshake answer longer than its chunk size", async () => {
  const server = startRawServer(
    (peer) => peer.write(frame(1, "after a long answer")),
    async (key) => (await switching(key)).replace("\r\n\r\n", `\r\nX-Pad: ${"p".repeat(3000)}\r\n\r\n`),
  );
  const seen = watch(server.url, { chunkBytes: 64 });
  await waitFor(() => seen.messages.length === 1, "the message");
  assert.deepEqual(seen.messages, ["after a long answer"]);
  seen.ws.dispatchEvent(new CloseEvent("close", { code: 1006 }));
  await server.close();
});

Deno.test("WsClient throws NotCapable at once for a host outside the network permission", () => {
  assert.notEqual(Deno.permissions.querySync({ name: "net", host: "127.0.0.2:9" }).state, "granted");
  assert.throws(() => new WsClient("ws://127.0.0.2:9"), Deno.errors.NotCapable);
  assert.throws(() => new WsClient("http://127.0.0.1:9"), /Only ws: and wss:/);
});

Deno.test("WsClient.send() throws while connecting; close() while connecting ends without opening", async () => {
  let release!: (answer: string) => void;
  let asked = false;
  const server = startRawServer(() => {}, () => {
    asked = true;
    return new Promise<string>((resolve) => release = resolve);
  });
  const seen = watch(server.url);
  assert.throws(() => seen.ws.send("x"), /still connecting/);
  await waitFor(() => asked, "the handshake request");
  assert.equal(seen.ws.readyState, WsClient.CONNECTING);
  seen.ws.close();
  await waitFor(closed(seen), "the close");
  assert.equal(seen.opened, false);
  assert.deepEqual(seen.closes, [{ code: 1006, reason: "", wasClean: false }]);
  assert.deepEqual(seen.errors, []);
  release("");
  await server.close();
});

Deno.test("WsClient.dispatchEvent(close) ends a socket whose server never answers the close", async () => {
  const server = startRawServer(() => {});
  const seen = watch(server.url);
  await waitFor(() => seen.opened, "open");
  seen.ws.close(1000, "bye");
  await waitFor(() => server.peers[0].frames.length === 1, "the close frame");
  assert.deepEqual(seen.closes, [], "still waiting for the server's answer");
  seen.ws.dispatchEvent(new CloseEvent("close", { code: 1006 }));
  seen.ws.dispatchEvent(new CloseEvent("close", { code: 1006 }));
  assert.deepEqual(seen.closes, [{ code: 1006, reason: "", wasClean: false }], "once");
  await server.peers[0].eof; // the TCP connection is closed too
  await server.close();
});

/** Another process that floods every connection with `count` 206-byte text messages: its URL, and how to stop it. */
async function floodSender(count: number): Promise<{ url: string; stop: () => Promise<void> }> {
  const sender = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net=127.0.0.1", new URL("./_ws_test_server.ts", import.meta.url).pathname, String(count)],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = sender.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const url = (await reader.read()).value!.trim();
  const stop = async () => {
    sender.kill();
    await sender.status;
    await reader.cancel();
  };
  return { url, stop };
}

/**
 * Two sockets flooded by another process, as the monitors get it: every read finds a full buffer and completes
 * at once, so only the client's own yields let timers and the other socket run. Returns the runs of consecutive
 * messages from one socket, their median (without the first and last run), and how often a 5 ms interval ran.
 */
async function floodTwoSockets(
  options: { chunkBytes?: number },
): Promise<{ runs: number[]; median: number; ticks: number; ms: number }> {
  const count = 100_000;
  const { url, stop } = await floodSender(count);
  const order: string[] = [];
  let ticks = 0;
  const interval = setInterval(() => ticks++, 5);
  const sockets: WsClient[] = [];
  for (let i = 0; i < 2; i++) {
    const ws = new WsClient(url, options);
    ws.onmessage = (e) => order.push((e.data as string)[0]);
    sockets.push(ws);
    await waitFor(() => ws.readyState === WsClient.OPEN, "open");
  }
  const start = performance.now();
  await waitFor(() => order.length === 2 * count, "both floods", 30_000);
  const ms = performance.now() - start;
  clearInterval(interval);
  const runs: number[] = [];
  let run = 1;
  for (let i = 1; i <= order.length; i++) {
    if (order[i] === order[i - 1]) run++;
    else {
      runs.push(run);
      run = 1;
    }
  }
  const overlap = runs.slice(1, -1);
  const median = [...overlap].sort((x, y) => x - y)[Math.floor(overlap.length / 2)];
  for (const ws of sockets) ws.close(); // The sender never answers: its end closes the sockets.
  await stop();
  await waitFor(() => sockets.every((ws) => ws.readyState === WsClient.CLOSED), "closed");
  return { runs, median, ticks, ms };
}

Deno.test("WsClient sockets take turns chunk by chunk, and timers run during a flood", async () => {
  const { runs, median, ticks, ms } = await floodTwoSockets({ chunkBytes: 16 * 1024 });
  // Runs of about one chunk (79 messages of 206 bytes in 16 KiB). Without the yields one socket can deliver its
  // whole flood before the other gets a turn (a handful of runs). The bounds leave room for a loaded machine, where
  // the sender process falls behind and one socket's buffer is empty for a while (its neighbour then delivers
  // several chunks in a row: not unfairness).
  assert.ok(runs.length >= 50, `the sockets took turns only ${runs.length - 1} times: ${runs.join(" ")}`);
  assert.ok(median <= 160, `median run ${median} messages: ${runs.join(" ")}`);
  assert.ok(ticks >= ms / 5 / 6, `a 5 ms interval ran ${ticks} times in ${ms.toFixed(0)} ms`);
});

Deno.test("WsClient hands over at most 32 KiB of messages per turn, however much one read brought", async () => {
  // One socket flooded from another process, read 256 KiB at a time (the default); a chain of `setImmediate`
  // callbacks marks the turns of the event loop and counts the messages delivered between two marks.
  const count = 100_000;
  const { url, stop } = await floodSender(count);
  let delivered = 0;
  const ws = new WsClient(url);
  ws.onmessage = () => delivered++;
  let last = 0;
  let most = 0;
  let turns = 0;
  let marking = true;
  const mark = () => {
    most = Math.max(most, delivered - last);
    last = delivered;
    turns++;
    if (marking) setImmediate(mark);
  };
  setImmediate(mark);
  await waitFor(() => delivered === count, "the flood", 30_000);
  marking = false;
  ws.close();
  await stop();
  await waitFor(() => ws.readyState === WsClient.CLOSED, "closed");
  // 32 KiB holds 159 of these 206-byte messages; a whole 256 KiB read holds 1,272.
  assert.ok(turns >= count / (2 * 159), `only ${turns} turns for ${count} messages`);
  assert.ok(most <= 2 * 159, `${most} messages delivered in one turn`);
});
