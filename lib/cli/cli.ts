/**
 * Shared command-line pieces: option parsers that give clear messages, and
 * reading the auth token and CA file for the connection.
 *
 * @module
 */

import { InvalidArgumentError } from "commander";

/** Version printed by `--version`. */
export const VERSION = "0.1.0";

/** Parses the port of a server to connect to (1–65535). */
export function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) {
    throw new InvalidArgumentError(`a port is a whole number from 1 to 65535: current value is ${value}`);
  }
  return n;
}

/** Parses a port to listen on (0–65535; 0 picks a free one). */
export function parseListenPort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) {
    throw new InvalidArgumentError(`a port is a whole number from 0 to 65535: current value is ${value}`);
  }
  return n;
}

/** Parses a positive whole number. */
export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) {
    throw new InvalidArgumentError(`expected a whole number of at least 1: current value is ${value}`);
  }
  return n;
}

/** A parser for a whole number from `min` to `max`. */
export function intInRange(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < min || n > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}: current value is ${value}`);
    }
    return n;
  };
}

/** Parses a positive number. */
export function parsePositive(value: string): number {
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) {
    throw new InvalidArgumentError(`expected a positive number: current value is ${value}`);
  }
  return n;
}

/** A parser for a number greater than 0 and at most `max`. */
export function positiveUpTo(max: number): (value: string) => number {
  return (value) => {
    const n = parsePositive(value);
    if (n > max) {
      throw new InvalidArgumentError(`expected a number above 0 and at most ${max}: current value is ${value}`);
    }
    return n;
  };
}

/** Parses a duration such as `100ms`, `2s` or `250` (ms). */
export function parseDurationMs(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`expected a duration like 100ms or 2s: current value is ${value}`);
  const n = Number(m[1]) * (m[2] === "s" ? 1000 : m[2] === "m" ? 60_000 : 1);
  if (!(n > 0)) throw new InvalidArgumentError(`expected a positive duration: current value is ${value}`);
  return n;
}

/** A parser for a duration from `minMs` to `maxMs`. */
export function durationInRange(minMs: number, maxMs: number): (value: string) => number {
  const show = (ms: number) => ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
  return (value) => {
    const n = parseDurationMs(value);
    if (n < minMs || n > maxMs) {
      throw new InvalidArgumentError(
        `expected a duration from ${show(minMs)} to ${show(maxMs)}: current value is ${value}`,
      );
    }
    return n;
  };
}

/** Builds `ws://host:port` or `wss://host:port` (IPv6 hosts bracketed). */
export function serverUrl(host: string, port: number, tls: boolean): string {
  const h = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return `${tls ? "wss" : "ws"}://${h}:${port}`;
}

/** Options naming where the token comes from. */
export interface TokenOptions {
  /** Name of an environment variable that holds the token. */
  tokenEnv?: string;
  /** A file whose first line is the token. */
  tokenFile?: string;
}

/**
 * Reads the auth token from `--token-file` or the variable named by
 * `--token-env` (default `MAHAVISHNU_TOKEN`, when readable). The token is
 * never taken from the command line, so it does not show in `ps`.
 */
export function readToken(options: TokenOptions): string | undefined {
  if (options.tokenFile) {
    const text = Deno.readTextFileSync(options.tokenFile).split(/\r?\n/)[0].trim();
    if (!text) throw new TypeError(`Cannot read token as the file is empty: current value is ${options.tokenFile}`);
    return text;
  }
  const name = options.tokenEnv ?? "MAHAVISHNU_TOKEN";
  // Never trigger Deno's interactive permission prompt for the default variable.
  if (!options.tokenEnv && Deno.permissions.querySync({ name: "env", variable: name }).state !== "granted") {
    return undefined;
  }
  try {
    const value = Deno.env.get(name)?.trim();
    if (options.tokenEnv && !value) {
      throw new TypeError(`Cannot read token as environment variable ${name} is empty or unset`);
    }
    return value || undefined;
  } catch (error) {
    if (error instanceof TypeError) throw error;
    if (options.tokenEnv) {
      throw new TypeError(`Cannot read token as reading ${name} is not permitted: run with --allow-env=${name}`);
    }
    return undefined;
  }
}

/** Reads a PEM CA file for `wss://`. */
export function readCaFile(path: string | undefined): string[] | undefined {
  if (!path) return undefined;
  const pem = Deno.readTextFileSync(path);
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
    throw new TypeError(`Cannot use CA file as it holds no PEM certificate: current value is ${path}`);
  }
  return [pem];
}
