#!/usr/bin/env node
// Converts the InjecAgent data-stealing (`ds`) trajectories into trailguard traces for recall.test.ts.
// Run from the repository root when the source data changes (the test itself never reads ../shared):
//
//   node test/injecagent/convert.mjs [SOURCE_DIR]     # default SOURCE_DIR: ../shared/data/injecagent
//
// Reads   SOURCE_DIR/injecagent_trajectories.jsonl.gz and SOURCE_DIR/tools.json
// Writes  test/injecagent/ds-traces.jsonl.gz   one trajectory per line (see below)
//         test/injecagent/tool-names.json      the 330 tool names of tools.json (the test checks that
//                                              every exact tool name in policy.yaml exists)
//
// A trajectory is kept when its `kind` is `ds`, its `label` is `oracle` or `attack_succeeded`, and it
// contains the exfiltrating call: a call of the attack's exfiltration tool (the second attacker tool,
// GmailSendEmail in every ds case) after the user's own first call. Each output line is
//   { id, label, setting, model, read, injection, exfil, events }
// where `read` is the attacker's private-data tool and `injection` the attacker's instruction as injected
// into the user's tool output (both for analysing results only: the policy is derived from the tool specs,
// never from these fields), `exfil` is the index in `events` of the exfiltrating call, and
// `events` is the trace: each call -> {type:"action", kind:"tool", session, tool, args}, each result ->
// {type:"result", session, tool, output}. Arguments are kept as recorded: `null` where the dataset has none
// (oracle trajectories), `{__raw__: "..."}` where the model's arguments did not parse.

import { readFileSync, writeFileSync } from "node:fs";
import { gunzipSync, gzipSync } from "node:zlib";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const src = resolve(process.argv[2] ?? join(here, "../../../shared/data/injecagent"));

const tools = JSON.parse(readFileSync(join(src, "tools.json"), "utf8"));
const names = tools.flatMap((kit) => kit.tools.map((t) => kit.toolkit + t.name)).sort();
writeFileSync(join(here, "tool-names.json"), JSON.stringify(names, null, 0).replace(/,/g, ",\n") + "\n");

const lines = gunzipSync(readFileSync(join(src, "injecagent_trajectories.jsonl.gz"))).toString("utf8").split("\n");
const out = [];
const skipped = { no_exfil: 0 };
let n = 0;
for (const line of lines) {
  if (line.trim() === "") continue;
  const t = JSON.parse(line);
  if (t.kind !== "ds" || (t.label !== "oracle" && t.label !== "attack_succeeded")) continue;
  const exfilTool = t.attacker_tools[t.attacker_tools.length - 1];
  const session = `ia-ds-${n++}`;
  const events = [];
  let exfil = -1;
  let calls = 0;
  for (const s of t.steps) {
    if (s.t === "call") {
      if (calls > 0 && s.fn === exfilTool) exfil = events.length;
      calls++;
      events.push({ type: "action", kind: "tool", session, tool: s.fn, args: s.args ?? null });
    } else {
      events.push({ type: "result", session, tool: s.fn, output: s.out });
    }
  }
  // The trajectories that stop before sending (the model read the data twice, or only read it) have no
  // exfiltrating call to judge.
  if (exfil < 0) {
    skipped.no_exfil++;
    continue;
  }
  out.push({ id: session, label: t.label, setting: t.setting, model: t.model, read: t.attacker_tools[0], injection: t.attacker_instruction, exfil, events });
}

const gz = gzipSync(out.map((o) => JSON.stringify(o)).join("\n") + "\n", { level: 9 });
writeFileSync(join(here, "ds-traces.jsonl.gz"), gz);
console.log(`${out.length} trajectories written (${gz.length} bytes gzipped); skipped ${skipped.no_exfil} ds oracle/attack_succeeded trajectories without an exfiltrating call; ${names.length} tool names`);
