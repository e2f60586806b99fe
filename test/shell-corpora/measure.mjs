#!/usr/bin/env node
// Runs every labelled command of the vendored shell corpora (cases.jsonl, made by convert.py) through a guard
// whose policy is only the `essential` pack, and counts recall on the `deny` cases and false positives on the
// `allow` cases, per corpus and per group. recall.test.ts asserts the targets; run this file to print them:
//
//   pnpm build && node test/shell-corpora/measure.mjs            # a table
//   node test/shell-corpora/measure.mjs --json [FILE]             # the figures as JSON (stdout, or FILE)
//
// A command counts as blocked when the decision is `deny`, `ask` or `kill`: all three stop the agent, `ask`
// until a person approves (the essential pack asks where a deletion can be legitimate, docs/evasion.md). The
// figures also say how many blocks were `ask`.

import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createGuard, loadPolicy } from "@trailguard/core";

/** The policy measured: nothing but the essential pack, so every block is the pack's. */
export const POLICY = "version: 1\nname: essential-only\ndefault: allow\nextends: [essential]\n";

const BLOCKING = new Set(["deny", "ask", "kill"]);

/** The vendored cases, in source order (see convert.py for the fields). */
export function loadCases() {
  return readFileSync(new URL("./cases.jsonl", import.meta.url), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l));
}

function tally() {
  return { deny: 0, caught: 0, asked: 0, allow: 0, falsePositives: 0, recall: null, falsePositiveRate: null };
}

function count(t, c) {
  if (c.expected === "deny") {
    t.deny++;
    if (c.blocked) t.caught++;
    if (c.effect === "ask") t.asked++;
  } else {
    t.allow++;
    if (c.blocked) t.falsePositives++;
  }
}

function rates(t) {
  t.recall = t.deny === 0 ? null : t.caught / t.deny;
  t.falsePositiveRate = t.allow === 0 ? null : t.falsePositives / t.allow;
  return t;
}

/**
 * Decides every case and returns the figures: per corpus and per group, and each case with its decision.
 * Excluded cases are decided too (so they are visible) but not counted.
 */
export async function measure() {
  const loaded = loadPolicy(POLICY);
  if (loaded.errors.length > 0) throw new Error(`essential-only policy: ${JSON.stringify(loaded.errors)}`);
  const guard = await createGuard({ policy: loaded.policy });
  const cases = loadCases().map((c, i) => {
    const d = guard.check({ kind: "shell", session: `corpus-${i}`, command: c.command });
    return { ...c, effect: d.effect, rule: d.rule ?? null, code: d.code, blocked: BLOCKING.has(d.effect) };
  });
  const corpora = {};
  for (const c of cases) {
    if (c.excluded !== undefined) continue;
    const corpus = (corpora[c.corpus] ??= { total: tally(), groups: {}, excluded: 0 });
    count(corpus.total, c);
    count((corpus.groups[c.group] ??= tally()), c);
  }
  for (const c of cases) if (c.excluded !== undefined) corpora[c.corpus].excluded++;
  for (const corpus of Object.values(corpora)) {
    rates(corpus.total);
    for (const g of Object.values(corpus.groups)) rates(g);
  }
  const misses = cases.filter((c) => c.excluded === undefined && c.expected === "deny" && !c.blocked);
  const falsePositives = cases.filter((c) => c.excluded === undefined && c.expected === "allow" && c.blocked);
  return { corpora, misses, falsePositives, cases };
}

const pct = (x) => (x === null ? "n/a" : `${(100 * x).toFixed(1)}%`);

function table(result) {
  const lines = ["corpus / group                 deny  blocked (ask)  recall   allow  blocked  FP rate"];
  const row = (name, t) =>
    `${name.padEnd(30)} ${String(t.deny).padStart(4)}  ${String(t.caught).padStart(7)} ${`(${t.asked})`.padStart(5)}  ${pct(t.recall).padStart(6)}   ${String(t.allow).padStart(5)}  ${String(t.falsePositives).padStart(7)}  ${pct(t.falsePositiveRate).padStart(7)}`;
  for (const [name, corpus] of Object.entries(result.corpora)) {
    lines.push(row(name, corpus.total) + `   (${corpus.excluded} excluded)`);
    for (const [g, t] of Object.entries(corpus.groups)) lines.push(row(`  ${g}`, t));
  }
  lines.push("", `misses (${result.misses.length}):`);
  for (const c of result.misses) lines.push(`  ${c.source}  ${JSON.stringify(c.command)}`);
  lines.push("", `false positives (${result.falsePositives.length}):`);
  for (const c of result.falsePositives) lines.push(`  ${c.source}  ${JSON.stringify(c.command)}  → ${c.effect} ${c.rule}`);
  return lines.join("\n");
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await measure();
  const json = process.argv.includes("--json");
  if (json) {
    const { cases: _cases, ...figures } = result;
    const text = JSON.stringify(figures, null, 2) + "\n";
    const file = process.argv[process.argv.indexOf("--json") + 1];
    if (file !== undefined) writeFileSync(file, text);
    else process.stdout.write(text);
  } else console.log(table(result));
}
