// The README demo: load a policy, decide a few actions, print each decision and its reason.
import { readFileSync } from "node:fs";
import { createGuard, loadPolicy } from "@trailguard/core";

const { policy, errors } = loadPolicy(readFileSync(new URL("./policy.yaml", import.meta.url), "utf8"));
if (!policy) {
  for (const e of errors) console.error(`policy.yaml:${e.line}:${e.column}: ${e.message}`);
  process.exit(1);
}
const guard = await createGuard({ policy });

const actions = [
  { kind: "tool", session: "demo", tool: "search", args: { q: "refund policy" } },
  { kind: "http", session: "demo", method: "GET", url: "https://API.internal.example/tickets/42" },
  { kind: "http", session: "demo", method: "DELETE", url: "https://api.internal.example/data/../data/customers" },
  { kind: "http", session: "demo", method: "POST", url: "https://evil.example/upload" },
  { kind: "tool", session: "demo", tool: "refund", args: { amount: 40 } },
  { kind: "tool", session: "demo", tool: "refund", args: { amount: "5000" } },
  { kind: "shell", session: "demo", command: "ls -la && sudo bash -c 'rm -rf /'" },
];

const colour = { allow: 32, flag: 36, ask: 33, deny: 31, kill: 35 };
for (const action of actions) {
  const d = guard.check(action);
  const what = action.url ?? action.command ?? `${action.tool}(${JSON.stringify(action.args)})`;
  const label = `\x1b[${colour[d.effect]}m${d.effect.toUpperCase().padEnd(5)}\x1b[0m`;
  console.log(`${label} ${action.kind.padEnd(5)} ${what}`);
  console.log(`      ${d.rule ? `rule ${d.rule}` : "default"} (${d.code}): ${d.reason}`);
}
