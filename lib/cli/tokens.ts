/**
 * Which token goes to which service. Each service has its own source
 * (`--token-*` for Mahavishnu, `--pool-token-*`, `--akosha-token-*`); a
 * service that was given none gets none, and a token never travels over
 * plain `ws://` to a host that is not on this machine unless the operator
 * says `--allow-insecure-token`.
 *
 * @module
 */

import { readToken, type TokenOptions } from "./cli.ts";
import { ConfigError } from "./usage.ts";
import { isLoopback } from "../transport/loopback.ts";

/** Where one service's token comes from. */
export interface TokenSource extends TokenOptions {
  /** The service, for messages (`Akosha`). */
  service: string;
  /** The option prefix, for messages (`--akosha-token-env`). */
  prefix: string;
  /** Whether the default `MAHAVISHNU_TOKEN` applies when neither option is given. */
  useDefault: boolean;
}

/** Reads the token for one service; undefined when it was given no source. */
export function serviceToken(source: TokenSource): string | undefined {
  if (!source.tokenEnv && !source.tokenFile && !source.useDefault) return undefined;
  return readToken(source);
}

/**
 * Throws a {@link ConfigError} when a token would go over plain `ws://` to a
 * host outside this machine (anyone on the path could read it), unless allowed.
 */
export function checkTokenTransport(
  service: { name: string; host: string; tls: boolean; token: string | undefined },
  allowInsecure: boolean,
): void {
  if (!service.token || service.tls || allowInsecure || isLoopback(service.host)) return;
  throw new ConfigError(
    `refusing to send a token over plain ws:// to ${service.host} (${service.name}): anyone on the network path ` +
      `could read it; use --tls (wss://), or --allow-insecure-token if the network is trusted`,
  );
}
