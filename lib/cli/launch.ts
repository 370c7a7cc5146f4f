/**
 * Runs a monitor with what the common command-line options ask for: the
 * live screen or JSON lines, plus a recording with `--record`. A new kind
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

/** The outputs the options ask for: the terminal or JSON lines, and a recording. */
export function createOutputs(common: ResolvedCommon): Output[] {
  const outputs: Output[] = [
    common.json ? new JsonOutput() : new TerminalOutput({ refreshMs: common.refreshMs, color: common.color }),
  ];
  if (common.recordPath) outputs.push(new RecordOutput(common.recordPath));
  return outputs;
}

/** Runs `monitor` until it ends; resolves to the exit code. */
export async function launchMonitor<S>(monitor: Monitor<S>, common: ResolvedCommon): Promise<number> {
  return await runMonitor(monitor, { ...common.run, outputs: createOutputs(common) });
}
