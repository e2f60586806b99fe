// The conformance corpus (test/README.md) through the middleware: every case whose actions are all tool
// calls is replayed with each action delivered as a tool call of a real `createAgent` agent, decided by
// `trailguardMiddleware`, and the decisions are compared with the case's expectations. The cases the
// middleware cannot deliver are counted by reason, never dropped silently.

import { describe, it, expect } from "vitest";
import { createAgent, type ReactAgent } from "langchain";
import { compareResults, runCase, type ExpectedDecision, type PolicyCase } from "@trailguard/core/testing";
import { ToolMessage } from "@langchain/core/messages";
import { permits, type Action, type Decision, type Guard, type RecordedResult } from "@trailguard/core";
import type { TraceEvent } from "@trailguard/core";
import { loadCorpus, partitionCorpus } from "../../../test/corpus.js";
import { deniedBy, trailguardMiddleware } from "./index.js";
import { ScriptedModel, callTool, countingTool } from "./langchain.test-support.js";

/** The fields a LangChain tool call carries to the middleware: its name, its arguments, its thread. */
const CARRIED = new Set(["type", "kind", "session", "agent", "tool", "args"]);

/** Why the middleware cannot deliver a case's actions, or undefined when it can. */
function skipReason(c: PolicyCase): string | undefined {
  if (c.expectErrors) return "a policy that must not load: no actions to deliver";
  const actions = c.events.filter((e): e is Extract<TraceEvent, { type: "action" }> => e.type === "action");
  if (actions.some((a) => a.kind !== "tool")) return "actions of other kinds (http, shell, fs, db, message, …): not tool calls";
  if (actions.some((a) => Object.keys(a).some((k) => !CARRIED.has(k)))) return "tool actions with fields a tool call cannot carry (usage, labels, …)";
  if (actions.some((a) => typeof a.tool !== "string" || typeof a.session !== "string" || a.session === "")) return "tool actions without a tool name or a session";
  if (actions.some((a) => a.args !== undefined && (typeof a.args !== "object" || a.args === null || Array.isArray(a.args)))) return "tool actions whose args are not an object";
  if (c.expectResults && !resultsFollowTheirActions(c)) return "expected outputs of parallel calls: the middleware records each call's output as soon as its tool returns, before the next call is decided";
  return undefined;
}

/** Whether every result comes right after an action of its session, as a tool's output through the middleware does. */
function resultsFollowTheirActions(c: PolicyCase): boolean {
  return c.events.every((e, i) => e.type !== "result" || (i > 0 && c.events[i - 1]!.type === "action" && (c.events[i - 1] as { session?: string }).session === e.session));
}

/**
 * The output each action's tool returns: the trace's `result` for the same session when one follows the
 * action before the next action, otherwise "ok". The case handed to `runCase` leaves out those results
 * (unless they carry an `origin`, which only the trace can give), so the labels and fingerprints the
 * flow cases depend on come from the middleware's own recording of the tool's output.
 */
function outputsOf(c: PolicyCase): { outputs: string[]; delivered: PolicyCase } {
  const outputs: string[] = [];
  const consumed = new Set<number>();
  c.events.forEach((e, i) => {
    if (e.type !== "action") return;
    let output = "ok";
    for (let j = i + 1; j < c.events.length; j++) {
      const next = c.events[j]!;
      if (next.type === "action") break;
      if (next.type === "result" && next.session === e.session) {
        output = typeof next.output === "string" ? next.output : JSON.stringify(next.output);
        if (next.origin === undefined) consumed.add(j);
        break;
      }
    }
    outputs.push(output);
  });
  return { outputs, delivered: { ...c, events: c.events.filter((_, i) => !consumed.has(i)) } };
}

/** Cases longer than this go straight to the middleware's `wrapToolCall`, without an agent per action. */
const DIRECT_ABOVE = 200;

/**
 * What the middleware must decide where the case expects `ask`: the middleware decides with
 * `guard.decide`, which settles an `ask` with the guard's approver, and `runCase`'s guard has none, so
 * the asked action is denied (`approval_unavailable`) by the same rule. Everything else is unchanged:
 * neither an `ask` nor a deny changes the session's state. In shadow mode nothing is enforced, so an
 * `ask` stays what it is (and the call runs).
 */
const enforcedAsk = (e: ExpectedDecision) => e.effect === "ask" && e.shadow !== true;

function throughApprovals(c: PolicyCase): PolicyCase {
  if (!c.expect?.some(enforcedAsk)) return c;
  const expect = c.expect.map((e): ExpectedDecision => {
    if (!enforcedAsk(e)) return e;
    const { reason: _reason, ...rest } = e;
    return { ...rest, effect: "deny", code: "approval_unavailable" };
  });
  return { ...c, expect };
}

/** Replays one case through agents guarded by the middleware; returns the failures and what ran. */
async function runThroughMiddleware(c: PolicyCase) {
  const direct = c.events.filter((e) => e.type === "action").length > DIRECT_ABOVE;
  const { outputs, delivered } = outputsOf(c);
  const names = [...new Set(c.events.flatMap((e) => (e.type === "action" && typeof e.tool === "string" ? [e.tool] : [])))];
  const tools = new Map(names.map((n) => [n, countingTool(n, () => current.output)]));
  let current = { output: "ok", now: 0, decision: undefined as Decision | undefined, action: undefined as Action | undefined };
  let index = 0;
  const problems: string[] = [];
  const options = (name: string | undefined) => ({
    ...(name !== undefined ? { agent: name } : {}),
    now: () => current.now,
    onDecision: (decision: Decision, action: Action | undefined) => {
      current.decision = decision;
      current.action = action;
    },
  });
  // One agent per guard and acting agent: the middleware's `agent` option names who acts.
  const agents = new Map<string, { agent: ReactAgent<any>; model: ScriptedModel }>();
  const agentFor = (guard: Guard, name: string | undefined) => {
    const key = name ?? "";
    let entry = agents.get(key);
    if (!entry) {
      const model = new ScriptedModel([]);
      const middleware = trailguardMiddleware(guard, options(name));
      entry = { agent: createAgent({ model, tools: [...tools.values()].map((t) => t.tool), middleware: [middleware] }), model };
      agents.set(key, entry);
    }
    return entry;
  };
  const middlewares = new Map<string, ReturnType<typeof trailguardMiddleware>>();
  const directMiddleware = (guard: Guard, name: string | undefined) => {
    const key = name ?? "";
    let m = middlewares.get(key);
    if (!m) middlewares.set(key, (m = trailguardMiddleware(guard, options(name))));
    return m;
  };
  // Every result the guard records, through the middleware (the results delivered as tool outputs) or
  // straight from the trace (the others), in the order they happen: what `expect_results` describes.
  const recorded: RecordedResult[] = [];
  const watched = new WeakSet<Guard>();
  const watch = (guard: Guard) => {
    if (watched.has(guard)) return;
    watched.add(guard);
    const record = guard.recordResult.bind(guard);
    guard.recordResult = (r) => {
      const out = record(r);
      recorded.push(out);
      return out;
    };
  };
  const decide = async (guard: Guard, action: Action, now: number): Promise<Decision> => {
    watch(guard);
    const i = index++;
    current = { output: outputs[i]!, now, decision: undefined, action: undefined };
    const { agent, model } = direct ? { agent: undefined!, model: undefined! } : agentFor(guard, action.agent);
    const tool = tools.get(action.tool!)!;
    const before = tool.calls.length;
    const args = action.args ?? {};
    try {
      if (direct) {
        // The request LangChain's tool node builds, and a handler that runs the tool as it does.
        const toolCall = { name: action.tool!, args, id: `call_${i}`, type: "tool_call" as const };
        const request = { toolCall, tool: tool.tool, state: { messages: [] }, runtime: { configurable: { thread_id: action.session } } };
        const handler = async (r: typeof request) => new ToolMessage({ content: String(await tool.tool.invoke(r.toolCall.args)), tool_call_id: toolCall.id, name: toolCall.name });
        await (directMiddleware(guard, action.agent).wrapToolCall as unknown as (r: typeof request, h: typeof handler) => Promise<unknown>)(request, handler);
      } else {
        model.script.push(callTool(action.tool!, args));
        await agent.invoke({ messages: [{ role: "user", content: "go" }] }, { configurable: { thread_id: action.session } });
      }
    } catch (e) {
      // A kill, or a hard deny: the decision was still observed.
      if (!deniedBy(e)) throw e;
    }
    const decision = current.decision;
    if (!decision) throw new Error(`action ${i}: the middleware made no decision`);
    // The tool ran exactly when the decision permits it, with the arguments the model gave.
    const ran = tool.calls.slice(before);
    if (permits(decision) ? ran.length !== 1 || JSON.stringify(ran[0]) !== JSON.stringify(decision.args ?? args) : ran.length !== 0) {
      problems.push(`action ${i}: ${decision.effect} but the tool ran ${ran.length} time(s)`);
    }
    const expected: Action = { kind: "tool", session: action.session, tool: action.tool!, args, ...(action.agent !== undefined ? { agent: action.agent } : {}) };
    if (JSON.stringify(current.action) !== JSON.stringify(expected)) problems.push(`action ${i}: delivered as ${JSON.stringify(current.action)}`);
    return decision;
  };
  const { expectResults: _results, ...decisionsOnly } = throughApprovals(delivered);
  const failures = [...await runCase(decisionsOnly, decide), ...compareResults(c, recorded)];
  return { failures, problems, actions: index };
}

const cases = loadCorpus();
const { routed: runnable, skipped, summary: skippedBy } = partitionCorpus(cases, skipReason);
const summary = skippedBy("; ");

const long = runnable.filter((c) => c.events.filter((e) => e.type === "action").length > DIRECT_ABOVE).length;
const asks = runnable.filter((c) => c.expect?.some(enforcedAsk)).length;

describe(`conformance corpus through trailguardMiddleware: ${runnable.length} of ${cases.length} cases (${summary}; of those run, ${long} with more than ${DIRECT_ABOVE} actions call wrapToolCall directly, and ${asks} expecting ask expect the approval's deny)`, () => {
  it("delivers most of the corpus's tool-only cases, and accounts for every case", () => {
    expect(runnable.length + [...skipped.values()].reduce((a, b) => a + b, 0)).toBe(cases.length);
    expect(runnable.length).toBeGreaterThanOrEqual(250);
  });
  for (const c of runnable) {
    it(c.name, async () => {
      const { failures, problems, actions } = await runThroughMiddleware(c);
      expect(failures).toEqual([]);
      expect(problems).toEqual([]);
      expect(actions).toBe(c.events.filter((e) => e.type === "action").length);
    });
  }
});
