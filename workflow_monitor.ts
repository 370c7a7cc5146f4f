#!/usr/bin/env -S deno run --v8-flags=--max-semi-space-size=2 --allow-net=127.0.0.1,localhost --allow-env=MAHAVISHNU_TOKEN --allow-read
/**
 * Live monitor for one Mahavishnu workflow, from start to finish: status,
 * stage progress with an estimate of the time left, stage history, worker
 * changes and a clear completion/failure notice.
 *
 * Usage: `deno run --allow-net=HOST --allow-env=MAHAVISHNU_TOKEN workflow_monitor.ts WORKFLOW_ID
 * [--host 127.0.0.1] [--port 8690] [--token-env VAR | --token-file FILE] [--tls] [--ca FILE]
 * [--exit-on-finish] [--quiet] [--no-color] [--json]`
 *
 * With `--exit-on-finish` it exits 0 when the workflow completes and 1 when
 * it fails, so scripts and CI can wait on a workflow.
 *
 * Permissions: `--allow-net` to the server host; `--allow-env` for the token
 * variable; `--allow-read` only for `--token-file` / `--ca`.
 *
 * @module
 */

import { Command } from "commander";
import { WORKFLOW_ALERT_FIELDS, workflowMonitor } from "./lib/app/workflow_monitor_def.ts";
import { serverUrl } from "./lib/cli/cli.ts";
import { launchMonitor } from "./lib/cli/launch.ts";
import {
  addCommonOptions,
  addServerOptions,
  type CommonOptions,
  resolveCommon,
  runMain,
  type ServerOptions,
} from "./lib/cli/monitor_cli.ts";

/** Parses `args`, runs the monitor, resolves to the exit code. */
export async function main(args: string[]): Promise<number> {
  const program = addCommonOptions(addServerOptions(
    new Command()
      .name("workflow_monitor.ts")
      .description("Live monitor for one Mahavishnu workflow")
      .argument("<workflow_id>", "the workflow to watch, e.g. wf_123")
      .option("--exit-on-finish", "exit 0 when the workflow completes, 1 when it fails")
      .option("--quiet", "no terminal bell on completion or failure")
      .option("--pool <id>", "also follow this pool's worker changes (pool:ID: real servers send them there)"),
  ))
    .parse(args, { from: "user" });
  const o = program.opts<CommonOptions & ServerOptions & { exitOnFinish?: boolean; quiet?: boolean; pool?: string }>();
  const workflowId = program.args[0];
  const common = resolveCommon(o, {
    alertFields: WORKFLOW_ALERT_FIELDS,
    servers: [{ host: o.host, port: o.port, why: "the server" }],
  });
  const monitor = workflowMonitor(workflowId, {
    url: serverUrl(o.host, o.port, common.tls),
    historySize: o.history,
    token: common.token,
    caCerts: common.caCerts,
    poolId: o.pool,
    extraChannels: common.extraChannels,
    exitOnFinish: o.exitOnFinish,
    quiet: o.quiet,
  });
  return await launchMonitor(monitor, common);
}

if (import.meta.main) await runMain("workflow_monitor", main);
