// The conformance corpus through the Chat Completions path: every `tool` action of a case is delivered as
// a `tool_calls` entry of an assistant message and decided by `guardToolCalls`, so the adapter's mapping
// (name, JSON arguments, session, agent, approvals, soft and hard deny) must give the decisions core gives.

import { describe, expect, it } from "vitest";
import { ActionDeniedError, type Action, type Decision, type Guard } from "@trailguard/core";
import { runCase, type ExpectedDecision, type PolicyCase } from "@trailguard/core/testing";
import { loadCorpus, partitionCorpus } from "../../../test/corpus.js";
import { guardToolCalls } from "./index.js";

/** The action fields a function call carries: its name and arguments, and the caller's session and agent. */
const CARRIED = new Set(["type", "kind", "session", "agent", "tool", "args"]);

/** Why a case cannot go through the Chat Completions path, or undefined when it can. */
function skipReason(c: PolicyCase): string | undefined {
  if (c.expectErrors) return "a policy that must be refused has no actions to deliver";
  const actions = c.events.filter((e) => e.type === "action") as unknown as Record<string, unknown>[];
  if (actions.length === 0) return "no action events";
  if (actions.some((a) => a.kind !== "tool")) return "actions of other kinds than `tool` (http, shell, fs, db, delegate, …) are not function calls";
  if (actions.some((a) => typeof a.tool !== "string")) return "a tool action without a tool name cannot be a function call";
  if (actions.some((a) => Object.keys(a).some((k) => !CARRIED.has(k)))) return "actions carry fields a function call cannot (origin, labels, usage, url, argv, …)";
  return undefined;
}

/**
 * Without an approver, `guard.decide` (the adapter's path) turns the policy's `ask` into a deny with
 * `approval_unavailable` that keeps the asking rule and its matches: that is what the adapter must give.
 */
function throughApprovals(expect: ExpectedDecision[] | undefined): ExpectedDecision[] | undefined {
  return expect?.map((e) => (e.effect === "ask" && e.shadow !== true ? { ...(e.rule !== undefined ? { rule: e.rule } : {}), ...(e.matched ? { matched: e.matched } : {}), effect: "deny", code: "approval_unavailable" } : e));
}

/** One action, delivered as the only tool call of an assistant message. */
async function viaToolCalls(guard: Guard, action: Action, now: number): Promise<Decision> {
  const call = { id: "call_1", type: "function" as const, function: { name: action.tool!, arguments: action.args === undefined ? "" : JSON.stringify(action.args) } };
  try {
    const guarded = await guardToolCalls(guard, { role: "assistant", content: null, refusal: null, tool_calls: [call] }, {
      session: action.session,
      ...(action.agent !== undefined ? { agent: action.agent } : {}),
      now,
    });
    return guarded.decisions[0]!.decision;
  } catch (e) {
    // A kill always throws: its decision is what the case expects.
    if (e instanceof ActionDeniedError) return e.decision;
    throw e;
  }
}

const cases = loadCorpus();
const { routed, skipped, summary } = partitionCorpus(cases, skipReason);

describe("conformance corpus through guardToolCalls", () => {
  it("routes the corpus's tool cases and says why the others are left out", () => {
    console.info(`openai adapter: ${routed.length} of ${cases.length} corpus cases through guardToolCalls; left out:\n  ${summary("\n  ")}`);
    expect(routed.length + [...skipped.values()].reduce((a, b) => a + b, 0)).toBe(cases.length);
    expect(routed.length).toBeGreaterThanOrEqual(100);
  });
  for (const c of routed) {
    it(c.name, async () => {
      const expected = throughApprovals(c.expect);
      expect(await runCase({ ...c, ...(expected ? { expect: expected } : {}) }, viaToolCalls)).toEqual([]);
    });
  }
});
