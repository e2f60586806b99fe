// `pnpm bench` — trailguard against its peers at 10, 100 and 1,000 rules, on the same actions, with
// warm-up; p50/p99 per decision and ratios to trailguard measured in the same run. `pnpm bench --json`
// also writes bench/results/latest.json (its shape: README.md).
//
// Each policy size runs in a child process of its own (suite.mjs: trailguard and every peer at that size
// in one process, so their ratios compare like with like); this process then measures what involves
// trailguard alone: the sizes interleaved in one process, the audit chain, memory per session.

import { fork } from "node:child_process";
import { writeFileSync, mkdirSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { actionMix, referencePolicy } from "./reference.mjs";
import { callbackSink, createGuard, loadPolicy } from "@trailguard/core";
import { canary } from "./machine.mjs";
import { handWrittenFloors } from "./floors.mjs";
import { measure, quantile, settings, timerOverhead } from "./measure.mjs";

const started = Date.now();
const args = process.argv.slice(2);
const json = args.includes("--json");
const quick = args.includes("--quick");
const s = settings(quick);
const SIZES = [10, 100, 1000];
// The size DESIGN §8's latency budget names; its figures fill the top-level `results` and
// `with_trajectory` fields, as before sizes were added.
const RULES = 100;

/** Runs suite.mjs for one size in a child process and resolves with its results. */
function runSuite(rules) {
  return new Promise((resolve, reject) => {
    const child = fork(new URL("./suite.mjs", import.meta.url), [String(rules), ...(quick ? ["--quick"] : [])]);
    let result;
    child.on("message", (m) => (result = m));
    child.on("error", reject);
    child.on("exit", (code, signal) => (result && code === 0 ? resolve(result) : reject(new Error(`suite at ${rules} rules exited with ${signal ?? `code ${code}`}`))));
  });
}

const fmt = (x, d = 2) => x.toFixed(d).padStart(8);
// Two significant digits or whole numbers: the ratios span 0.04× to thousands.
const times = (x) => `${x >= 100 ? Math.round(x).toLocaleString("en") : x.toPrecision(2)}×`;
console.log(`node ${process.version}, ${cpus()[0]?.model ?? "unknown cpu"} × ${cpus().length}, ${Math.round(totalmem() / 2 ** 30)} GiB${quick ? " (--quick)" : ""}`);
console.log("×p50/×p99: the contender's latency over trailguard guard.check's at the same size (above 1 means slower than trailguard).");

// One size after another, never two at once: on a 2-core machine two suites would time each other.
const bySize = [];
for (const n of SIZES) {
  const t0 = Date.now();
  let suite;
  try {
    suite = await runSuite(n);
  } catch (e) {
    console.error(`\n${e.message}`);
    process.exitCode = 1;
    continue;
  }
  bySize.push(suite);
  const { contenders, trajectory: tr } = suite;
  console.log(`\nreference policy: ${n.toLocaleString("en")} rules; ${suite.actions} actions (tool calls, HTTP, shell); timer overhead ${suite.timer_overhead_ns} ns subtracted; agreement over ${suite.agreement_actions} actions; ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  console.log(`${"contender".padEnd(26)} ${"p50 µs".padStart(8)} ${"p99 µs".padStart(8)} ${"ops/s".padStart(10)} ${"×p50".padStart(8)} ${"×p99".padStart(8)} ${"agree".padStart(7)} ${"samples".padStart(8)}`);
  for (const r of contenders) {
    console.log(`${r.name.padEnd(26)} ${fmt(r.p50_us)} ${fmt(r.p99_us)} ${String(r.ops_per_s).padStart(10)} ${fmt(r.ratio_p50, 1)} ${fmt(r.ratio_p99, 1)} ${(r.agreement * 100).toFixed(0).padStart(6)}% ${String(r.samples).padStart(8)}`);
  }
  console.log(`${"+ sequences, limits, flows".padEnd(26)} ${fmt(tr.p50_us)} ${fmt(tr.p99_us)} ${String(tr.ops_per_s).padStart(10)} ${fmt(tr.ratio_p50, 2)} ${fmt(tr.ratio_p99, 2)}   (trailguard, trajectory variant: 5 sequences, 3 limits, 2 sinks)`);
  console.log(`  trajectory rounds (trajectory p50 / per-action p50, machine canary ns — higher is a disturbed machine):`);
  for (const r of tr.rounds) console.log(`    ${fmt(r.p50_us)} / ${fmt(r.per_action_p50_us)} µs   canary ${String(r.machine_ns).padStart(6)} ns`);
  console.log(`  median round p50: guard.check ${contenders[0].median_p50_us.toFixed(2)} µs, trajectory ${tr.median_p50_us.toFixed(2)} µs`);
  console.log(`  budgets: ${budgets(contenders).map((b) => `${b.met ? "met" : "MISSED"} ${b.what}`).join("; ")}`);
}

/** DESIGN §8's ratio budgets, checked on one size's contenders. */
function budgets(contenders) {
  const at = (part) => contenders.filter((c) => c.name.includes(part));
  const out = [];
  for (const c of at("cedar-wasm")) out.push({ what: `≥ 20× ${c.name} (${times(c.ratio_p50)})`, met: c.ratio_p50 >= 20 });
  for (const c of at("cel")) out.push({ what: `≥ 5× ${c.name} (${times(c.ratio_p50)})`, met: c.ratio_p50 >= 5 });
  // Within 5× of hand-written JS, like against like: guard.check against the twin that canonicalises too,
  // the engine alone against the twin on the precomputed canonical action.
  for (const f of handWrittenFloors(contenders)) out.push({ what: `${f.what} within 5× of ${f.floor} (${times(f.ratio)} its p50)`, met: f.ratio <= 5 });
  return out;
}

if (bySize.length > 0) {
  // One line per size, the peers as ratios: the table the budgets are read from.
  const names = bySize[0].contenders.map((c) => c.name).filter((x) => x !== "trailguard guard.check");
  const short = (x) => x.replace("trailguard ", "").replace(" (@marcbachmann)", "").replace(" (pre-canonicalised)", "");
  console.log(`\nratios to guard.check's p50 by size (best rounds):`);
  console.log(`${"rules".padStart(6)} ${"guard.check µs".padStart(15)} ${names.map((x) => short(x).padStart(14)).join(" ")} ${"trajectory".padStart(11)}`);
  for (const z of bySize) {
    const cells = names.map((x) => times(z.contenders.find((c) => c.name === x)?.ratio_p50 ?? NaN).padStart(14));
    console.log(`${String(z.rules).padStart(6)} ${z.contenders[0].p50_us.toFixed(2).padStart(15)} ${cells.join(" ")} ${times(z.trajectory.ratio_p50).padStart(11)}`);
  }
}
console.log("Budgets (DESIGN §8): guard.check p50 ≤ 3 µs, p99 ≤ 15 µs (≤ 6 µs p50 with the audit chain); ≥ 20× faster than cedar-wasm; ≥ 5× faster than a CEL interpreter; within 5× of hand-written JS; 1,000 rules ≤ 1.5× 10 rules.");

// From here on, trailguard alone, in this process (which has run no peer).
const overhead = timerOverhead();

// Scaling: the rule index should keep latency flat as the policy grows (budget: 1,000 rules ≤ 1.5× 10).
// Sizes interleaved round by round in one process, each reporting its best round, so that a disturbed
// stretch of the machine (machine.mjs) does not land on one size only and bend the ratio.
const sizes = [];
for (const n of SIZES) {
  const guard = await createGuard({ policy: loadPolicy(referencePolicy(n).yaml).policy });
  const mix = actionMix(n, 512);
  sizes.push({ n, decide: (i) => guard.check(mix[i]), count: mix.length });
}
for (const z of sizes) measure(z.decide, z.count, overhead, s);
const sizeRounds = sizes.map(() => []);
for (let round = 0; round < s.ROUNDS; round++) sizes.forEach((z, k) => sizeRounds[k].push(measure(z.decide, z.count, overhead, s)));
const scaling = sizes.map((z, k) => ({ rules: z.n, ...[...sizeRounds[k]].sort((a, b) => a.p50_us - b.p50_us)[0] }));
console.log(`\nguard.check by policy size, in one process (best of ${s.ROUNDS} interleaved rounds):`);
for (const r of scaling) console.log(`  ${String(r.rules).padStart(5)} rules  p50 ${fmt(r.p50_us)} µs  p99 ${fmt(r.p99_us)} µs  (${fmt(r.p50_us / scaling[0].p50_us, 2)}× the 10-rule p50)`);

// The audit chain on the decision path (DESIGN §8: p50 ≤ 6 µs with the append). Decisions come in
// blocks of 64 with a yield between, as an agent's do between tool calls: a record's content is fixed
// during the decision and hashed at the end of the job, so the per-decision latency and the full cost
// per record (hashing, linking, handing to the sink, amortised over the block) are reported apart.
// Like the microsecond contenders, the two guards run alternating rounds, each preceded by the machine
// canary, and each reports its best round: a disturbed stretch of the shared machine (machine.mjs) then
// lands on both, and cannot pass for the cost of the chain.
const auditPolicy = loadPolicy(referencePolicy(RULES, { trajectory: true }).yaml).policy;
const trajMix = actionMix(RULES, 512);
const AUDIT_BLOCK = 64;
const auditBlocks = quick ? 400 : 2_000;
function auditContender(audit) {
  const ready = createGuard({ policy: auditPolicy, ...(audit ? { audit: { sinks: [callbackSink(() => {})] } } : {}) });
  // Each guard's own clock, so that its rounds continue one session history in time order.
  let clock = 0;
  return {
    ready,
    async round() {
      const guard = await ready;
      const samples = [];
      let total = 0n;
      for (let b = 0; b < auditBlocks; b++) {
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < AUDIT_BLOCK; i++) {
          const a = process.hrtime.bigint();
          guard.check(trajMix[(b * AUDIT_BLOCK + i) % trajMix.length], { now: clock++ });
          samples.push(Math.max(0, Number(process.hrtime.bigint() - a) - overhead));
        }
        await new Promise((r) => setImmediate(r));
        total += process.hrtime.bigint() - t0;
      }
      samples.sort((a, b) => a - b);
      return { p50_us: quantile(samples, 0.5) / 1000, p99_us: quantile(samples, 0.99) / 1000, per_decision_us: Number(total) / samples.length / 1000 };
    },
  };
}
const auditContenders = { without: auditContender(false), with: auditContender(true) };
const auditRounds = { without: [], with: [] };
// One round each to warm up, not kept.
for (const c of Object.values(auditContenders)) await c.round();
for (let round = 0; round < s.ROUNDS; round++) {
  for (const key of ["without", "with"]) auditRounds[key].push({ ...(await auditContenders[key].round()), machine_ns: Math.round(canary()) });
}
for (const c of Object.values(auditContenders)) await (await c.ready).close();
const bestRound = (rounds) => [...rounds].sort((a, b) => a.p50_us - b.p50_us)[0];
const noAudit = bestRound(auditRounds.without);
const withAudit = bestRound(auditRounds.with);
const auditCost = {
  without: noAudit, with: withAudit, rounds: auditRounds,
  append_p50_us: withAudit.p50_us - noAudit.p50_us, record_us: withAudit.per_decision_us - noAudit.per_decision_us,
};
console.log(`\nguard.check with the audit chain (${RULES}-rule trajectory policy, blocks of ${AUDIT_BLOCK} decisions between yields, native SHA-256, best of ${s.ROUNDS} alternating rounds):`);
console.log(`  without audit  p50 ${fmt(noAudit.p50_us)} µs  p99 ${fmt(noAudit.p99_us)} µs`);
console.log(`  with audit     p50 ${fmt(withAudit.p50_us)} µs  p99 ${fmt(withAudit.p99_us)} µs  (decision path +${auditCost.append_p50_us.toFixed(2)} µs at p50)`);
console.log(`  whole record, hashing and linking included, amortised: ${auditCost.record_us.toFixed(2)} µs per decision`);
console.log(`  rounds (without / with p50, machine canary ns):`);
auditRounds.with.forEach((w, k) => console.log(`    ${fmt(auditRounds.without[k].p50_us)} / ${fmt(w.p50_us)} µs   canary ${String(auditRounds.without[k].machine_ns).padStart(6)} / ${String(w.machine_ns).padStart(6)} ns`));

// Memory per idle session: 100,000 sessions of the trajectory policy, one action each.
const memGuard = await createGuard({ policy: loadPolicy(referencePolicy(RULES, { trajectory: true }).yaml).policy });
const used = () => {
  globalThis.gc?.();
  const m = process.memoryUsage();
  // The engine's Wasm memory is reported under `external` (which also holds array buffers), not under
  // `arrayBuffers` alone: counting only the latter left the engine out.
  return m.heapUsed + m.external;
};
const SESSIONS = 100_000;
memGuard.check({ kind: "tool", session: "warm", tool: "read_1", args: { path: "/srv/x" } }, { now: 0 });
const before = used();
for (let i = 0; i < SESSIONS; i++) memGuard.check({ kind: "tool", session: `s${i}`, tool: "read_1", args: { path: "/srv/x" } }, { now: i });
const perSession = (used() - before) / SESSIONS;
const recordBytes = memGuard.policy.trajectory.recordBytes;
console.log(`\nmemory per idle session (${SESSIONS.toLocaleString("en")} sessions, trajectory policy): ${Math.round(perSession)} bytes, JS heap and engine memory together (the engine's record is ${recordBytes} bytes; its memory grows by doubling, so its share is a step, not a slope)${globalThis.gc ? "" : " — run with --expose-gc for a steadier figure"}`);
const memory = { sessions: SESSIONS, bytes_per_session: Math.round(perSession), record_bytes: recordBytes };

const totalSeconds = Math.round((Date.now() - started) / 1000);
console.log(`\ntotal ${totalSeconds} s`);
if (json) {
  mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
  const at = bySize.find((z) => z.rules === RULES);
  const out = {
    date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, quick, total_s: totalSeconds,
    rules: RULES, actions: at?.actions, timer_overhead_ns: overhead,
    results: at?.contenders ?? [], scaling, with_trajectory: at?.trajectory, audit: auditCost, memory,
    by_size: bySize,
  };
  writeFileSync(new URL("./results/latest.json", import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
  console.log("wrote bench/results/latest.json");
}
