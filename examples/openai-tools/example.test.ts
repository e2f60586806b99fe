// The example runs as `pnpm start` does, so what it prints (and what it proves) stays true.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";

it("the exfiltration attempt is stopped: the read runs, the mail never goes out, and the audit trail shows both", async () => {
  const cwd = fileURLToPath(new URL(".", import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, ["main.mjs"], { cwd, timeout: 20_000 });
  const text = stdout.replace(/\x1b\[[0-9;]*m/g, "");
  expect(text).toContain("ALLOW read_customers  crm-reads (rule)");
  expect(text).toContain("DENY  send_email  no-pii-egress (flow) labels=pii");
  expect(text).toContain("emails sent: 0");
  expect(text).toMatch(/#2 support-42 decision send_email → deny no-pii-egress \(flow\)/);
});
