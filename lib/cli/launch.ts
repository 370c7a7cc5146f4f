/**
 * Runs a monitor with what the common command-line options ask for: the
 * live screen or JSON lines, plus a recording with `--record` and the event
 * store with `--store` (a `--replay` from a store is read first). A new kind
 * of output is one more line in {@link createOutputs}.
 *
 * @module
 */

import { JsonOutput } from "../app/json_output.ts";
import type { Monitor } from "../app/monitor.ts";
import type { Output } from "../app/output.ts";
import { RecordOutput } from "../app/record_output.ts";
import { runMonitor } from "../app/runtime.ts";
import { TerminalOutput } from "../app/terminal_output.ts";
import type { ResolvedCommon } from "./monitor_cli.ts";
import { StoreOutput } from "../store/store_output.ts";
import { readStoreRecording } from "../store/replay.ts";

/** The outputs the options ask for: the terminal or JSON lines, and a recording. */
export function createOutputs(common: ResolvedCommon): Output[] {
  const outputs: Output[] = [
    common.json ? new JsonOutput() : new TerminalOutput({ refreshMs: common.refreshMs, color: common.color }),
  ];
  if (common.recordPath) outputs.push(new RecordOutput(common.recordPath));
  const store = common.store.store;
  if (store) {
    outputs.push(new StoreOutput(store.target, { password: store.password, retentionMs: store.retentionMs }));
  }
  return outputs;
}

/** Runs `monitor` until it ends; resolves to the exit code. */
export async function launchMonitor<S>(monitor: Monitor<S>, common: ResolvedCommon): Promise<number> {
  const replay = common.store.replay;
  const replayFrames = replay ? await readStoreRecording(replay.target, replay) : undefined;
  return await runMonitor(monitor, { ...common.run, replayFrames, outputs: createOutputs(common) });
}
