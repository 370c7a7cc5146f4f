import assert from "node:assert/strict";
import { exportHistory, readRecording, Recorder } from "./recorder.ts";

Deno.test("Recorder appends frames that readRecording() gives back; a torn last line is skipped", () => {
  const path = Deno.makeTempFileSync({ suffix: ".jsonl" });
  const r = new Recorder(path);
  r.add("pool", '{"type":"event"}', Date.UTC(2026, 0, 1));
  r.add("pool", "not json at all", Date.UTC(2026, 0, 1, 0, 0, 1));
  r.close();
  Deno.writeTextFileSync(path, '{"t":"2026-01-01T00:00:02.000Z","serv', { append: true });
  const { frames, skipped } = readRecording(Deno.readTextFileSync(path));
  assert.deepEqual(frames, [
    { t: "2026-01-01T00:00:00.000Z", service: "pool", frame: '{"type":"event"}' },
    { t: "2026-01-01T00:00:01.000Z", service: "pool", frame: "not json at all" },
  ]);
  assert.equal(skipped, 1);
  Deno.removeSync(path);
});

Deno.test("exportHistory() writes CSV and JSONL oldest first", () => {
  const entries = [
    { at: Date.UTC(2026, 0, 1, 0, 0, 1), event: "b", severity: "error" as const, text: 'say "hi", ok' },
    { at: Date.UTC(2026, 0, 1), event: "a", severity: "info" as const, text: "x" },
  ];
  const csv = Deno.makeTempFileSync({ suffix: ".csv" });
  exportHistory(csv, "pool", entries);
  assert.equal(
    Deno.readTextFileSync(csv),
    'time,service,event,severity,text\n2026-01-01T00:00:00.000Z,pool,a,info,x\n2026-01-01T00:00:01.000Z,pool,b,error,"say ""hi"", ok"\n',
  );
  const jsonl = Deno.makeTempFileSync({ suffix: ".jsonl" });
  exportHistory(jsonl, "pool", entries);
  assert.deepEqual(Deno.readTextFileSync(jsonl).trim().split("\n").map((l) => JSON.parse(l)), [
    { time: "2026-01-01T00:00:00.000Z", service: "pool", event: "a", severity: "info", text: "x" },
    { time: "2026-01-01T00:00:01.000Z", service: "pool", event: "b", severity: "error", text: 'say "hi", ok' },
  ]);
  Deno.removeSync(csv);
  Deno.removeSync(jsonl);
});
