// `node bench/adapters.mjs` (after `pnpm build`) — what each adapter adds to the bare guard on the same
// actions, in one process: every adapter entry point timed against the bare guard doing the same work
// without the adapter (guard.check, then the handler, tool or fetch the adapter would call), in rounds
// that alternate between the two, best round reported (harness.mjs). `--json` also writes
// bench/results/adapters.json; `--quick` runs fewer samples and three rounds.
//
// What is timed, and on which actions, is set up in adapters-setup.mjs; every adapter's answers are
// checked (the call ran, or was refused) before anything is timed.

import { writeFileSync, mkdirSync } from "node:fs";
import { cpus } from "node:os";
import { bestOfRounds, contender } from "./harness.mjs";
import { timerOverhead } from "./measure.mjs";
import { canary } from "./machine.mjs";
import { adapterGroups } from "./adapters-setup.mjs";

const args = process.argv.slice(2);
const json = args.includes("--json");
const quick = args.includes("--quick");
// As in run.mjs: enough rounds for one to land in an undisturbed stretch of a shared machine.
const ROUNDS = quick ? 3 : 5;
const overhead = timerOverhead();
// The first round warms every contender for at least a second (V8 keeps optimising well past the first
// thousands of calls); each block of a later round re-warms briefly, as other contenders ran in between.
const WARMUP = { warmCalls: 5_000, warmMs: quick ? 300 : 1_000, samples: 1_000, budgetMs: 100, overhead };
// 20,000 samples give the p99 200 samples of tail; the budget caps the slow (network) contenders.
const MEASURED = { warmCalls: 200, warmMs: 0, samples: quick ? 5_000 : 20_000, budgetMs: quick ? 400 : 1_500, overhead };
// Blocks per round: each a fraction of a second, shorter than the machine's disturbed stretches.
const BLOCKS = 10;

const { guard, groups } = await adapterGroups();

// Answers first: an adapter that refused (no session, a mapping fault) would time the refusal path.
for (const { pairs } of groups) for (const p of pairs) await p.verify();

// A pair's contenders (the unguarded call where there is one, the bare guard, the adapter) alternate
// block by block within each round.
const roles = (p) => (p.plain ? ["plain", "bare", "adapter"] : ["bare", "adapter"]);
const pairGroups = groups.flatMap(({ pairs }) => pairs.map((p) => roles(p).map((role) => contender(`${p.label} | ${role}`, p[role].call, p.n))));
const { best, marks } = await bestOfRounds(pairGroups, { rounds: ROUNDS, warmup: WARMUP, measured: MEASURED, blocks: BLOCKS, before: () => Math.round(canary()) });

const fmt = (x, w = 8, d = 2) => x.toFixed(d).padStart(w);
const r2 = (x) => Math.round(x * 100) / 100;
console.log(`reference policy: 100 rules; timer overhead ${overhead} ns subtracted; best of ${ROUNDS} rounds, each adapter alternating with its bare guard`);
console.log(`node ${process.version}, ${cpus()[0]?.model ?? "unknown cpu"} × ${cpus().length}; machine canary per round (ns, ~1,700 undisturbed): ${marks.join(", ")}`);
const results = [];
for (const { title, pairs } of groups) {
  console.log(`\n${title}`);
  console.log(`  ${"".padEnd(44)} ${"p50 µs".padStart(8)} ${"p99 µs".padStart(8)} ${"ops/s".padStart(8)} ${"+p50 µs".padStart(8)} ${"×p50".padStart(6)} ${"+p50 by round".padStart(14)} ${"+p50 over unguarded".padStart(20)}`);
  for (const p of pairs) {
    const [plain, b, a] = ["plain", "bare", "adapter"].map((role) => (p[role] ? { name: p[role].name, ...best[`${p.label} | ${role}`] } : undefined));
    const r = { group: title, label: p.label, ...(p.note ? { note: p.note } : {}), ...(plain ? { plain } : {}), bare: b, adapter: a, overhead_p50_us: r2(a.p50_us - b.p50_us), ratio_p50: r2(a.p50_us / b.p50_us), overhead_p99_us: r2(a.p99_us - b.p99_us) };
    if (plain) r.added_over_unguarded_p50_us = r2(a.p50_us - plain.p50_us);
    // The same difference round by round (both sides of each from the same stretch of machine time).
    const diffs = a.round_p50_us.map((x, k) => r2(x - b.round_p50_us[k])).sort((x, y) => x - y);
    r.overhead_p50_us_by_round = { min: diffs[0], median: diffs[diffs.length >> 1], max: diffs.at(-1) };
    results.push(r);
    const row = (x) => `  ${x.name.padEnd(44)} ${fmt(x.p50_us)} ${fmt(x.p99_us)} ${String(x.ops_per_s).padStart(8)}`;
    console.log(`  ${p.label}${p.note ? ` — ${p.note}` : ""}`);
    if (plain) console.log(row(plain));
    console.log(row(b));
    console.log(`${row(a)} ${fmt(r.overhead_p50_us)} ${fmt(r.ratio_p50, 6)} ${fmt(r.overhead_p50_us_by_round.median, 14)}${plain ? fmt(r.added_over_unguarded_p50_us, 21) : ""}`);
  }
}
console.log("\n+p50: the adapter's best-round p50 minus its bare guard's; ×p50: their ratio; +p50 by round: the median over rounds of the");
console.log("same difference within each round. Every round's p50 is in the JSON.");

if (json) {
  mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
  const out = { date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, rounds: ROUNDS, timer_overhead_ns: overhead, canary_ns: marks, results };
  writeFileSync(new URL("./results/adapters.json", import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
  console.log("wrote bench/results/adapters.json");
}
for (const { pairs } of groups) for (const p of pairs) await p.close?.();
await guard.close();

