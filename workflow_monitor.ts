#!/usr/bin/env -S deno run --v8-flags=--optimize-for-size --allow-net=127.0.0.1,localhost --allow-env=MAHAVISHNU_TOKEN --allow-read
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
import { clearHistory, noteHistory } from "./lib/model/history.ts";
import { serverUrl } from "./lib/cli/cli.ts";
import { runLiveApp } from "./lib/app/live_app.ts";
import {
  addCommonOptions,
  addServerOptions,
  type CommonOptions,
  resolveCommon,
  runMain,
  type ServerOptions,
} from "./lib/cli/monitor_cli.ts";
import { getWorkflowStatusRequest } from "./lib/protocol/envelope.ts";
import {
  createWorkflowState,
  reduceWorkflow,
  workflowAlertValues,
  workflowExitCode,
} from "./lib/model/workflow_state.ts";
import { workflowView } from "./lib/ui/workflow_view.ts";

/** Parses `args`, runs the monitor, resolves to the exit code. */
export async function main(args: string[]): Promise<number> {
  const program = addCommonOptions(addServerOptions(
    new Command()
      .name("workflow_monitor.ts")
      .description("Live monitor for one Mahavishnu workflow")
      .argument("<workflow_id>", "the workflow to watch, e.g. wf_123")
      .option("--exit-on-finish", "exit 0 when the workflow completes, 1 when it fails")
      .option("--quiet", "no terminal bell on completion or failure"),
  ))
    .parse(args, { from: "user" });
  const o = program.opts<CommonOptions & ServerOptions & { exitOnFinish?: boolean; quiet?: boolean }>();
  const workflowId = program.args[0];
  const common = resolveCommon(o, {
    alertFields: Object.keys(workflowAlertValues(createWorkflowState(workflowId), 0)),
    servers: [{ host: o.host, port: o.port, why: "the server" }],
  });
  let state = createWorkflowState(workflowId, { historySize: o.history });
  return await runLiveApp({
    sources: [{
      name: "workflow",
      url: serverUrl(o.host, o.port, common.tls),
      channels: [`workflow:${workflowId}`],
      initialRequests: () => [getWorkflowStatusRequest(workflowId)],
      apply: (message, now) => state = reduceWorkflow(state, message, now),
      token: common.token,
      caCerts: common.caCerts,
    }],
    version: () => state.version,
    view: (ctx) => workflowView(state, ctx),
    clear: () => state = clearHistory(state),
    finished: o.exitOnFinish ? () => workflowExitCode(state) : undefined,
    bells: o.quiet ? undefined : () => state.finishes,
    refreshMs: o.refresh,
    color: common.color,
    json: common.json,
    ...common.app,
    alertValues: (now) => workflowAlertValues(state, now),
    note: (entry) => state = noteHistory(state, entry),
    history: () => [{ service: "workflow", entries: state.history.newestFirst() }],
  });
}

if (import.meta.main) await runMain("workflow_monitor", main);
