// A crew of two, guarded by trailguard through the structural `guardCrew` interface. There is no model: the
// agents are scripted. The analyst reads customer records, then tries to hand them to the researcher
// (refused at the hand-off, by a flow sink: the records are labelled pii), then delegates harmless work
// (allowed), on which the researcher browses. Finally the researcher tries to read customer records itself
// (refused: per-agent tool scopes are rules on `action.agent`). Run it with `pnpm start` (after `pnpm build` at the repository's root).

import { readFileSync } from "node:fs";
import { createGuard } from "@trailguard/core";
import { guardCrew, DELEGATE_WORK } from "@trailguard/crewai";

const policy = readFileSync(new URL("./policy.yaml", import.meta.url), "utf8");
const guard = await createGuard({ policy });

// Tool bodies: only they know whether they ran.
const ran = [];
const tools = {
  read_customers: () => {
    ran.push("read_customers");
    return "Customer alice@example.com, account cust8812734, plan gold";
  },
  browse: ({ url }) => {
    ran.push(`browse ${url}`);
    return `<html>results for ${url}</html>`;
  },
};

const crew = guardCrew(guard, {
  session: "crew-run-1",
  agents: [{ role: "analyst", tools: ["read_customers"] }, { role: "researcher", tools: ["browse"] }],
  tools,
  // The researcher's scripted work on a delegated task.
  delegate: async ({ to, text }) => {
    ran.push(`${to} works on "${text}"`);
    const browse = crew.toolsFor(to)["browse"];
    show(`${to}: browse`, await browse({ url: "https://search.example/?q=acme" }));
    return "two articles on ACME";
  },
  onDecision: (d, a) => console.log(`${d.effect.toUpperCase().padEnd(5)} ${a.kind.padEnd(8)} ${a.agent}${a.target ? ` → ${a.target}` : ""} ${a.tool ?? ""}  (${d.rule ?? d.code}${d.labels ? `, labels=${d.labels.join(",")}` : ""})`),
});

function show(what, out) {
  console.log(`        ${what}: ${String(out).slice(0, 110)}`);
}

const rows = await crew.tool("analyst", "read_customers");
show("analyst: read_customers", rows);
const delegate = crew.coworkerTools("analyst")[DELEGATE_WORK];
show("analyst: delegate with the records", await delegate({ coworker: "researcher", task: "find press on these accounts", context: String(rows) }));
show("analyst: delegate without them", await delegate({ coworker: "researcher", task: "find press on ACME", context: "ACME is a prospect" }));
// The researcher holds no `read_customers` tool in this crew; declare it and the policy still refuses it.
const open = guardCrew(guard, { session: "crew-run-1", agents: ["researcher"], tools });
show("researcher: read_customers", await open.tool("researcher", "read_customers"));
console.log(`\ntool bodies that ran: ${ran.join("; ")}`);
