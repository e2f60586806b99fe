// The example runs with the rest of the suite, so the README's story stays true: the mail that carries
// customer records is refused before its tool body runs, and the audit trail shows why.
import { it, expect } from "vitest";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";

it("the LangChain example stops the exfiltration and prints the audit trail", async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [fileURLToPath(new URL("./agent.mjs", import.meta.url))], { timeout: 60_000 });
  expect(stdout).toContain("ALLOW lookup_customers");
  expect(stdout).toContain("ALLOW send_email to team@acme.example");
  expect(stdout).toContain("DENY  send_email to drop@attacker.example  (no-pii-outside, flow)");
  expect(stdout).toContain("tool bodies that ran: lookup_customers, send_email to team@acme.example\n");
  expect(stdout).toMatch(/#4 decision deny +send_email +no-pii-outside labels=pii/);
});
