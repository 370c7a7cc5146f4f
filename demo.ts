#!/usr/bin/env -S deno run --v8-flags=--max-semi-space-size=2 --allow-net=127.0.0.1 --allow-env=MAHAVISHNU_TOKEN
/**
 * The first thing to run: starts the demo server (Mahavishnu + Akosha, on
 * free ports) and a monitor against it, in one process.
 *
 * Usage: `deno task demo [pool|workflow|dashboard] [--scenario steady|burst|failing] [--rate N]`
 *
 * Permissions: `--allow-net=127.0.0.1` (server and client on loopback).
 *
 * @module
 */

import { Command, Option } from "commander";
import { plainHelp } from "./lib/cli/usage.ts";
import { parsePositive, VERSION } from "./lib/cli/cli.ts";
import { startDemoServer } from "./lib/demo/server.ts";
import type { Scenario } from "./lib/demo/simulation.ts";
import { runMain } from "./lib/cli/monitor_cli.ts";

/** Starts the server, runs the chosen monitor, stops the server. */
export async function main(args: string[]): Promise<number> {
  const program = plainHelp(new Command())
    .name("demo.ts")
    .description("Demo server plus a monitor, in one go")
    .version(VERSION)
    .addOption(
      new Option("--scenario <name>", "what to simulate").choices(["steady", "burst", "failing"]).default("steady"),
    )
    .option("--rate <n>", "pool events per second", parsePositive, 8)
    .argument("[monitor]", "pool, workflow or dashboard", "pool")
    .allowUnknownOption()
    .allowExcessArguments(true)
    .parse(args, { from: "user" });
  const o = program.opts<{ scenario: Scenario; rate: number }>();
  const [which = "pool", ...rest] = program.args;
  const server = startDemoServer({ port: 0, akoshaPort: 0, scenario: o.scenario, rate: o.rate });
  const port = String(server.port);
  try {
    switch (which) {
      case "pool":
        return await (await import("./pool_monitor.ts")).main(["pool_local", "--port", port, ...rest]);
      case "workflow":
        return await (await import("./workflow_monitor.ts")).main(["wf_123", "--port", port, ...rest]);
      case "dashboard":
        return await (await import("./multi_service_dashboard.ts")).main([
          "--mahavishnu-port",
          port,
          "--pool-port",
          port,
          "--akosha-port",
          String(server.akoshaPort),
          // The demo's Akosha sends aggregations too: show them (a later --akosha-channels wins).
          "--akosha-channels",
          "insights,anomalies,metrics",
          ...rest,
        ]);
      default:
        throw new TypeError(
          `Cannot run demo as monitor is unknown: current value is ${which} (pool, workflow, dashboard)`,
        );
    }
  } finally {
    await server.close();
  }
}

if (import.meta.main) await runMain("demo", main);
