// Differential test: the engine (policy compiled to bytecode, decided in Wasm) against the reference
// evaluator written plainly in TypeScript (reference/), on random policies and traces. The two must agree
// on every decision's effect, deciding rule, code and matched list.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { createGuard, loadPolicy, type Decision } from "@trailguard/core";
import { decideTrace, policyText, type RefAction, type RefDecision, type RefPolicy } from "./reference/decide.js";
import { policy as policyArb, trace as traceArb } from "./reference/arbitraries.js";
import { propertyParams } from "./settings.js";

/** JavaScript's RegExp decides `matches` in the reference: the generated patterns are where RE2 and JS agree. */
const jsMatches = (pattern: string, text: string): boolean => new RegExp(pattern, "u").test(text);

async function engineDecisions(p: RefPolicy, actions: readonly RefAction[]): Promise<RefDecision[]> {
  const loaded = loadPolicy(policyText(p));
  // A generated policy is valid by construction: a refusal is itself a discrepancy worth seeing.
  if (!loaded.policy) throw new Error(`the engine refused a generated policy: ${loaded.errors.map((e) => e.message).join("; ")}\n${policyText(p)}`);
  const guard = await createGuard({ policy: loaded.policy });
  // Time does not move: lifetime limits and kills do not depend on it.
  return actions.map((a) => summary(guard.check({ ...a }, { now: 0 })));
}

const summary = (d: Decision): RefDecision => ({ effect: d.effect, rule: d.rule ?? null, code: d.code, matched: d.matched });

describe("the engine agrees with the reference evaluator", () => {
  it("on random policies (rules, unless, count limits, kill) and traces", async () => {
    const effects = new Map<string, number>();
    const codes = new Map<string, number>();
    let decisions = 0;
    await fc.assert(
      fc.asyncProperty(policyArb, traceArb, async (p, actions) => {
        const got = await engineDecisions(p, actions);
        const want = decideTrace(p, actions, jsMatches);
        for (const d of got) {
          effects.set(d.effect, (effects.get(d.effect) ?? 0) + 1);
          codes.set(d.code, (codes.get(d.code) ?? 0) + 1);
          decisions++;
        }
        expect(got, `policy:\n${policyText(p)}\nactions: ${JSON.stringify(actions)}`).toEqual(want);
      }),
      propertyParams(300),
    );
    // The generators must exercise every outcome, or agreement proves little. The shares are floors on
    // what the fixed CI seed gives (each effect decides 10–30% of the time there), kept loose so that any
    // seed passes them.
    const share = (m: Map<string, number>, k: string): number => (m.get(k) ?? 0) / decisions;
    for (const e of ["allow", "flag", "ask", "deny", "kill"]) expect(share(effects, e), `share of ${e}`).toBeGreaterThan(0.04);
    for (const c of ["rule", "default", "eval_error", "limit", "killed"]) expect(share(codes, c), `share of code ${c}`).toBeGreaterThan(0.01);
    console.log(`reference: ${decisions} decisions; effects ${JSON.stringify(Object.fromEntries(effects))}; codes ${JSON.stringify(Object.fromEntries(codes))}`);
  });
});
