// `node bench/redos.mjs [--quick] [--json] [--data <dir>]` (after `pnpm build`): the linear-time matcher
// against the ReDoS-Benchmarks data (DESIGN §8: "a 1 MiB adversarial input against a ReDoS-prone pattern:
// linear, < 20 ms"). For every vulnerable regex trailguard accepts, `guard.check` on its attack string at
// growing sizes, beside JavaScript RegExp under a time cap; then the share of ~19k real-world regexes
// that load, and why the rest are refused. `--json` also writes bench/results/redos.json.

import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { DEFAULT_DATA_DIR, everyNth, readAttacks, readPatternList } from "./redos/data.mjs";
import { FIELD } from "./redos/accept.mjs";
import { SCANS_ALL, disagreements, measureRegExp, measureShell, measureTrailguard, recheck } from "./redos/attacks.mjs";
import { measureList } from "./redos/real-world.mjs";
import { canary } from "./machine.mjs";
import { histogram, kib, median, ms, quantile, share, stringify, table } from "./redos/report.mjs";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const json = args.includes("--json");
const dataDir = args.includes("--data") ? args[args.indexOf("--data") + 1] : DEFAULT_DATA_DIR;

const KIB = 1024;
// 1 KiB to 1 MiB in steps of 4×: the budget's size, and enough points to see the curve's shape.
// --quick stops at 256 KiB, where each size still takes well under a millisecond per pattern.
const SIZES = (quick ? [1, 4, 16, 64, 256] : [1, 4, 16, 64, 256, 1024]).map((k) => k * KIB);
// Best of this many calls per size: disturbance on a shared VM only adds time.
const REPS = quick ? 3 : 5;
// RegExp's cap per input: far beyond any linear run at these sizes (~1 ms per MiB for a plain scan),
// so a time-out is backtracking, not a slow machine. Each time-out costs the cap once.
const CAP_MS = quick ? 200 : 1000;
// --quick takes every 10th vulnerable regex (70 of 699) and every 20th real-world one (~730 of ~14.6k
// distinct): spread over the files, and the same subset every run.
const ATTACK_STEP = quick ? 10 : 1;
const LIST_STEP = quick ? 20 : 1;
// Growth from the size 16× below the largest to the largest: 16 is linear. Flagged above twice that,
// which nothing quadratic (256×) or n·log n (~20×) stays under and cache effects alone do not reach.
const LINEAR = 16;
const GROWTH_FLAG = 2 * LINEAR;
// Calls per size when a flagged pattern is re-timed: four times the first pass's, so that a stretch of a
// disturbed machine (seconds, see machine.mjs) is unlikely to cover them all.
const RECHECK_REPS = 4 * REPS;
// Patterns timed again as shell lines: each call costs a fifth of a second at 1 MiB (the shell
// canonicaliser, not the matcher), and a handful shows that as well as all would.
const SHELL_PATTERNS = 5;
// DESIGN §8, at 1 MiB.
const BUDGET_MS = 20;

const log = (s) => console.error(s);
const started = performance.now();
// The machine's state before and after the timed phases (machine.mjs: ~1,550 ns undisturbed, ~3,000 when
// a neighbour shares the core), so that a disturbed run can be told from a slow matcher.
const machineNs = [canary()];

// 1. The vulnerable regexes.
const rows = everyNth(readAttacks(dataDir), ATTACK_STEP);
log(`redos: ${rows.length} vulnerable regexes, sizes ${SIZES.map(kib).join(", ")}, best of ${REPS}, RegExp cap ${CAP_MS} ms`);
let t = performance.now();
const results = await measureTrailguard(rows, { sizes: SIZES, reps: REPS, log });
const last = SIZES.length - 1;
const from = SIZES.indexOf(SIZES[last] / LINEAR);
const timedFirst = results.filter((r) => r.ok && r.ms);
const suspect = (r) => r.ms[last] / r.ms[from] > GROWTH_FLAG || (!quick && r.ms[last] > BUDGET_MS);
const firstPass = await recheck(rows, timedFirst.filter(suspect), { sizes: SIZES, at: [from, last], reps: RECHECK_REPS });
const shell = await measureShell(rows, results, { bytes: SIZES.at(-1), reps: REPS, count: SHELL_PATTERNS });
const tgSeconds = (performance.now() - t) / 1000;
machineNs.push(canary());
t = performance.now();
const { workers } = await measureRegExp(rows, results, { sizes: SIZES, reps: REPS, capMs: CAP_MS, log });
const jsSeconds = (performance.now() - t) / 1000;
const { list: diffs, compared } = disagreements(results, rows, SIZES);

const accepted = results.filter((r) => r.ok);
const timed = accepted.filter((r) => r.ms);
const refusals = histogram(results.filter((r) => !r.ok).map((r) => r.reason));
for (const r of timed) r.growth = r.ms[last] / r.ms[from];
const jsValid = timed.filter((r) => r.js);
const scansAll = (r) => r.read >= SCANS_ALL;

const sizeRows = SIZES.map((bytes, i) => {
  const tg = timed.map((r) => r.ms[i]);
  const finished = jsValid.map((r) => r.js[i]).filter((x) => typeof x === "number");
  const timedOut = jsValid.filter((r) => r.js[i] === "timeout" || r.js[i] === "skipped").length;
  return {
    bytes,
    trailguard: { median_ms: median(tg), p90_ms: quantile(tg, 0.9), max_ms: Math.max(...tg) },
    baseline: { median_ms: median(timed.map((r) => r.baseMs[i])), max_ms: Math.max(...timed.map((r) => r.baseMs[i])) },
    regexp: { finished: finished.length, timed_out: timedOut, median_ms: median(finished), max_ms: finished.length ? Math.max(...finished) : NaN },
  };
});
const overBudget = quick ? [] : timed.filter((r) => r.ms[last] > BUDGET_MS).map(brief);
const superLinear = timed.filter((r) => r.growth > GROWTH_FLAG).map(brief);
const notFullyDecided = timed.filter((r) => r.codes.some((c) => c !== "rule" && c !== "default"));

function brief(r) {
  return { id: r.id, kind: r.kind, pattern: r.pattern, ms: r.ms.map((x) => +x.toFixed(3)), growth: +r.growth.toFixed(1), read_bytes: r.readBytes };
}

// 2. The real-world regexes.
t = performance.now();
const lists = ["regexlib_all.txt", "regex101_all.txt"].map((name) => {
  const list = readPatternList(dataDir, name);
  const unique = everyNth(list.unique, LIST_STEP);
  const keep = new Set(unique);
  return measureList(name, { unique, lines: list.lines.filter((l) => keep.has(l)) });
});
const listSeconds = (performance.now() - t) / 1000;

// 3. The report.
const out = [];
out.push(`ReDoS benchmark${quick ? " (--quick: a subset)" : ""} — Node ${process.version}, ${cpus()[0]?.model ?? "?"}, ${cpus().length} cores`);
out.push(`machine canary ${machineNs.map((x) => Math.round(x)).join(" → ")} ns (before → after the trailguard timings)`);
out.push(`rule: ${FIELD}.matches("<pattern>") in a one-rule policy loaded with loadPolicy; action { kind: "tool", args: { text: <attack> } }`);
out.push("");
out.push(`vulnerable regexes (regexlib_redos_true.jsonl): ${accepted.length} of ${results.length} accepted (${share(accepted.length, results.length)})`);
out.push(table(["refusal reason", "patterns"], refusals));
out.push("");
out.push(`guard.check on the attack string, best of ${REPS}, over the ${timed.length} accepted; RegExp over the ${jsValid.length} JavaScript accepts (${timed.length - jsValid.length} are JavaScript syntax errors), cap ${CAP_MS} ms`);
out.push(table(
  ["size", "trailguard median ms", "p90", "max", "no-pattern baseline median", "max", "RegExp done", "RegExp median ms (done)", "max", "RegExp timed out"],
  sizeRows.map((s) => [kib(s.bytes), ms(s.trailguard.median_ms), ms(s.trailguard.p90_ms), ms(s.trailguard.max_ms), ms(s.baseline.median_ms), ms(s.baseline.max_ms), s.regexp.finished, ms(s.regexp.median_ms), ms(s.regexp.max_ms), s.regexp.timed_out]),
));
const growth = timed.map((r) => r.growth);
out.push(`flagged in the first pass (growth above ${GROWTH_FLAG}${quick ? "" : ` or over ${BUDGET_MS} ms`}): ${firstPass.length}${firstPass.length ? ` (${firstPass.map((b) => `#${b.id} ${ms(b.ms[from])}→${ms(b.ms[last])} ms`).join(", ")})` : ""}; re-timed with ${RECHECK_REPS} more calls at both sizes`);
out.push(`growth ${kib(SIZES[last])} / ${kib(SIZES[from])} (${LINEAR} is linear): median ${median(growth).toFixed(1)}, max ${Math.max(...growth).toFixed(1)}; above ${GROWTH_FLAG}: ${superLinear.length}`);
const scans = timed.filter(scansAll);
const early = timed.filter((r) => r.read < SCANS_ALL);
out.push(`the DFA reads the ${kib(SIZES[last])} input to its end or to the suffix for ${scans.length} of ${timed.length} patterns (${timed.filter((r) => r.read === 1).length} to the very end): median ${ms(median(scans.map((r) => r.ms[last])))} ms, max ${ms(Math.max(...scans.map((r) => r.ms[last])))} ms; ${early.length} stop within the first ${Math.max(...early.map((r) => r.readBytes))} bytes (matched at once: they time copying the string in)`);
if (!quick) out.push(`over the ${BUDGET_MS} ms budget at 1 MiB: ${overBudget.length}${overBudget.length ? ` — ${overBudget.map((r) => `#${r.id} ${r.ms[last]} ms`).join(", ")}` : ""}`);
out.push(`the same attack as a shell line (rule on action.command, ${shell.length} patterns): ${shell.map((x) => `${ms(x.ms)} ms`).join(", ")} at ${kib(SIZES[last])} (codes ${[...new Set(shell.map((x) => x.code))].join(", ")})`);
if (notFullyDecided.length) out.push(`decided by something else than the rule or the default (e.g. input_too_large): ${notFullyDecided.map((r) => `#${r.id} ${r.codes}`).join(", ")}`);
out.push(`differences: engine vs TS DFA runner ${diffs.filter((d) => d.against === "dfa").length} of ${compared.dfa} answers; engine vs RegExp ${diffs.filter((d) => d.against === "regexp").length} of ${compared.regexp} (in ${new Set(diffs.filter((d) => d.against === "regexp").map((d) => d.id)).size} patterns)`);
out.push(`policy path vs compileRegex: ${results.filter((r) => !r.crossChecked).length} differences`);
out.push(`time: trailguard ${tgSeconds.toFixed(1)} s, RegExp ${jsSeconds.toFixed(1)} s (${workers} workers)`);
out.push("");
for (const l of lists) {
  out.push(`${l.name}: ${l.accepted} of ${l.unique} distinct patterns accepted (${share(l.accepted, l.unique)}); by line ${l.acceptedLines} of ${l.lines} (${share(l.acceptedLines, l.lines)})`);
  out.push(table(["refusal reason", "patterns"], l.reasons.slice(0, 10)));
  out.push(`most refused constructs: ${l.at.slice(0, 8).map(([k, n]) => `${k} ${n}`).join("; ")}`);
  out.push(`compile: ${(l.compile.totalMs / 1000).toFixed(1)} s in all, median ${ms(median(l.compile.times))} ms, p99 ${ms(quantile(l.compile.times, 0.99))} ms, max ${ms(Math.max(...l.compile.times))} ms per pattern; policy path vs compileRegex: ${l.crossCheckMismatches} differences`);
  out.push("");
}
const all = lists.reduce((a, l) => ({ accepted: a.accepted + l.accepted, unique: a.unique + l.unique }), { accepted: 0, unique: 0 });
out.push(`real-world, both files: ${all.accepted} of ${all.unique} accepted (${share(all.accepted, all.unique)}); compile phase ${listSeconds.toFixed(1)} s`);
out.push(`total ${((performance.now() - started) / 1000).toFixed(1)} s`);
console.log(out.join("\n"));

if (json) {
  const report = {
    date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, memory_gib: Math.round(totalmem() / 2 ** 30),
    machine_ns: machineNs, quick, config: { sizes: SIZES, reps: REPS, cap_ms: CAP_MS, field: FIELD, attack_step: ATTACK_STEP, list_step: LIST_STEP },
    attacks: {
      total: results.length, accepted: accepted.length, refusals, sizes: sizeRows,
      growth: { from: SIZES[from], to: SIZES[last], median: median(growth), max: Math.max(...growth), flagged_above: GROWTH_FLAG, flagged: superLinear },
      over_budget: overBudget, shell_line: shell, scanning: timed.filter(scansAll).length, js_syntax_errors: timed.length - jsValid.length, regexp_workers: workers,
      disagreements: diffs, compared, first_pass_flagged: firstPass,
      // One row per pattern: refused with its reason, or the milliseconds per size (RegExp's too).
      patterns: results.map((r) => (r.ok && r.ms
        ? { id: r.id, ok: true, ms: r.ms.map((x) => +x.toFixed(3)), growth: +r.growth.toFixed(1), read_bytes: r.readBytes, js: r.jsSyntax ? "syntax" : r.js.map((x) => (typeof x === "number" ? +x.toFixed(3) : x)) }
        : { id: r.id, ok: r.ok, reason: r.reason })),
    },
    real_world: lists.map((l) => ({
      name: l.name, lines: l.lines, unique: l.unique, accepted: l.accepted, accepted_lines: l.acceptedLines, reasons: l.reasons, at: l.at.slice(0, 30),
      compile_ms: { total: Math.round(l.compile.totalMs), median: median(l.compile.times), p99: quantile(l.compile.times, 0.99), max: Math.max(...l.compile.times) },
      // By distinct pattern in file order: 0 accepted, k the k-th of `reasons`.
      verdicts: l.verdicts,
    })),
    seconds: { trailguard: tgSeconds, regexp: jsSeconds, real_world: listSeconds, total: (performance.now() - started) / 1000 },
  };
  mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
  writeFileSync(new URL("./results/redos.json", import.meta.url), `${stringify(report)}\n`);
  log("wrote bench/results/redos.json");
}
