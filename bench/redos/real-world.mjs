// The real-world sets: which share of the regexes people write loads as a trailguard rule, and why the
// rest are refused. Compile only; the time it takes is reported, as it is what a policy load pays.

import { accept, crossCheck, refusedAt } from "./accept.mjs";
import { histogram } from "./report.mjs";

/**
 * Loads the one-rule policy of every distinct pattern of a list (see data.mjs readPatternList).
 * Returns counts by distinct pattern and by line (regexlib_all.txt repeats entries), the refusal
 * histogram, the constructs the refusals point at, compile times, and a compact verdict per distinct
 * pattern: 0 accepted, k the k-th reason of `reasons`.
 */
export function measureList(name, list) {
  const verdicts = new Map();
  const times = [];
  let mismatches = 0;
  const t0 = performance.now();
  for (const p of list.unique) {
    const t = performance.now();
    const v = accept(p);
    times.push(performance.now() - t);
    if (!crossCheck(p, v)) mismatches++;
    verdicts.set(p, v.ok ? { ok: true } : { ok: false, reason: v.reason, at: refusedAt(v.message, p) });
  }
  const totalMs = performance.now() - t0;
  const refused = [...verdicts.values()].filter((v) => !v.ok);
  const reasons = histogram(refused.map((v) => v.reason));
  const index = new Map(reasons.map(([k], i) => [k, i + 1]));
  return {
    name,
    lines: list.lines.length,
    unique: list.unique.length,
    accepted: list.unique.length - refused.length,
    acceptedLines: list.lines.filter((l) => verdicts.get(l).ok).length,
    reasons,
    // The construct behind each reason, e.g. `(?'` (a .NET named group) under "invalid or unsupported Perl syntax".
    at: histogram(refused.filter((v) => v.at !== undefined).map((v) => `${v.reason} at \`${v.at}\``)),
    compile: { totalMs, times },
    crossCheckMismatches: mismatches,
    verdicts: list.unique.map((p) => (verdicts.get(p).ok ? 0 : index.get(verdicts.get(p).reason))),
  };
}
