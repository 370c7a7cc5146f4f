/** How healthy a monitored thing is, for colour-coding: the model decides, the views paint. @module */

/** Health levels: `ok`, `warning`, `error`, or `unknown` before any data. */
export type Health = "ok" | "warning" | "error" | "unknown";
