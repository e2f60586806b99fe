// `pnpm start`: serves the example site, drives its page once in headless Chromium, prints each request
// the agent tried with the guard's decision and the requests that reached the server, and exits.
// `pnpm start --serve`: keeps the site up for a person to open in a browser.
import { startSite } from "./server.mjs";
import { findChromium, runPage } from "./chromium.mjs";

const site = await startSite(process.argv.includes("--serve") ? 8790 : 0);
if (process.argv.includes("--serve")) {
  console.log(`serving ${site.url} — open it in a browser; Ctrl-C stops`);
} else {
  try {
    const chromium = findChromium();
    if (!chromium) {
      console.error("no Chromium found: install Debian's `chromium` (apt-get install chromium) or set TRAILGUARD_CHROMIUM");
      process.exitCode = 2;
    } else {
      const run = await runPage(chromium, site.url);
      if (!run.ok) throw new Error(run.error);
      console.log(`the agent in ${run.userAgent.match(/HeadlessChrome\/[\d.]+/)?.[0] ?? "Chromium"}:`);
      for (const s of run.steps) {
        console.log(`  ${s.outcome === "allowed" ? "ALLOW" : "DENY "} ${s.method.padEnd(4)} ${s.url}${s.outcome === "denied" ? `  (${s.rule ?? s.code})` : ""}`);
      }
      console.log("requests that reached the server:");
      for (const l of site.log) console.log(`  ${l.method.padEnd(4)} ${l.path}`);
    }
  } finally {
    await site.close();
  }
}
