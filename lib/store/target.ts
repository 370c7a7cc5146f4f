/**
 * Where events are stored: `--store events.db`, `sqlite:PATH` or
 * `postgres://user@host:port/db`.
 *
 * @module
 */

/** A parsed `--store` value. */
export type StoreTarget =
  | { kind: "sqlite"; path: string; label: string }
  | { kind: "postgres"; url: string; label: string; host: string };

/**
 * Parses a `--store` value: a path ending in `.db`/`.sqlite`/`.sqlite3`, or
 * `sqlite:PATH`, is SQLite; `postgres://` or `postgresql://` is PostgreSQL.
 * The label (for messages) never contains a password.
 */
export function parseStoreTarget(value: string): StoreTarget {
  const v = value.trim();
  if (/^postgres(ql)?:\/\//i.test(v)) {
    let url: URL;
    try {
      url = new URL(v);
    } catch {
      throw new TypeError(`Cannot use store as the PostgreSQL URL is invalid: current value is ${redact(v)}`);
    }
    if (!url.hostname) {
      throw new TypeError(`Cannot use store as the PostgreSQL URL has no host: current value is ${redact(v)}`);
    }
    const safe = new URL(url.href);
    safe.password = "";
    return { kind: "postgres", url: url.href, label: safe.href, host: url.hostname.replace(/^\[|\]$/g, "") };
  }
  const path = v.startsWith("sqlite:") ? v.slice("sqlite:".length) : v;
  if (v.startsWith("sqlite:") ? path !== "" : /\.(db|sqlite3?)$/i.test(path)) {
    return { kind: "sqlite", path, label: path };
  }
  throw new TypeError(
    `Cannot use store as it is neither a .db/.sqlite file, sqlite:PATH nor postgres://: current value is ${redact(v)}`,
  );
}

function redact(value: string): string {
  return value.replace(/\/\/([^:/@]*):[^@/]*@/, "//$1:***@");
}

/** True when `value` names a store (`.db`, `.sqlite`, `sqlite:`, `postgres://`) rather than a `--record` file. */
export function isStoreTarget(value: string): boolean {
  try {
    parseStoreTarget(value);
    return true;
  } catch {
    return false;
  }
}
