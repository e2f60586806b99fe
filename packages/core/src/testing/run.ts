import { createGuard } from "../guard/guard.js";
import { loadPolicy } from "../policy/load.js";
import type { Decision } from "../guard/decision.js";
import type { Action } from "../guard/action.js";
import { replayTrace } from "../trace/replay.js";
import { compareDecisions, compareIssues, compareResults, type CaseFailure, type PolicyCase } from "./cases.js";
import type { RecordedResult } from "../guard/outputs.js";

/**
 * Decides a case's actions with a fresh guard, in order, and returns every mismatch. `decide` lets an
 * adapter route the actions through its own path (the corpus runs through every adapter).
 *
 * @example
 * const failures = await runCase(c);
 */
export async function runCase(
  c: PolicyCase,
  decide?: (guard: Awaited<ReturnType<typeof createGuard>>, action: Action, now: number) => Decision | Promise<Decision>,
): Promise<CaseFailure[]> {
  const loaded = loadPolicy(c.policy);
  if (c.expectErrors) return compareIssues(c, loaded.errors);
  if (!loaded.policy) {
    return [{ case: c.name, action: -1, message: "the policy did not load", actual: loaded.errors.map((e) => `${e.line ?? "?"}:${e.column ?? "?"}: ${e.message}`) }];
  }
  const guard = await createGuard({ policy: loaded.policy });
  const results: RecordedResult[] = [];
  const replayed = await replayTrace(guard, c.events, decide ? (action, now) => decide(guard, action, now) : undefined, (_, r) => results.push(r));
  return [...compareDecisions(c, replayed.map((r) => r.decision)), ...compareResults(c, results)];
}
