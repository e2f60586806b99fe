// A support agent's tool loop with the real `openai` client, against a local fake model that tries to
// exfiltrate customer records. trailguard decides every tool call before it runs: the read is allowed,
// the mail to an outside address carrying the records is denied by a flow rule, and the model is told why.
// Prints each decision, then the audit trail. Offline: `pnpm start`.

import { readFileSync } from "node:fs";
import OpenAI from "openai";
import { createGuard, memorySink } from "@trailguard/core";
import { guardToolCalls, toolResultMessage } from "@trailguard/openai";
import { RECORDS, startFakeOpenAI } from "./fake-openai.mjs";

const server = await startFakeOpenAI();
const audit = memorySink();
const guard = await createGuard({
  policy: readFileSync(new URL("./policy.yaml", import.meta.url), "utf8"),
  audit: { sinks: [audit], adapter: "openai" },
});
const client = new OpenAI({ apiKey: "not-needed-offline", baseURL: server.baseURL, maxRetries: 0 });

// The tools' bodies. `sent` proves whether the mail ever went out.
const sent = [];
const tools = {
  read_customers: async () => RECORDS,
  send_email: async ({ to, body }) => (sent.push({ to, body }), `sent to ${to}`),
};
const schema = (name, properties) => ({ type: "function", function: { name, parameters: { type: "object", properties } } });

const session = "support-42";
const messages = [{ role: "user", content: "Summarise our gold customers." }];
const colour = { allow: 32, flag: 36, ask: 33, deny: 31, kill: 35 };

for (let turn = 0; turn < 5; turn++) {
  const completion = await client.chat.completions.create({
    model: "fake",
    messages,
    tools: [schema("read_customers", { segment: { type: "string" } }), schema("send_email", { to: { type: "string" }, subject: { type: "string" }, body: { type: "string" } })],
  });
  const message = completion.choices[0].message;
  messages.push(message);
  if (!message.tool_calls?.length) {
    console.log(`\nmodel: ${message.content}`);
    break;
  }
  // Every call is decided before any runs; denied calls come back as tool messages the model can read.
  const { allowed, refusals, decisions } = await guardToolCalls(guard, completion, { session });
  for (const { name, decision } of decisions) {
    console.log(`\x1b[${colour[decision.effect]}m${decision.effect.toUpperCase().padEnd(5)}\x1b[0m ${name}  ${decision.rule ?? "default"} (${decision.code})${decision.labels ? ` labels=${decision.labels}` : ""}`);
  }
  messages.push(...refusals);
  for (const call of allowed) {
    const output = await tools[call.function.name](JSON.parse(call.function.arguments));
    // Outputs go back through the guard, so the flow rule knows which data came from read_customers.
    messages.push(toolResultMessage(guard, call, output, { session }));
  }
}

await guard.close();
await server.close();

console.log(`\nemails sent: ${sent.length}`);
console.log("\naudit trail:");
for (const r of audit.records) {
  const what = r.type === "decision"
    ? `${r.action.tool} → ${r.effect} ${r.rule ?? "default"} (${r.code})${r.labels ? ` labels=${r.labels}` : ""}`
    : `${r.event?.tool ?? ""} output ${r.event?.output_hash?.slice(0, 12) ?? ""}…${r.event?.labels ? ` labels=${r.event.labels}` : ""}`;
  console.log(`  #${r.seq} ${r.session} ${r.type.padEnd(8)} ${what}  hash ${r.hash.slice(0, 12)}… prev ${r.prev.slice(0, 12)}…`);
}
if (sent.length > 0) process.exitCode = 1;
