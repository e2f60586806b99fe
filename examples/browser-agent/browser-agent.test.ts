// The browser claim, tested in real Chromium (Debian's `chromium`, driven by playwright-core): the page's
// agent loop runs on the browser bundle; its allowed requests reach the local server, and its denied
// requests never do — the server's log is the proof.
import { describe, it, expect } from "vitest";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
// @ts-expect-error: plain ESM modules of the example, without type declarations
import { startSite } from "./server.mjs";
// @ts-expect-error: as above
import { findChromium, runPage } from "./chromium.mjs";

const chromium: string | undefined = findChromium();
// CI installs Chromium and sets TRAILGUARD_REQUIRE_BROWSER, so a missing browser fails there; on a
// developer machine without it, these tests are skipped and say why.
if (!chromium && process.env.TRAILGUARD_REQUIRE_BROWSER) throw new Error("TRAILGUARD_REQUIRE_BROWSER is set and no Chromium was found (apt-get install chromium, or set TRAILGUARD_CHROMIUM)");
const reason = chromium ? "" : " (skipped: no Chromium installed; `apt-get install chromium` or set TRAILGUARD_CHROMIUM)";

interface Step { goal: string; method: string; url: string; outcome: "allowed" | "denied"; status?: number; error?: string; code?: string; rule?: string; message?: string }

describe.skipIf(!chromium)(`a browser agent in headless Chromium${reason}`, () => {
  it("allowed requests reach the server; denied ones never leave the page", async () => {
    const site = await startSite();
    try {
      const run = await runPage(chromium, site.url);
      expect(run.pageErrors).toEqual([]);
      expect(run.ok, run.error).toBe(true);
      expect(run.userAgent).toContain("HeadlessChrome");
      const steps = run.steps as Step[];
      expect(steps.map((s) => [s.method, s.url, s.outcome, s.rule ?? s.code ?? null])).toEqual([
        ["GET", "/api/weather?city=Paris", "allowed", null],
        ["GET", "https://collector.example/c?d=session", "denied", "default"],
        ["GET", "/api/customers", "allowed", null],
        ["POST", "/api/upload", "denied", "no-pii-posted"],
        ["GET", "/api/weather?city=Oslo", "allowed", null],
      ]);
      // The denial is fetch's own kind of failure, a TypeError subclass, with the guard's reason.
      const upload = steps[3]!;
      expect(upload.error).toBe("FetchDeniedError");
      expect(upload.message).toContain("customer records were read in this session");
      // The proof: the server saw the allowed requests, in order, and never the upload.
      expect(site.log.map((l: { method: string; path: string }) => `${l.method} ${l.path}`)).toEqual([
        "GET /api/weather?city=Paris",
        "GET /api/customers",
        "GET /api/weather?city=Oslo",
      ]);
    } finally {
      await site.close();
    }
  }, 60_000);

  it("`pnpm start` drives the page once, prints the decisions and the server's log, and exits", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [fileURLToPath(new URL("./start.mjs", import.meta.url))], { timeout: 60_000 });
    expect(stdout).toContain("DENY  POST /api/upload  (no-pii-posted)");
    expect(stdout).toContain("requests that reached the server:\n  GET  /api/weather?city=Paris\n  GET  /api/customers\n  GET  /api/weather?city=Oslo\n");
  }, 60_000);
});
