// The vulnerable-regex set: acceptance, then trailguard and JavaScript RegExp on each accepted pattern's
// attack string at growing sizes, then their answers compared on small inputs.

import { createGuard, loadPolicy } from "@trailguard/core";
import { accept, actionFor, crossCheck, policyYaml, refusedAt } from "./accept.mjs";
import { attackString, pumpCount } from "./data.mjs";
import { baselineGuard, bytesRead, dfaMatches, patternDfa, timeCheck } from "./matcher.mjs";
import { RegExpRunner } from "./js-regexp.mjs";

// Pump repetitions of the small inputs both matchers answer: enough to pass the pattern's repeated part
// more than once, few enough that backtracking on them stays in microseconds.
const SMALL_PUMPS = [1, 2, 3];

/**
 * A pattern scans its attack when its DFA reads past this share of the input: the attacks fail at the
 * suffix, so a scanning DFA may stop a few bytes before the end; one that matches at once stops within
 * the first bytes. Nothing falls in between on this data.
 */
export const SCANS_ALL = 0.99;

/**
 * The small inputs of the differential check: each pump count with and without the suffix (the suffix
 * is what makes an attack fail, so without it many patterns match and both answers get exercised).
 */
export function smallInputs(row) {
  return SMALL_PUMPS.flatMap((n) => [row.prefix + row.pump.repeat(n) + row.suffix, row.prefix + row.pump.repeat(n)]);
}

/**
 * Decides acceptance for every row, and for accepted ones times `guard.check` at each size (with the
 * baseline guard beside it) and records the engine's answers on the small inputs. Runs before any
 * RegExp worker exists, so nothing else competes for the CPU.
 */
export async function measureTrailguard(rows, { sizes, reps, log }) {
  const baseline = await baselineGuard();
  const results = [];
  let done = 0;
  for (const row of rows) {
    const t = performance.now();
    const verdict = accept(row.pattern);
    const compileMs = performance.now() - t;
    const r = { id: row.id, kind: row.kind, pattern: row.pattern, ok: verdict.ok, compileMs, crossChecked: crossCheck(row.pattern, verdict) };
    if (!verdict.ok) {
      Object.assign(r, { reason: verdict.reason, code: verdict.code, at: refusedAt(verdict.message, row.pattern) });
    } else if (row.hasAttack) {
      // One guard per pattern, dropped after it: each holds an engine whose string area grew to the
      // largest input, and keeping hundreds alive would measure the allocator.
      const guard = await createGuard({ policy: verdict.policy });
      const timed = sizes.map((bytes) => timeCheck(guard, attackString(row, bytes), reps));
      // The baseline runs on the same strings right after, so it sees the same bytes and the same machine.
      r.baseMs = sizes.map((bytes) => timeCheck(baseline, attackString(row, bytes), reps).ms);
      const dfa = patternDfa(row.pattern);
      const largest = attackString(row, sizes.at(-1));
      r.ms = timed.map((x) => x.ms);
      r.effects = timed.map((x) => x.effect);
      r.codes = [...new Set(timed.map((x) => x.code))];
      r.readBytes = bytesRead(dfa, largest);
      r.read = r.readBytes / new TextEncoder().encode(largest).length;
      r.small = smallInputs(row).map((s) => ({ engine: guard.check(actionFor(s)).effect === "deny", dfa: dfaMatches(dfa, s) }));
    }
    results.push(r);
    if (++done % 100 === 0) log(`  trailguard: ${done}/${rows.length} patterns`);
  }
  return results;
}

/**
 * Times the suspects again, at sizes `at` (indexes into `sizes`) with `reps` more calls each, and keeps
 * the best of all calls per size: the same estimator with more samples. On a shared VM a neighbour can
 * slow every call of one pattern's round (the machine's state flips for seconds at a time), which makes
 * a linear pattern look superlinear; a real superlinear one stays flagged. Returns what the first pass
 * had, for the report.
 */
export async function recheck(rows, suspects, { sizes, at, reps }) {
  const byId = new Map(rows.map((row) => [row.id, row]));
  const before = [];
  for (const r of suspects) {
    before.push({ id: r.id, ms: [...r.ms] });
    const guard = await createGuard({ policy: accept(r.pattern).policy });
    for (const i of at) r.ms[i] = Math.min(r.ms[i], timeCheck(guard, attackString(byId.get(r.id), sizes[i]), reps).ms);
  }
  return before;
}

/**
 * JavaScript RegExp on the same inputs, one size at a time, each under `capMs`. After a time-out the
 * larger sizes are not run: they would only time out again, a cap each. Then the small inputs.
 */
export async function measureRegExp(rows, results, { sizes, reps, capMs, log }) {
  const js = new RegExpRunner();
  const byId = new Map(rows.map((row) => [row.id, row]));
  let done = 0;
  try {
    for (const r of results) {
      if (!r.ok || !r.ms) continue;
      const row = byId.get(r.id);
      r.js = [];
      for (const bytes of sizes) {
        if (r.js.at(-1) === "timeout" || r.js.at(-1) === "skipped") { r.js.push("skipped"); continue; }
        const res = await js.run(row.pattern, [{ prefix: row.prefix, pump: row.pump, n: pumpCount(row, bytes), suffix: row.suffix }], { capMs, reps });
        if (res.syntax) { r.jsSyntax = res.syntax; delete r.js; break; }
        if (res.timedOut) { r.js.push("timeout"); continue; }
        r.js.push(res.out[0].ms);
        r.jsMatched = [...(r.jsMatched ?? []), res.out[0].matched];
      }
      if (!r.jsSyntax) {
        const res = await js.run(row.pattern, smallInputs(row), { capMs, reps: 1 });
        if (!res.timedOut) res.out.forEach((o, i) => { r.small[i].js = o.matched; });
      }
      if (++done % 100 === 0) log(`  regexp: ${done} patterns`);
    }
  } finally {
    js.close();
  }
  return { workers: js.started };
}

/**
 * The same attack strings as a shell line read by `action.command`, on the first `count` patterns whose
 * DFA reads (nearly) the whole input: the shell canonicaliser splits and re-joins the line before any pattern sees
 * it, and its cost is what a policy over shell commands pays on a large line. Returns ms per pattern and
 * the decision codes (a pump with `;` or `|` makes more commands than the guard decides at once).
 */
export async function measureShell(rows, results, { bytes, reps, count }) {
  const byId = new Map(rows.map((row) => [row.id, row]));
  const out = [];
  for (const r of results.filter((x) => x.ok && x.read >= SCANS_ALL).slice(0, count)) {
    const row = byId.get(r.id);
    const { policy } = loadPolicy(policyYaml(row.pattern, "action.command"));
    const guard = await createGuard({ policy });
    const command = attackString(row, bytes);
    const action = { kind: "shell", session: "redos", command };
    let d = guard.check(action);
    let best = Infinity;
    for (let i = 0; i < reps; i++) {
      const t = performance.now();
      d = guard.check(action);
      best = Math.min(best, performance.now() - t);
    }
    out.push({ id: r.id, ms: best, code: d.code });
  }
  return out;
}

/**
 * Where the answers differ: the engine against the TypeScript DFA runner (the same tables: any
 * difference is an engine fault) and against RegExp on the small inputs and on the attack strings it
 * finished (a difference there is the regex flavours — Java-era patterns read by RE2 and by JavaScript —
 * or a matcher bug; the list is for reading, not a verdict), and how many answers were compared.
 */
export function disagreements(results, rows, sizes) {
  const byId = new Map(rows.map((row) => [row.id, row]));
  const list = [];
  const compared = { dfa: 0, regexp: 0 };
  for (const r of results) {
    if (!r.ok || !r.small) continue;
    const inputs = smallInputs(byId.get(r.id));
    r.small.forEach((s, i) => {
      compared.dfa++;
      if (s.engine !== s.dfa) list.push({ id: r.id, against: "dfa", input: inputs[i], engine: s.engine, other: s.dfa });
      if (s.js === undefined) return;
      compared.regexp++;
      if (s.engine !== s.js) list.push({ id: r.id, against: "regexp", input: inputs[i], engine: s.engine, other: s.js });
    });
    (r.jsMatched ?? []).forEach((m, i) => {
      compared.regexp++;
      const engine = r.effects[i] === "deny";
      if (m !== engine) list.push({ id: r.id, against: "regexp", input: `attack at ${sizes[i]} bytes`, engine, other: m });
    });
  }
  return { list, compared };
}
