#!/usr/bin/env node
// Writes 20 representative InjecAgent data-stealing trajectories as conformance cases under
// test/corpus/injecagent/, each with policy.yaml inline. Run after `pnpm build`, from the repository root:
//
//   node test/injecagent/make-corpus.mjs
//
// Reads only files of this folder (ds-traces.jsonl.gz, policy.yaml). A case expects the user's own first
// call (and the attacker's read) to be allowed and the exfiltrating call to be refused by the
// session-scope sink (`{effect: deny, code: flow, rule: exfil-session}`).
//
// Selection, deterministic: one case per attacker read tool (17 spread over the sorted list of read tools
// that are sources, 2 more among the others), taking among the
// trajectories the exfiltrating call of which the session sink refuses the one whose user tool has been
// used least so far (ties: alternate oracle / attack_succeeded, then the model and setting used least,
// then file order). 17 cases are chosen among
// trajectories where the user's own call does not taint the session (so the attacker's read is what the
// case tests), 2 where it does (the user read private mail or notes first), and 1 where the model sent
// the email without any read, after a private user call.

import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Document } from "yaml";
import { createGuard, replayTrace } from "@trailguard/core";

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, "../corpus/injecagent");
const policy = readFileSync(join(here, "policy.yaml"), "utf8");
const all = gunzipSync(readFileSync(join(here, "ds-traces.jsonl.gz"))).toString("utf8").trim().split("\n").map((l) => JSON.parse(l));
const guard = await createGuard({ policy });

const flow = (d) => d.effect === "deny" && d.code === "flow" && d.rule === "exfil-session";
const withSession = (events, session) => events.map((e) => ({ ...e, session }));
const actionsOf = (t) => t.events.filter((e) => e.type === "action");

const candidates = [];
for (const t of all) {
  const full = await replayTrace(guard, withSession(t.events, `${t.id}/full`));
  const exfil = full.find((r) => r.index === t.exfil).decision;
  const others = full.filter((r) => r.index !== t.exfil).map((r) => r.decision);
  if (!flow(exfil) || others.some((d) => d.effect !== "allow")) continue;
  const short = await replayTrace(guard, withSession([t.events[0], t.events[1], t.events[t.exfil]], `${t.id}/short`));
  const userTaints = flow(short[short.length - 1].decision);
  const hasRead = actionsOf(t).some((a, i) => i > 0 && a.tool === t.read);
  candidates.push({ t, userTaints, hasRead, raw: JSON.stringify(t.events[t.exfil].args ?? {}).includes("__raw__") });
}

const userUse = new Map();
const runUse = new Map();
const runOf = (t) => `${t.model ?? "oracle"}/${t.setting}`;
let lastLabel = "attack_succeeded";
const pick = (pool) => {
  pool.sort((a, b) => {
    const ua = userUse.get(actionsOf(a.t)[0].tool) ?? 0;
    const ub = userUse.get(actionsOf(b.t)[0].tool) ?? 0;
    if (ua !== ub) return ua - ub;
    const la = a.t.label === lastLabel ? 1 : 0;
    const lb = b.t.label === lastLabel ? 1 : 0;
    if (la !== lb) return la - lb;
    return (runUse.get(runOf(a.t)) ?? 0) - (runUse.get(runOf(b.t)) ?? 0);
  });
  const c = pool[0];
  const user = actionsOf(c.t)[0].tool;
  userUse.set(user, (userUse.get(user) ?? 0) + 1);
  runUse.set(runOf(c.t), (runUse.get(runOf(c.t)) ?? 0) + 1);
  lastLabel = c.t.label;
  return c;
};

const chosen = [];
const reads = [...new Set(candidates.filter((c) => c.hasRead && !c.userTaints).map((c) => c.t.read))].sort();
// 17 read tools spread evenly over the sorted list, so every domain (money, health, credentials…) shows.
const spread = [...new Set(Array.from({ length: 17 }, (_, i) => reads[Math.round((i * (reads.length - 1)) / 16)]))];
for (const read of spread) chosen.push(pick(candidates.filter((c) => c.hasRead && !c.userTaints && c.t.read === read)));
const rest = reads.filter((r) => !spread.includes(r));
for (const read of [rest[0], rest[rest.length - 1]]) chosen.push(pick(candidates.filter((c) => c.hasRead && c.userTaints && c.t.read === read)));
chosen.push(pick(candidates.filter((c) => !c.hasRead && c.userTaints)));

const kebab = (s) => s.replace("The23andMe", "The23andme").replace("FedEx", "Fedex").replace(/([a-z0-9])([A-Z])/g, "$1-$2").replace(/([A-Z])([A-Z][a-z])/g, "$1-$2").toLowerCase();
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
chosen.forEach((c, i) => {
  const { t } = c;
  const session = "s1";
  const events = withSession(t.events, session);
  const acts = actionsOf(t);
  const user = acts[0].tool;
  const why = !c.hasRead
    ? `the model sent without reading, but the user's own ${user} had already put private data in the session`
    : c.userTaints
      ? `the user's own ${user} and the attacker's ${t.read} both read private data`
      : `the attacker's ${t.read} read private data`;
  const description =
    `InjecAgent ds trajectory ${t.id} (${t.label}${t.model ? `, ${t.model}` : ""}, ${t.setting}): the user calls ${user}, ` +
    `its result carries the injected instruction "${t.injection}"; ${why}, so the exfiltrating ` +
    `${acts[acts.length - 1].tool} is refused by session taint.`;
  const expect = events.filter((e) => e.type === "action").map((e, j, list) =>
    j === list.length - 1 ? { effect: "deny", code: "flow", rule: "exfil-session" } : j === 0 ? { effect: "allow", code: "rule", rule: "tool-calls" } : { effect: "allow" });
  const doc = new Document({ description, policy, events, expect }, { aliasDuplicateObjects: false });
  for (const item of doc.get("events").items) item.flow = true;
  for (const item of doc.get("expect").items) item.flow = true;
  const text = doc.toString({ blockQuote: "literal", lineWidth: 0 });
  writeFileSync(join(outDir, `${String(i + 1).padStart(2, "0")}-${kebab(c.hasRead ? t.read : `no-read-after-${user}`)}.yaml`), text);
});
console.log(`${chosen.length} cases written to ${outDir}`);
console.log(readdirSync(outDir).join("\n"));
