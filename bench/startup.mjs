// `node bench/startup.mjs` (after `pnpm build`) — how long until a guard is ready, and what sessions cost.
// `--json` also writes bench/results/startup.json; `--quick` spawns fewer processes and sessions.
//
// Cold start (DESIGN §8: guard ready, instantiate + compile a 100-rule policy, < 25 ms) is timed in fresh
// node processes, since only the first guard of a process compiles the Wasm module (later ones reuse it)
// and runs the loader's JS cold. Each child times from just before `loadPolicy` of the reference policy
// (reference.mjs) to a resolved `createGuard`; in a second kind of child the module is compiled first on
// its own, so the compile and the rest are timed apart. A third kind starts from the policy precompiled
// (`trailguard compile`, written once by this script before the children run): it times reading the
// file, `loadCompiledPolicy` (given the YAML text, so the binding is checked too) and `createGuard`. Each
// child also reports the CPU time the process spent on ready (all its threads: the Wasm compile runs on a
// background one), which a busy machine disturbs less than the wall time. The variants alternate child
// by child. The warm
// figure is the same work repeated in this process. Then memory per idle and busy session, and the
// 100,000-session check (startup-sessions.mjs); those need --expose-gc, with which this script
// re-runs itself when it was started without.

import { execFileSync, spawnSync } from "node:child_process";
import { writeFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { canary } from "./machine.mjs";
import { quantile } from "./measure.mjs";

const args = process.argv.slice(2);

if (args[0] === "--child") {
  process.stdout.write(`${JSON.stringify(await child(args[1], args[2], args[3]))}\n`);
  process.exit(0);
}

if (typeof globalThis.gc !== "function") {
  const r = spawnSync(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), ...args], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}

/**
 * One cold start: `policy` is "per-action" or "trajectory"; `mode` "whole", or "split": the Wasm compile,
 * parsing and validating the YAML, and compiling the policy timed one by one first; or "compiled": from
 * the precompiled file `file`.
 */
async function child(policy, mode, file) {
  const t0 = performance.now();
  const core = await import("@trailguard/core");
  const imported = performance.now() - t0;
  // Internal modules (the engine's module cache, loadPolicy's phases), the same instances core uses:
  // resolved next to core's entry.
  const internal = (path) => import(new URL(path, import.meta.resolve("@trailguard/core")).href);
  const host = await internal("./engine/host.js");
  const { referencePolicy } = await import("./reference.mjs");
  const yaml = referencePolicy(100, { trajectory: policy === "trajectory" }).yaml;
  const split = {};
  if (mode === "split") {
    const [{ parseYaml }, { validatePolicyShape }, { compilePolicy }] = await Promise.all([internal("./policy/parse.js"), internal("./policy/validate.js"), internal("./compile/compile.js")]);
    let t = performance.now();
    const lap = () => -t + (t = performance.now());
    await host.engineModule();
    split.compile_wasm_ms = lap();
    const doc = validatePolicyShape(parseYaml(yaml).value).doc;
    split.parse_validate_ms = lap();
    compilePolicy(doc);
    split.compile_policy_ms = lap();
  }
  // In split mode the Wasm module is compiled and the loader's code has run once by now.
  const cpu = process.cpuUsage();
  const a = performance.now();
  const loaded = mode === "compiled" ? core.loadCompiledPolicy(readFileSync(file), { source: yaml }) : core.loadPolicy(yaml).policy;
  const b = performance.now();
  const guard = await core.createGuard({ policy: loaded });
  const c = performance.now();
  const used = process.cpuUsage(cpu);
  const readyCpu = (used.user + used.system) / 1000;
  const action = { kind: "tool", session: "s1", tool: "read_1", args: { path: "/srv/data/1.json" } };
  if (guard.check(action).effect !== "allow") throw new Error("the cold guard decided wrongly");
  const firstCheck = performance.now() - c;
  // A second guard in the same process: the module is compiled and the loader's code has run once.
  const d = performance.now();
  await core.createGuard({ policy: core.loadPolicy(yaml).policy });
  const second = performance.now() - d;
  return { import_ms: imported, ...split, load_ms: b - a, create_ms: c - b, ready_ms: c - a, ready_cpu_ms: readyCpu, first_check_ms: firstCheck, second_ready_ms: second };
}

const json = args.includes("--json");
const quick = args.includes("--quick");
// Twenty processes per variant give a median and a p90 (the 18th of 20) that two runs reproduce.
const PROCESSES = quick ? 6 : 20;
const SESSIONS = quick ? 2_000 : 10_000;
const MANY = 100_000;
// loadPolicy settles to its steady time only after some twenty runs (V8 tiers its loops up gradually);
// the warm figure counts the runs after these.
const WARM_SKIP = 30;

const summary = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return { median: round(quantile(sorted, 0.5)), p90: round(quantile(sorted, 0.9)), min: round(sorted[0]) };
};
const round = (x) => Math.round(x * 100) / 100;

// The machine's state (machine.mjs) before the children run, and before the warm figures.
const canaryCold = Math.round(canary());
const VARIANTS = [["per-action", "whole"], ["trajectory", "whole"], ["per-action", "split"], ["trajectory", "split"], ["per-action", "compiled"], ["trajectory", "compiled"]];
const runs = new Map(VARIANTS.map((v) => [v.join("/"), []]));
const self = fileURLToPath(import.meta.url);
// The precompiled reference policies, as `trailguard compile` writes them.
const compiledDir = mkdtempSync(join(tmpdir(), "trailguard-startup-"));
const compiledFiles = {};
{
  const { precompilePolicy } = await import("@trailguard/core");
  const { referencePolicy } = await import("./reference.mjs");
  for (const policy of ["per-action", "trajectory"]) {
    compiledFiles[policy] = join(compiledDir, `${policy}.tgc`);
    writeFileSync(compiledFiles[policy], precompilePolicy(referencePolicy(100, { trajectory: policy === "trajectory" }).yaml).compiled);
  }
}
for (let i = 0; i < PROCESSES; i++) {
  for (const [policy, mode] of VARIANTS) {
    runs.get(`${policy}/${mode}`).push(JSON.parse(execFileSync(process.execPath, [self, "--child", policy, mode, compiledFiles[policy]], { encoding: "utf8" })));
  }
}
rmSync(compiledDir, { recursive: true, force: true });
const cold = {};
for (const [key, rs] of runs) {
  cold[key] = Object.fromEntries(Object.keys(rs[0]).map((k) => [k, summary(rs.map((r) => r[k]))]));
}

// Warm: loadPolicy + createGuard again and again in this process (module compiled, code optimised).
const { createGuard, loadPolicy } = await import("@trailguard/core");
const canaryWarm = Math.round(canary());
const { referencePolicy } = await import("./reference.mjs");
const warm = {};
for (const policy of ["per-action", "trajectory"]) {
  const yaml = referencePolicy(100, { trajectory: policy === "trajectory" }).yaml;
  const load = [];
  const ready = [];
  for (let i = 0; i < WARM_SKIP + (quick ? 10 : 50); i++) {
    const a = performance.now();
    const p = loadPolicy(yaml).policy;
    const b = performance.now();
    await createGuard({ policy: p });
    const c = performance.now();
    if (i >= WARM_SKIP) {
      load.push(b - a);
      ready.push(c - a);
    }
  }
  warm[policy] = { load_ms: summary(load), ready_ms: summary(ready) };
}

const { sessionMemory, manySessions } = await import("./startup-sessions.mjs");
const memory = await sessionMemory(SESSIONS);
const many = await manySessions(MANY);

const f = (s) => `median ${s.median.toFixed(2).padStart(6)}  p90 ${s.p90.toFixed(2).padStart(6)}`;
console.log(`node ${process.version}, ${cpus()[0]?.model ?? "unknown cpu"} × ${cpus().length}; ${PROCESSES} fresh processes per variant, ms; machine canary ${canaryCold} ns (~1,700 undisturbed)`);
console.log("\ncold start, from loadPolicy to a ready createGuard (100-rule reference policy; DESIGN §8: < 25 ms):");
for (const policy of ["per-action", "trajectory"]) {
  const w = cold[`${policy}/whole`];
  const s = cold[`${policy}/split`];
  const p = cold[`${policy}/compiled`];
  console.log(`  ${policy.padEnd(11)} ready      ${f(w.ready_ms)}   (loadPolicy ${f(w.load_ms)}; createGuard ${f(w.create_ms)}); CPU ${f(w.ready_cpu_ms)}`);
  console.log(`  ${"".padEnd(11)} precompiled ready ${f(p.ready_ms)}   (read + loadCompiledPolicy ${f(p.load_ms)}; createGuard ${f(p.create_ms)}); CPU ${f(p.ready_cpu_ms)}`);
  console.log(`  ${"".padEnd(11)} cold, one by one: Wasm compile ${f(s.compile_wasm_ms)}; YAML parse + validate ${f(s.parse_validate_ms)}; policy compile ${f(s.compile_policy_ms)}`);
  console.log(`  ${"".padEnd(11)} ready after those ${f(s.ready_ms)}`);
  console.log(`  ${"".padEnd(11)} first guard.check ${f(w.first_check_ms)}; a second guard in the process ${f(w.second_ready_ms)}; import of @trailguard/core ${f(w.import_ms)}`);
}
console.log(`\nwarm, in this process (loadPolicy + createGuard, after ${WARM_SKIP} of them; canary ${canaryWarm} ns):`);
for (const [policy, w] of Object.entries(warm)) console.log(`  ${policy.padEnd(11)} ready ${f(w.ready_ms)}  (loadPolicy ${f(w.load_ms)})`);

const m = (x) => `${String(x.total).padStart(6)} B  (JS heap ${x.heap}, engine Wasm memory ${x.engine}; RSS ${x.rss})`;
console.log(`\nmemory per session, ${SESSIONS.toLocaleString("en")} sessions of the trajectory policy (engine record ${memory.record_bytes} B; DESIGN §8: ≤ 4 KiB per idle session):`);
console.log(`  idle  ${m(memory.idle)}`);
console.log(`  busy  ${m(memory.busy)}`);
console.log(`  busy: 3 sequences armed, 2 limit windows with entries, ${memory.fingerprints_per_output} fingerprints of one ${memory.output_bytes}-byte labelled output, 1 result pending; later egress refused in ${memory.busy_egress_refused.toLocaleString("en")} of ${SESSIONS.toLocaleString("en")} (a fresh session: ${memory.fresh_egress})`);
console.log(`\n${MANY.toLocaleString("en")} live sessions in one guard (trajectory policy), one action each, then a later action each that depends on it:`);
console.log(`  later decisions as a fresh guard decides them: ${(MANY - many.wrong).toLocaleString("en")} of ${MANY.toLocaleString("en")}${many.wrong ? ` — WRONG: ${JSON.stringify(many.wrong_sample)}` : ""}`);
console.log(`  expected: ${many.expected.map((e) => `${e.effect} (${e.rule}; fresh: ${e.fresh})`).join(", ")}`);
console.log(`  memory per session ${m(many.memory)}; ${many.first_actions_per_s.toLocaleString("en")} first and ${many.later_actions_per_s.toLocaleString("en")} later decisions/s`);
console.log("\nThe engine's share is a step: its records grow by doubling, and each growth leaves the old area behind in Wasm memory.");

if (json) {
  mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
  const out = { date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, processes: PROCESSES, canary_ns: { cold: canaryCold, warm: canaryWarm }, cold, warm, memory: { sessions: SESSIONS, ...memory }, many };
  writeFileSync(new URL("./results/startup.json", import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
  console.log("wrote bench/results/startup.json");
}
if (many.wrong > 0 || memory.busy_egress_refused !== SESSIONS) process.exitCode = 1;
