/**
 * Whether a host name is this machine: `localhost`, an address in
 * 127.0.0.0/8, or `::1` (bracketed or not). One rule for every check that
 * depends on it: a token over plain `ws://`, and the browser view's
 * listening address and `Host` header.
 *
 * @module
 */

/** True for `localhost`, `127.x.y.z` and `::1` / `[::1]` (case-insensitive); nothing else. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
