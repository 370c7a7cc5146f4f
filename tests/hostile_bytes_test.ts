// deno-lint-ignore-file no-control-regex
/**
 * Hostile bytes, end to end: real monitor processes in a real
 * pseudo-terminal, against a scripted hostile server (and a hostile
 * recording), with hostile text on every path a string can take to the
 * screen: event fields, worker ids, unknown event names, an error's
 * `error_message`, an AUTH_FAILED message, a close reason, a filter typed by
 * the user, a replayed recording, and JSON lines printed on a terminal. Every
 * byte written to the terminal is scanned: nothing but the renderer's own
 * sequences may appear, and the visible text of every path must.
 */

import assert from "node:assert/strict";
import { runInPty } from "./_pty.ts";
import { requireTool } from "./_require.ts";
import { answerSubscribe, frame, type ScriptHandlers, startScriptServer, waitFor } from "./_script_server.ts";

const hasPython = requireTool("python3", "python3", ["-c", "import pty"], "the hostile-bytes terminal tests");

/** Title change, clear screen, cursor home, hyperlink, DCS query, 8-bit CSI/OSC/DCS, BEL, BS, CR, LF, TAB, bidi, reset. */
const NASTY = "\x1b]0;PWNED\x07\x1b[2J\x1b[H\x1b]8;;http://evil/\x1b\\L\x1b]8;;\x1b\\\x1bP+q544e\x1b\\" +
  "\x9b2J\x9d0;T\x9c\x90x\x9c\x07\b\r\n\t\u202e\u2066\u200b\x1bc\x1b7";
/** A visible marker, then the hostile bytes. */
const nasty = (marker: string) => `${marker}${NASTY}`;
/** Close reasons must fit 123 bytes. */
const NASTY_SHORT = "\x1b]0;PWNED\x07\x1b[2J\x9b2J\u202e\x1bc";

/** The renderer's own sequences: SGR, cursor position and forward moves, erase, scroll region, insert and delete line, sync, alt screen, cursor. */
const OWN = /\x1b\[(?:[0-9;]*m|\d+(?:;\d+)?H|H|2J|K|\d+C|\d+;\d+r|r|\d+[LM]|\?(?:2026|1049|25)[hl])/y;
/** Any control, C1, bidi or zero-width character. */
const SUSPECT = /[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060-\u2069\ufeff\u061c]/g;

/** Every suspect character that does not begin one of the renderer's own sequences, in context. */
function foreign(out: string, lineBreaks = false): string[] {
  const found: string[] = [];
  for (const m of out.matchAll(SUSPECT)) {
    const i = m.index;
    if (m[0] === "\x1b") {
      OWN.lastIndex = i;
      if (OWN.test(out)) continue;
    }
    // JSON lines end in "\n", which the terminal driver turns into "\r\n".
    if (lineBreaks && (out.startsWith("\r\n", i) || (m[0] === "\n" && out[i - 1] === "\r"))) continue;
    found.push(JSON.stringify(out.slice(Math.max(0, i - 30), i + 12)));
  }
  return found;
}

/** What one run does: its server, its command line, what the user types, what must show. */
interface Scenario {
  server?: ScriptHandlers;
  args(port: number): string[];
  env?: Record<string, string>;
  /** Visible text of every hostile path (proves the path reached the screen). */
  markers: string[];
  /** Keys typed once the markers showed, and the markers they must bring. */
  typed?: { keys: string; markers: string[] }[];
  /** JSON lines on the terminal: line breaks allowed, no keys (ends by SIGTERM). */
  json?: boolean;
}

async function play(s: Scenario): Promise<void> {
  const server = s.server ? startScriptServer(s.server) : null;
  const run = runInPty(s.args(server?.port ?? 0), { columns: 160, rows: 50, env: s.env });
  try {
    const shows = (markers: string[]) => () => markers.every((m) => run.out().includes(m));
    await waitFor(shows(s.markers), `markers ${s.markers.join(", ")}`, 20_000).catch((e) => {
      throw new Error(
        `${e.message}; missing ${s.markers.filter((m) => !run.out().includes(m))} in ${
          JSON.stringify(run.out().slice(-3000))
        }`,
      );
    });
    for (const step of s.typed ?? []) {
      await run.type(step.keys);
      await waitFor(shows(step.markers), `typed ${step.markers}`, 10_000);
    }
    if (s.json) Deno.kill(run.pid(), "SIGTERM");
    else await run.type("q");
    const status = await run.done();
    assert.equal(status.code, 0, run.out().slice(-500));
  } finally {
    await server?.close();
  }
  const out = run.out();
  assert.deepEqual(foreign(out, s.json), [], "bytes outside the renderer's own sequences reached the terminal");
  // JSON lines carry the payload as escaped text (\u001b]0;PWNED): inert. A screen must not show it at all.
  if (!s.json) assert.ok(!out.includes("PWNED"), "an OSC payload reached the screen");
}

/** A hostile Mahavishnu server: hostile welcome, events, errors and snapshot, then a hostile close. */
function hostilePoolServer(closeAfterMs: number): ScriptHandlers {
  return {
    open: (ws) => {
      ws.send(frame("event", "session.created", { connection_id: "c", server: nasty("QSRV0") }));
      setTimeout(() => {
        try {
          ws.close(4000, `QCLS1${NASTY_SHORT}`);
        } catch { /* closed */ }
      }, closeAfterMs);
    },
    message: (ws, m) => {
      answerSubscribe(ws, m);
      if (m.event === "get_pool_status") {
        ws.send(frame("response", "get_pool_status", { pool_id: "pool_local", status: nasty("QSNP2") }));
      }
      if (m.event !== "subscribe") return;
      const pool = { pool_id: "pool_local" };
      ws.send(frame("event", "worker.status_changed", { ...pool, worker_id: nasty("QWID3"), status: nasty("QWST4") }));
      ws.send(frame("event", "task.assigned", { ...pool, worker_id: nasty("QWID3"), task: { id: nasty("QTSK5") } }));
      ws.send(frame("event", nasty("QEVN6"), { ...pool, [nasty("QKEY7")]: nasty("QVAL8") }));
      ws.send(frame("error", null, {}, { error_code: nasty("QCOD9"), error_message: nasty("QMSGA") }));
      ws.send(frame("event", "pool.status_changed", { ...pool, status: { state: nasty("QPSTB") }, queue_size: 3 }));
    },
  };
}

Deno.test({
  name: "hostile bytes: no sequence but the renderer's own reaches the terminal, on any path",
  ignore: !hasPython,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (t) => {
    const pool = (port: number) => ["--allow-net=127.0.0.1", "pool_monitor.ts", "pool_local", "--port", String(port)];

    await t.step(
      "pool monitor: event fields, worker ids, unknown events, error_message, close reason, typed filter",
      () =>
        play({
          server: hostilePoolServer(1500),
          args: pool,
          markers: ["QSRV0", "QWID3", "QWST4", "QTSK5", "QEVN6", "QCOD9", "QMSGA", "QPSTB", "QCLS1"],
          typed: [
            { keys: "/QF\u009b2J\u202eX", markers: ["/QF"] },
            { keys: "\r", markers: ['matching "QF'] },
          ],
        }),
    );

    await t.step("pool monitor: an AUTH_FAILED error_message and a 1008 close reason", () =>
      play({
        server: {
          open: (ws) => ws.send(frame("event", "session.created", { connection_id: "c", server: "s" })),
          message: (ws, m) => {
            if (m.event !== "auth") return;
            ws.send(
              frame("error", null, {}, {
                correlation_id: m.correlation_id,
                error_code: "AUTH_FAILED",
                error_message: nasty("QAUTC"),
              }),
            );
            ws.close(1008, `QCLZ${NASTY_SHORT}`);
          },
        },
        args: (port) => ["--allow-net=127.0.0.1", "--allow-env=MAHAVISHNU_TOKEN", ...pool(port).slice(1)],
        env: { MAHAVISHNU_TOKEN: "t0ken" },
        markers: ["auth failed", "QAUTC"],
      }));

    await t.step("workflow monitor: stage names, results and the failure text", () =>
      play({
        server: {
          open: (ws) => ws.send(frame("event", "session.created", { connection_id: "c", server: "s" })),
          message: (ws, m) => {
            answerSubscribe(ws, m);
            if (m.event !== "subscribe") return;
            const wf = { workflow_id: "wf_1" };
            ws.send(frame("event", "workflow.started", { ...wf, stages: [nasty("QSTGC"), nasty("QSTGD")] }));
            ws.send(
              frame("event", "workflow.stage_completed", {
                ...wf,
                stage_name: nasty("QSTGC"),
                result: { [nasty("QRKE")]: nasty("QRVF") },
              }),
            );
            ws.send(frame("event", "workflow.failed", { ...wf, error: nasty("QWFEG") }));
          },
        },
        args: (port) => ["--allow-net=127.0.0.1", "workflow_monitor.ts", "wf_1", "--quiet", "--port", String(port)],
        markers: ["QSTGC", "QSTGD", "QWFEG"],
      }));

    await t.step("dashboard: three sources, insights, anomalies and workflows from a hostile server", () =>
      play({
        server: {
          open: (ws) => ws.send(frame("event", "session.created", { connection_id: "c", server: "s" })),
          message: (ws, m) => {
            answerSubscribe(ws, m);
            const channel = (m.data as { channel?: string } | undefined)?.channel;
            if (m.event !== "subscribe") return;
            if (channel === "global") ws.send(frame("event", "workflow.started", { workflow_id: nasty("QDWFH") }));
            if (channel === "insights") {
              ws.send(frame("event", "insight.generated", { insight_type: nasty("QDITI"), title: nasty("QDINJ") }));
            }
            if (channel === "anomalies") {
              ws.send(frame("event", "anomaly.detected", { severity: nasty("QDSVK"), description: nasty("QDANL") }));
            }
            if (channel?.startsWith("pool:")) {
              ws.send(frame("event", "worker.added", { pool_id: "pool_local", worker_id: nasty("QDWKM") }));
            }
          },
        },
        args: (port) => [
          "--allow-net=127.0.0.1",
          "multi_service_dashboard.ts",
          ...["--mahavishnu-port", "--pool-port", "--akosha-port"].flatMap((o) => [o, String(port)]),
        ],
        markers: ["QDWFH", "QDITI", "QDWKM"],
      }));

    await t.step("pool monitor: a hostile recording replayed", async () => {
      const dir = Deno.makeTempDirSync();
      const recording = `${dir}/hostile.jsonl`;
      const frames = [
        frame("event", "worker.status_changed", { pool_id: "pool_local", worker_id: nasty("QRPLN"), status: "busy" }),
        frame("event", nasty("QRPEO"), { pool_id: "pool_local" }),
        frame("error", null, {}, { error_code: "X", error_message: nasty("QRPMP") }),
      ];
      Deno.writeTextFileSync(
        recording,
        frames.map((f, i) =>
          JSON.stringify({ t: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), service: "pool", frame: f })
        )
          .join("\n") + "\n",
      );
      try {
        await play({
          args: () => [`--allow-read=${dir}`, "pool_monitor.ts", "pool_local", "--replay", recording, "--speed", "100"],
          markers: ["QRPLN", "QRPEO", "QRPMP"],
        });
      } finally {
        Deno.removeSync(dir, { recursive: true });
      }
    });

    await t.step("pool monitor --json on a terminal: JSON lines drive nothing either", () =>
      play({
        server: hostilePoolServer(1500),
        args: (port) => [...pool(port), "--json"],
        markers: ["QWID3", "QEVN6", "QMSGA", "QCLS1"],
        json: true,
      }));
  },
});

Deno.test("foreign() finds what the test must catch, and passes the renderer's own sequences", () => {
  const own =
    "\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J\x1b[?2026h\x1b[3;1H\x1b[1;31mok\x1b[0m\x1b[K\x1b[2;9r\x1b[2H\x1b[3L\x1b[r\x1b[4;7Hx\x1b[5Cy" +
    "\x1b[?2026l\x1b[0m\x1b[?25h\x1b[?1049l";
  assert.deepEqual(foreign(own), []);
  for (const bad of ["\x1b]0;t\x07", "\x1b[2K", "\x1bc", "\x9b2J", "\x07", "\b", "\r", "\n", "\u202e", "\u200b"]) {
    assert.equal(foreign(`${own}x${bad}y`).length > 0, true, JSON.stringify(bad));
  }
  assert.deepEqual(foreign('{"a":1}\r\n', true), []);
});
