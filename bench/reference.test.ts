// The benchmark compares like with like only if the contenders evaluate the same conditions: the
// hand-written JS twins must agree with the engine on every action of the mix, at every policy size.
import { describe, it, expect } from "vitest";
import { createGuard, loadPolicy } from "@trailguard/core";
import { referencePolicy, actionMix } from "./reference.mjs";
import { canonical } from "./peers.mjs";

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
