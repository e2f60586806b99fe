// The benchmark compares like with like only if the contenders evaluate the same conditions: the
// hand-written JS twins must agree with the engine on every action of the mix, at every policy size.
import { describe, it, expect } from "vitest";
import { createGuard, loadPolicy } from "@trailguard/core";
import { referencePolicy, actionMix } from "./reference.mjs";
import { canonical } from "./peers.mjs";
import { parse as celJsParse } from "@marcbachmann/cel-js";
import { celEnv, isCelError, parse as bufParse, plan as bufPlan } from "@bufbuild/cel";

const RANK: Record<string, number> = { allow: 0, flag: 1, ask: 2, deny: 3, kill: 4 };
const NAMES = ["allow", "flag", "ask", "deny", "kill"];

describe("reference policy", () => {
  for (const n of [10, 100, 1000]) {
    it(`${n} rules: the hand-written twins agree with the engine on every action`, async () => {
      const ref = referencePolicy(n);
      const { policy, errors } = loadPolicy(ref.yaml);
      expect(errors).toEqual([]);
      expect(policy!.rules).toHaveLength(n);
      const guard = await createGuard({ policy: policy! });
      const actions = actionMix(n, 512);
      const effects = new Set<string>();
      for (const action of actions) {
        const a = canonical(action);
        let best = -1;
        for (const r of ref.rules as { effect: string; js: (a: unknown) => boolean }[]) {
          let m: boolean;
          try { m = r.js(a); } catch { m = RANK[r.effect]! >= 2; }
          if (m && RANK[r.effect]! > best) best = RANK[r.effect]!;
        }
        const expected = best < 0 ? "deny" : NAMES[best];
        const d = guard.check(action as never);
        expect(d.effect, JSON.stringify(action)).toBe(expected);
        effects.add(d.effect);
      }
      // The mix exercises every effect the policy has, not one outcome.
      const policyEffects = new Set(["deny", ...(ref.rules as { effect: string }[]).map((r) => r.effect)]);
      expect([...effects].sort()).toEqual([...policyEffects].sort());
    });
  }
});

// The two CEL peers are timed on the same condition texts and activation; their ratios compare the same
// work only if both interpreters read those texts alike: the same value, or both an error.
describe("CEL peers", () => {
  for (const n of [10, 100, 1000]) {
    it(`${n} rules: cel-js and @bufbuild/cel give every condition the same value`, () => {
      const ref = referencePolicy(n);
      const env = celEnv();
      const rules = (ref.rules as { when: string }[]).map((r) => ({ when: r.when, a: celJsParse(r.when), b: bufPlan(env, bufParse(r.when)) }));
      // A sample of the mix past 10 rules, to keep the test to seconds: at 1,000 rules both interpreters
      // take ~20 ms an action. Strides are odd, so every one of the mix's four kinds (k % 4) stays in.
      const stride = n <= 10 ? 1 : n <= 100 ? 7 : 21;
      const actions = actionMix(n, 512).filter((_, k) => k % stride === 0);
      for (const action of actions) {
        const ctx = { action: canonical(action), sets: ref.sets };
        for (const r of rules) {
          let a: unknown;
          try { a = r.a(ctx); } catch { a = "error"; }
          const v = r.b(ctx as never);
          expect(isCelError(v) ? "error" : v, `${r.when} on ${JSON.stringify(action)}`).toBe(a);
        }
      }
    });
  }
});
