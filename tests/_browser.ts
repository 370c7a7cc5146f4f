/**
 * A real headless Chromium for browser tests, driven over the DevTools
 * protocol with puppeteer-core: Debian's `/usr/bin/chromium` (or
 * `CHROMIUM_PATH`), a fresh profile per launch. Under `CI=true` a missing
 * Chromium fails the tests instead of skipping them.
 *
 * @module
 */

import puppeteer, { type Browser } from "puppeteer-core";

/** The Chromium executable tests use. */
export const CHROMIUM_PATH = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";

/** True when Chromium is installed. */
export function chromiumInstalled(): boolean {
  try {
    return Deno.statSync(CHROMIUM_PATH).isFile;
  } catch {
    return false;
  }
}

/** Skip browser tests only outside CI when Chromium is missing. */
export const SKIP_BROWSER = !chromiumInstalled() && Deno.env.get("CI") !== "true";

/** A launched browser and its throwaway profile. */
export interface TestBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/** Launches headless Chromium with a fresh `--user-data-dir`; throws a clear error when missing. */
export async function launchBrowser(): Promise<TestBrowser> {
  if (!chromiumInstalled()) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: install it with apt-get install -y chromium (.ci/run does)`,
    );
  }
  const profile = await Deno.makeTempDir({ prefix: "mv-chromium-" });
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--no-sandbox",
      "--headless",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
      "--disable-background-timer-throttling",
      "--disable-renderer-backgrounding",
      "--disable-backgrounding-occluded-windows",
      `--user-data-dir=${profile}`,
    ],
    userDataDir: profile,
    defaultViewport: { width: 1920, height: 1080 },
  });
  return {
    browser,
    async close() {
      await browser.close();
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    },
  };
}
