/**
 * The files the page needs, read once at start from `lib/web/assets/` and
 * from uPlot's npm package in `node_modules/` (deno.json sets
 * `"nodeModulesDir": "auto"`; the JSON import below makes `deno run` and
 * `deno install` fetch it). Served from memory under a fixed list of names:
 * no path from a request ever reaches the file system.
 *
 * @module
 */

import uplotPackage from "uplot/package.json" with { type: "json" };

/** One asset ready to serve. */
export interface Asset {
  body: Uint8Array<ArrayBuffer>;
  type: string;
}

/** The uPlot version served (from its package.json). */
export const UPLOT_VERSION: string = uplotPackage.version;

/** Reads every asset; throws a clear error when uPlot is missing from node_modules. */
export function loadAssets(): Map<string, Asset> {
  const own = new URL("./assets/", import.meta.url);
  const uplotDist = new URL("./", import.meta.resolve("uplot"));
  const files: [string, URL, string][] = [
    ["/", new URL("index.html", own), "text/html; charset=utf-8"],
    ["/assets/app.js", new URL("app.js", own), "text/javascript; charset=utf-8"],
    ["/assets/style.css", new URL("style.css", own), "text/css; charset=utf-8"],
    ["/assets/uPlot.iife.min.js", new URL("uPlot.iife.min.js", uplotDist), "text/javascript; charset=utf-8"],
    ["/assets/uPlot.min.css", new URL("uPlot.min.css", uplotDist), "text/css; charset=utf-8"],
  ];
  const assets = new Map<string, Asset>();
  for (const [name, url, type] of files) {
    try {
      assets.set(name, { body: Deno.readFileSync(url) as Uint8Array<ArrayBuffer>, type });
    } catch (error) {
      const hint = url.href.includes("uplot") ? " (run `deno install` in the project to fetch uPlot)" : "";
      throw new Error(`Cannot read the page asset ${url.pathname}${hint}: ${(error as Error).message}`);
    }
  }
  return assets;
}
