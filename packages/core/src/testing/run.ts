import { createGuard } from "../guard/guard.js";
import { loadPolicy } from "../policy/load.js";
import type { Decision } from "../guard/decision.js";
import type { Action } from "../guard/action.js";
import { compareDecisions, compareIssues, type CaseFailure, type PolicyCase } from "./cases.js";

/**
 * Decides a case's actions with a fresh guard, in order, and returns every mismatch. `decide` lets an
 * adapter route the actions through its own path (the corpus runs through every adapter).
 *
 * @example
 * const failures = await runCase(c);
 */
export async function runCase(
  c: PolicyCase,
  decide?: (guard: Awaited<ReturnType<typeof createGuard>>, action: Action) => Decision | Promise<Decision>,
): Promise<CaseFailure[]> {
  const loaded = loadPolicy(c.policy);
  if (c.expectErrors) return compareIssues(c, loaded.errors);
  if (!loaded.policy) {
    return [{ case: c.name, action: -1, message: "the policy did not load", actual: loaded.errors.map((e) => `${e.line ?? "?"}:${e.column ?? "?"}: ${e.message}`) }];
  }
  const guard = await createGuard({ policy: loaded.policy });
  const decisions: Decision[] = [];
  for (const e of c.events) {
    if (e.type !== "action") continue;
    const { type: _type, ...action } = e;
    decisions.push(await (decide ? decide(guard, action as Action) : guard.check(action as Action)));
  }
  return compareDecisions(c, decisions);
}
