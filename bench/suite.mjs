// One policy size, in a process of its own: trailguard and every peer on a reference policy of `rules`
// rules, measured in the same process so that their ratios compare like with like, and the trajectory
// variant at the same size. run.mjs forks one per size, one after another, and receives the results
// over IPC; `node bench/suite.mjs 100 [--quick]` runs one alone and prints its JSON.
//
// A process per size, because on Node 20.20 running cel-js's exception-heavy evaluation after
// cedar-wasm's glue in one process crashes V8's deoptimizer (a fatal "unreachable code"): a second size
// in the same process would run cel-js after the first size's cedar-wasm. It also starts every size's
// trailguard measurement in a fresh process, not one that has already run the interpreters (later
// measurements in such a process are slower for everyone).

import { pathToFileURL } from "node:url";
import { actionMix, referencePolicy } from "./reference.mjs";
import { createGuard, loadPolicy } from "@trailguard/core";
import { buildPeers } from "./peers.mjs";
import { canary } from "./machine.mjs";
import { agreement, bestRound, measure, settings, timerOverhead } from "./measure.mjs";

/**
 * Measures every contender and the trajectory variant at one policy size.
 *
 * @example
 * const { contenders, trajectory } = await runSuite(100, settings(false));
 */
export async function runSuite(rules, s) {
  const actions = actionMix(rules, 512);
  const peers = await buildPeers(rules, actions);
  const overhead = timerOverhead();
  // CEL and Cedar read a missing field as an error where trailguard reads it as absent, so some differ.
  const reference = actions.map((_, i) => peers["trailguard guard.check"](i));

  // The same rules plus sequences, limits and flows, in rounds alternating with the per-action guard so
  // that both see the same process and machine state.
  const trajGuard = await createGuard({ policy: loadPolicy(referencePolicy(rules, { trajectory: true }).yaml).policy });
  // Its own copy of the mix, as the per-action guard's: neither guard sees objects the other has seen.
  const trajMix = actionMix(rules, 512);
  const trajDecide = (i) => trajGuard.check(trajMix[i]);

  // Contenders run in the order buildPeers lists them, each one's rounds back to back: cel-js before
  // cedar-wasm (see above), and no interleaving that would run one after the other.
  const contenders = [];
  let trajectory;
  for (const [name, decide] of Object.entries(peers)) {
    // The agreement pass over the mix is also the start of the contender's warm-up.
    const t0 = Date.now();
    const agree = agreement(decide, reference, s.AGREEMENT_STRIDE);
    const warmedMs = Date.now() - t0;
    if (name === "trailguard guard.check") {
      // Each round preceded by the machine canary (machine.mjs); the best round is reported, the median
      // round and every round's p50 beside it.
      const per = [];
      const traj = [];
      measure(decide, actions.length, overhead, s);
      measure(trajDecide, actions.length, overhead, s);
      for (let round = 0; round < s.ROUNDS; round++) {
        const machine_ns = Math.round(canary());
        per.push({ ...measure(decide, actions.length, overhead, s), machine_ns });
        traj.push({ ...measure(trajDecide, actions.length, overhead, s), machine_ns });
      }
      contenders.push({ name, ...bestRound(per), agreement: agree });
      trajectory = {
        ...bestRound(traj),
        rounds: traj.map((r, i) => ({ p50_us: r.p50_us, p99_us: r.p99_us, per_action_p50_us: per[i].p50_us, machine_ns: r.machine_ns })),
      };
      continue;
    }
    // The microsecond contenders get a discarded round, then as many rounds as guard.check, and report
    // their best, so that the ratios compare like with like. The peers that take hundreds of
    // microseconds or more get one measured round, warmed by the agreement pass and measure's own
    // warm-up: a discarded round would add seconds per peer and size to the run.
    const fast = name.startsWith("trailguard") || name.startsWith("hand-written");
    if (fast) measure(decide, actions.length, overhead, s);
    const runs = Array.from({ length: fast ? s.ROUNDS : 1 }, () => measure(decide, actions.length, overhead, s, fast ? 0 : warmedMs));
    contenders.push({ name, ...bestRound(runs), agreement: agree });
  }
  const base = contenders[0];
  for (const r of contenders) {
    r.ratio_p50 = r.p50_us / base.p50_us;
    r.ratio_p99 = r.p99_us / base.p99_us;
  }
  trajectory.ratio_p50 = trajectory.p50_us / base.p50_us;
  trajectory.ratio_p99 = trajectory.p99_us / base.p99_us;
  const agreementActions = Math.ceil(actions.length / s.AGREEMENT_STRIDE);
  return { rules, actions: actions.length, agreement_actions: agreementActions, timer_overhead_ns: overhead, contenders, trajectory };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rules = Number(process.argv[2]);
  if (!Number.isInteger(rules) || rules < 10) throw new Error("usage: node bench/suite.mjs <rules ≥ 10> [--quick]");
  const result = await runSuite(rules, settings(process.argv.includes("--quick")));
  if (process.send) process.send(result);
  else console.log(JSON.stringify(result, null, 2));
}
