/**
 * Checks made before a monitor connects or draws anything: the permissions
 * it will need (so that Deno never prompts or prints over the display, and a
 * denial is reported once as a configuration error, never retried as a
 * network failure) and the files it will write (a directory, a missing
 * folder, or the same file for two outputs is a usage error at start, not a
 * surprise at exit).
 *
 * @module
 */

import { resolve } from "node:path";
import { ConfigError, UsageError } from "./usage.ts";
import { frameOf } from "../app/recorder.ts";

/** One permission a run needs, with the flag that grants it. */
export type PermissionNeed =
  | { name: "net"; host: string; port: number; why: string }
  | { name: "read"; path: string; why: string }
  | { name: "write"; path: string; why: string }
  | { name: "env"; variable: string; why: string };

/** The `--allow-*` flag that grants `need`. */
export function flagFor(need: PermissionNeed): string {
  switch (need.name) {
    case "net":
      return `--allow-net=${hostPort(need.host, need.port)}`;
    case "read":
      return `--allow-read=${need.path}`;
    case "write":
      return `--allow-write=${need.path}`;
    case "env":
      return `--allow-env=${need.variable}`;
  }
}

function hostPort(host: string, port: number): string {
  const h = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return `${h}:${port}`;
}

function granted(need: PermissionNeed): boolean {
  const descriptor: Deno.PermissionDescriptor = need.name === "net"
    ? { name: "net", host: hostPort(need.host, need.port) }
    : need.name === "env"
    ? { name: "env", variable: need.variable }
    : { name: need.name, path: need.path };
  try {
    return Deno.permissions.querySync(descriptor).state === "granted";
  } catch {
    return false;
  }
}

/**
 * Throws a {@link ConfigError} naming every missing flag when any of `needs`
 * is not granted. Anything short of "granted" counts as missing: a prompt
 * would write over the display.
 */
export function checkPermissions(needs: PermissionNeed[]): void {
  const missing = needs.filter((n) => !granted(n));
  if (missing.length === 0) return;
  const what = missing.map((n) => `${n.why} needs ${flagFor(n)}`).join("; ");
  throw new ConfigError(`missing permission: ${what}`);
}

/** `path`'s file info, null when it does not exist, "unknown" when reading it is not permitted. */
function statOrNull(path: string): Deno.FileInfo | null | "unknown" {
  try {
    return Deno.statSync(path);
  } catch (error) {
    return error instanceof Deno.errors.NotFound ? null : "unknown";
  }
}

/** A file a run will write, and the option that named it. */
export interface OutputFile {
  /** The option, e.g. `--record`. */
  option: string;
  path: string;
}

/**
 * Refuses output files that cannot work: a directory, a file in a folder that
 * does not exist, or the same file named by two options (one would overwrite
 * the other). Throws a {@link UsageError}.
 */
export function checkOutputFiles(files: OutputFile[]): void {
  const seen = new Map<string, string>();
  for (const { option, path } of files) {
    const full = resolve(path);
    const other = seen.get(full);
    if (other) {
      throw new UsageError(`${other} and ${option} name the same file, ${path}: one would overwrite the other`);
    }
    seen.set(full, option);
    const info = statOrNull(full);
    if (info === "unknown") continue; // no read permission to look: the write permission check still applies
    if (info?.isDirectory) throw new UsageError(`${option} needs a file, but ${path} is a directory`);
    if (!info) {
      const folder = full.slice(0, full.lastIndexOf("/")) || "/";
      const dir = statOrNull(folder);
      if (dir !== "unknown" && !dir?.isDirectory) {
        throw new UsageError(`${option} ${path}: the folder ${folder} does not exist`);
      }
    }
  }
}

/** Alert fields every monitor offers (computed by the runtime). */
export const COMMON_ALERT_FIELDS = ["events_per_second", "latency_p99", "malformed", "reconnects"] as const;

/**
 * Refuses an `--alert` rule whose field the monitor does not have (it would
 * never fire). `fields` may end in `.*` to allow a family (`workers.*`).
 * Throws a {@link UsageError} that lists the fields.
 */
export function checkAlertFields(rules: { text: string; field: string }[], fields: readonly string[]): void {
  const all = [...fields, ...COMMON_ALERT_FIELDS];
  const known = (field: string) =>
    all.some((f) => f.endsWith(".*") ? field.startsWith(f.slice(0, -1)) && field.length > f.length - 1 : f === field);
  for (const rule of rules) {
    if (!known(rule.field)) {
      throw new UsageError(
        `--alert ${rule.text}: this monitor has no field '${rule.field}'; fields: ${all.join(", ")}`,
      );
    }
  }
}

/**
 * Throws a {@link UsageError} unless `path` starts like a recording or a
 * monitor's JSON-lines output (its first 64 KiB are read).
 */
export function checkRecording(path: string): void {
  let head: string;
  try {
    const file = Deno.openSync(path, { read: true });
    const buffer = new Uint8Array(64 * 1024);
    const n = file.readSync(buffer) ?? 0;
    file.close();
    head = new TextDecoder().decode(buffer.subarray(0, n));
  } catch (error) {
    throw new UsageError(`--replay ${path}: ${error instanceof Error ? error.message : error}`);
  }
  const lines = head.split("\n").slice(0, -1).filter((l) => l.trim() !== "");
  if (lines.length === 0 && head.trim() !== "") lines.push(head);
  if (lines.length === 0) throw new UsageError(`--replay ${path}: the file is empty`);
  const usable = lines.some((line) => {
    try {
      return frameOf(JSON.parse(line)) !== null;
    } catch {
      return false;
    }
  });
  if (!usable) {
    throw new UsageError(
      `--replay ${path} is not a recording: expected JSON lines {t, service, frame} written by --record ` +
        `(or a monitor's --json output)`,
    );
  }
}
