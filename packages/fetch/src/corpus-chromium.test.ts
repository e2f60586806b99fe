// Node and the browser decide alike: every case of the conformance corpus runs through core in Node and
// through the browser bundle (`@trailguard/fetch/browser`, dist/trailguard.browser.js) in headless Chromium,
// with the same driver (corpus-run.test-support.ts), and every decision, recorded result and load error
// must be the same in both, and match the case's expectations in the browser too.
//
// It lives in this package because the bundle is this package's build output and playwright-core is its
// dev dependency; the corpus loader comes from test/, as for this package's own corpus test.
import { describe, it, expect } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as core from "@trailguard/core";
import { compareDecisions, compareIssues, compareResults, type PolicyCase } from "@trailguard/core/testing";
import { loadCorpus, partitionCorpus } from "../../../test/corpus.js";
import { runCorpusCase, type CaseOutcome, type CorpusApi } from "./corpus-run.test-support.js";

/** Debian's Chromium, or TRAILGUARD_CHROMIUM (as examples/browser-agent finds it); nothing is downloaded. */
function findChromium(): string | undefined {
  const set = process.env.TRAILGUARD_CHROMIUM;
  if (set) return set;
  return ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/lib/chromium/chromium"].find((p) => existsSync(p));
}

const chromium = findChromium();
// CI installs Chromium and sets TRAILGUARD_REQUIRE_BROWSER, so a missing browser fails there; on a
// developer machine without it, the test is skipped and says why.
if (!chromium && process.env.TRAILGUARD_REQUIRE_BROWSER) throw new Error("TRAILGUARD_REQUIRE_BROWSER is set and no Chromium was found (apt-get install chromium, or set TRAILGUARD_CHROMIUM)");
const reason = chromium ? "" : " (skipped: no Chromium installed; `apt-get install chromium` or set TRAILGUARD_CHROMIUM)";

const BUNDLE = fileURLToPath(new URL("../dist/trailguard.browser.js", import.meta.url));
/** A made-up origin the page is served from (by request interception: no server, no network). */
const ORIGIN = "http://trailguard.test";

const corpus = loadCorpus();
/**
 * Cases the browser cannot run, and why. None today: the corpus uses only core's browser API (policies
 * as text or objects, traces, plans verified with the pure-JS Ed25519). A case that must be left out
 * gets its reason here, and the count below keeps the whole corpus accounted for.
 */
const { routed, skipped, summary } = partitionCorpus(corpus, () => undefined);

/** Runs `cases` in the bundle inside Chromium, with the runner's own source. */
async function runInChromium(executablePath: string, cases: readonly PolicyCase[]): Promise<{ outcomes: CaseOutcome[]; userAgent: string; pageErrors: string[] }> {
  const { chromium: launcher } = await import("playwright-core");
  // Containers run as root without user namespaces, where Chromium's sandbox cannot start.
  const browser = await launcher.launch({ executablePath, headless: true, args: ["--no-sandbox"] });
  try {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(String(e)));
    const bundle = readFileSync(BUNDLE, "utf8");
    await page.route(`${ORIGIN}/**`, (route) => {
      const url = route.request().url();
      if (url === `${ORIGIN}/trailguard.browser.js`) return route.fulfill({ contentType: "text/javascript", body: bundle });
      if (url === `${ORIGIN}/`) return route.fulfill({ contentType: "text/html", body: "<!doctype html><title>corpus</title>" });
      return route.fulfill({ status: 404, body: "" });
    });
    await page.goto(`${ORIGIN}/`);
    const payload = { source: runCorpusCase.toString(), cases: cases.map((c) => ({ name: c.name, policy: c.policy, events: c.events })), bundle: `${ORIGIN}/trailguard.browser.js` };
    const outcomes = await page.evaluate(async ({ source, cases: all, bundle: url }) => {
      // Built from text, so that the test runner's module rewriting cannot reach into the page's code.
      const api = await (new Function("u", "return import(u)") as (u: string) => Promise<unknown>)(url);
      // The driver's own text, so the page runs exactly what Node runs.
      const run = new Function(`return (${source})`)() as (api: unknown, c: unknown) => Promise<unknown>;
      const out: unknown[] = [];
      for (const c of all) out.push(await run(api, c));
      return out;
    }, payload);
    return { outcomes: outcomes as CaseOutcome[], userAgent: await page.evaluate(() => navigator.userAgent), pageErrors };
  } finally {
    await browser.close();
  }
}

describe.skipIf(!chromium)(`the whole corpus decides alike in Node and in Chromium${reason}`, () => {
  it("runs every case, or says why not", () => {
    expect(routed.length + [...skipped.values()].reduce((a, b) => a + b, 0)).toBe(corpus.length);
    expect(summary("; ")).toBe("");
  });

  it("gives the same decisions, results and load errors", async () => {
    expect(existsSync(BUNDLE), `${BUNDLE} is missing: build first (pnpm build)`).toBe(true);
    const node: CaseOutcome[] = [];
    for (const c of routed) node.push(await runCorpusCase(core as unknown as CorpusApi, c));
    const browser = await runInChromium(chromium!, routed);
    expect(browser.pageErrors).toEqual([]);
    expect(browser.userAgent).toContain("HeadlessChrome");
    expect(browser.outcomes).toHaveLength(routed.length);
    // Named first (a short list to read), then the first few whole, Node's and Chromium's side by side.
    const differing = routed.flatMap((_, i) => (JSON.stringify(browser.outcomes[i]) !== JSON.stringify(node[i]) ? [i] : []));
    const shown = differing.slice(0, 3).map((i) => ({ node: node[i], chromium: browser.outcomes[i] }));
    expect(differing.map((i) => routed[i]!.name), JSON.stringify(shown, null, 1)).toEqual([]);
    expect(browser.outcomes).toEqual(node);
    // The browser's answers are also the corpus's: the same comparison `runCase` makes in Node.
    const failures = routed.flatMap((c, i) => {
      const o = browser.outcomes[i]!;
      if (c.expectErrors) return compareIssues(c, (o.errors ?? []) as Parameters<typeof compareIssues>[1]);
      return [...compareDecisions(c, (o.decisions ?? []) as Parameters<typeof compareDecisions>[1]), ...compareResults(c, (o.results ?? []) as Parameters<typeof compareResults>[1])];
    });
    expect(failures).toEqual([]);
  }, 120_000);
});
