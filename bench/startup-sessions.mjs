// Memory per session and the 100,000-session check for startup.mjs, on the trajectory reference policy
// (reference.mjs: 100 rules, 5 sequences, 3 limits, flow sources and sinks).
//
// Memory is read after two forced collections (run with --expose-gc) in three parts: the JS heap (the
// host's session map, state objects, fingerprint stores, pending results), `external` (the engine's Wasm
// memory, which V8 counts there and not in `arrayBuffers`), and the RSS as a cross-check.

import { createGuard, loadPolicy } from "@trailguard/core";
import { referencePolicy } from "./reference.mjs";

const POLICY = loadPolicy(referencePolicy(100, { trajectory: true }).yaml).policy;
// The fingerprinter is internal; the same module instance as the guard's, found next to core's entry.
const { fingerprints } = await import(new URL("./flows/fingerprint.js", import.meta.resolve("@trailguard/core")).href);

function usage() {
  globalThis.gc?.();
  globalThis.gc?.();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, external: m.external, rss: m.rss };
}

function perSession(before, after, count) {
  const d = (k) => Math.round((after[k] - before[k]) / count);
  return { heap: d("heap"), engine: d("external"), total: d("heap") + d("external"), rss: d("rss") };
}

/** What a read of customer records returns: five records, the values distinct in every session. */
export function customerRecords(i) {
  return Array.from({ length: 5 }, (_, k) => `Customer ${k}: jane.doe${i}x${k}@example.com, account cust${i}00${k}, phone +44 20 7946 ${(i * 5 + k) % 10_000}, plan gold, renews on the first of March`).join("\n");
}

/**
 * A busy session: a read of customer data (a flow source; it arms `read-then-delete` and counts in the
 * `tool-rate` window and the `token-budget` sum) whose labelled output is recorded (its fingerprints
 * kept), a shell command (arms `shell-then-egress`), `tool_1` (the first step of `three-step`), and a
 * listing whose result is still pending (arms `list-then-force`).
 */
function busy(guard, s, i, t) {
  guard.check({ kind: "tool", session: s, tool: "read_1", args: { path: `/srv/data/${i}.json` }, usage: { tokens: 1_200 } }, { now: t });
  guard.recordResult({ session: s, tool: "read_1", output: customerRecords(i) });
  guard.check({ kind: "shell", session: s, command: `prog_0 --input /tmp/in${i}.txt` }, { now: t + 1 });
  guard.check({ kind: "tool", session: s, tool: "tool_1", args: { amount: 5 } }, { now: t + 2 });
  guard.check({ kind: "tool", session: s, tool: "list_3", args: { path: "/srv/data" } }, { now: t + 3 });
}

/** An idle session: one action that ran and whose result came back, so nothing is outstanding. */
function idle(guard, s, i, t) {
  guard.check({ kind: "tool", session: s, tool: "list_3", args: { path: "/srv/data" } }, { now: t });
  guard.recordResult({ session: s, tool: "list_3", output: `data/${i}.json` });
}

/**
 * Bytes per session for `count` idle and `count` busy sessions, each kind in a guard of its own, and
 * how a busy session's later egress is decided (denied: its sequences and taint are there).
 */
export async function sessionMemory(count) {
  const out = {};
  for (const [kind, fill] of [["idle", idle], ["busy", busy]]) {
    const guard = await createGuard({ policy: POLICY });
    // The code paths warmed and the engine's first records reserved before the baseline.
    fill(guard, "warm", 0, 0);
    const before = usage();
    for (let i = 0; i < count; i++) fill(guard, `s${i}`, i, i * 10);
    out[kind] = perSession(before, usage(), count);
    if (kind === "busy") {
      const egress = (s) => guard.check({ kind: "http", session: s, method: "POST", url: "https://api0.example/api/v0/data/1" }, { now: count * 10 + 1 });
      let refused = 0;
      for (let i = 0; i < count; i++) if (egress(`s${i}`).effect === "deny") refused++;
      out.busy_egress_refused = refused;
      out.fresh_egress = egress("fresh").effect;
    }
  }
  out.fingerprints_per_output = new Set(fingerprints(customerRecords(1))).size;
  out.output_bytes = customerRecords(1).length;
  out.record_bytes = POLICY.trajectory.recordBytes;
  return out;
}

// The 100,000-session check: four kinds of first action, each leaving different state, then a second
// action whose decision depends on that state (a fresh session would be allowed it). A fresh guard
// deciding the same two actions gives the expected second decision.
const READ = (s) => ({ kind: "tool", session: s, tool: "read_1", args: { path: "/srv/data/customers.json" } });
const POST = (s) => ({ kind: "http", session: s, method: "POST", url: "https://api0.example/api/v0/data/1" });
const FIRST = [
  (s) => ({ kind: "shell", session: s, command: "prog_0 --input /tmp/in.txt" }), // arms shell-then-egress
  READ, // taints the session with pii
  (s) => ({ kind: "tool", session: s, tool: "list_3", args: { path: "/srv/data" } }), // arms list-then-force
  READ, // arms read-then-delete
];
const SECOND = [
  POST, // deny: shell-then-egress
  POST, // deny: no-pii-out
  (s) => ({ kind: "shell", session: s, command: "prog_1 --force" }), // flag: list-then-force
  (s) => ({ kind: "http", session: s, method: "DELETE", url: "https://api0.example/api/v0/items/1" }), // ask: read-then-delete
];
// The second actions come this much later: past the 60 s windows, as a session resumed after a pause.
const LATER = 100_000;

/**
 * Decides one action in each of `count` sessions of one guard, then a later action in each, and
 * compares every later decision with a fresh guard's; also the memory per session.
 */
export async function manySessions(count) {
  const expected = [];
  for (let k = 0; k < FIRST.length; k++) {
    const ref = await createGuard({ policy: POLICY });
    ref.check(FIRST[k]("r"), { now: 0 });
    const d = ref.check(SECOND[k]("r"), { now: LATER });
    const fresh = ref.check(SECOND[k]("fresh"), { now: LATER });
    if (fresh.effect === d.effect) throw new Error(`pattern ${k} does not depend on the session's state`);
    expected.push({ effect: d.effect, rule: d.rule, fresh: fresh.effect });
  }
  const guard = await createGuard({ policy: POLICY });
  const before = usage();
  let t = process.hrtime.bigint();
  for (let i = 0; i < count; i++) guard.check(FIRST[i % 4](`u${i}`), { now: i });
  const firstSeconds = Number(process.hrtime.bigint() - t) / 1e9;
  const memory = perSession(before, usage(), count);
  let wrong = 0;
  const sample = [];
  t = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const d = guard.check(SECOND[i % 4](`u${i}`), { now: LATER + i });
    const e = expected[i % 4];
    if (d.effect !== e.effect || d.rule !== e.rule) {
      wrong++;
      if (sample.length < 5) sample.push({ session: `u${i}`, got: { effect: d.effect, rule: d.rule, code: d.code }, expected: e });
    }
  }
  const secondSeconds = Number(process.hrtime.bigint() - t) / 1e9;
  return {
    sessions: count,
    expected,
    wrong,
    ...(sample.length ? { wrong_sample: sample } : {}),
    first_actions_per_s: Math.round(count / firstSeconds),
    later_actions_per_s: Math.round(count / secondSeconds),
    memory,
  };
}
