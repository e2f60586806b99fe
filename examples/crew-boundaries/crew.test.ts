// The example runs with the rest of the suite, so its story stays true: the hand-off of customer data is
// refused before the researcher runs, harmless delegation and browsing run, and the researcher cannot
// read customer data.
import { it, expect } from "vitest";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";

it("the crew example refuses the labelled hand-off and the out-of-scope tool, and runs the rest", async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [fileURLToPath(new URL("./crew.mjs", import.meta.url))], { timeout: 60_000 });
  expect(stdout).toContain("ALLOW tool     analyst read_customers  (analyst-reads-customers)");
  expect(stdout).toContain("DENY  delegate analyst → researcher   (no-pii-to-researcher, labels=pii)");
  expect(stdout).toContain("ALLOW delegate analyst → researcher   (hand-offs)");
  expect(stdout).toContain("ALLOW tool     researcher browse  (researcher-browses)");
  expect(stdout).toContain("researcher: read_customers: trailguard denied the action `read_customers` (default)");
  expect(stdout).toContain('tool bodies that ran: read_customers; researcher works on "find press on ACME"; browse https://search.example/?q=acme\n');
});
