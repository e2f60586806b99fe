// Finds a Chromium to drive: `TRAILGUARD_CHROMIUM`, or the Debian package's binary. Nothing here
// downloads a browser.
import { existsSync } from "node:fs";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/lib/chromium/chromium"];

/**
 * The path of a Chromium executable, or undefined when none is installed.
 *
 * @example
 * const executablePath = findChromium(); // "/usr/bin/chromium" after `apt-get install chromium`
 */
export function findChromium() {
  const set = process.env.TRAILGUARD_CHROMIUM;
  if (set) return set;
  return CANDIDATES.find((p) => existsSync(p));
}

/**
 * Opens the page at `url` in headless Chromium and returns what its agent reported.
 *
 * @example
 * const { ok, steps } = await runPage(executablePath, site.url);
 */
export async function runPage(executablePath, url) {
  const { chromium } = await import("playwright-core");
  // Containers run as root without user namespaces, where Chromium's sandbox cannot start.
  const browser = await chromium.launch({ executablePath, headless: true, args: ["--no-sandbox"] });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(url);
    const result = await page.waitForFunction(() => window.trailguardRun, null, { timeout: 30_000 }).then(() => page.evaluate(() => window.trailguardRun));
    return { ...result, pageErrors: errors, userAgent: await page.evaluate(() => navigator.userAgent) };
  } finally {
    await browser.close();
  }
}
