// The conformance corpus (test/README.md) through guardCrew: every case whose actions are all tool calls,
// delegations or messages by a named agent is replayed through a guarded crew (one per session), and
// the decisions and recorded results are compared with the case's expectations. Every other case is
// counted by reason, never dropped silently.

import { describe, it, expect } from "vitest";
import { compareResults, runCase, type ExpectedDecision, type PolicyCase } from "@trailguard/core/testing";
import { permits, type Action, type Decision, type Guard, type RecordedResult, type TraceEvent } from "@trailguard/core";
import { loadCorpus, partitionCorpus } from "../../../test/corpus.js";
import { guardCrew, type GuardedCrew, type HandOff } from "./index.js";

type ActionEvent = Extract<TraceEvent, { type: "action" }>;

const TOOL_FIELDS = new Set(["type", "kind", "session", "agent", "tool", "args"]);
const HANDOFF_FIELDS = new Set(["type", "kind", "session", "agent", "target", "args"]);

/** Whether a hand-off's args are what `delegate`/`message` build: the task or text, and maybe a context. */
function handOffArgs(a: ActionEvent): boolean {
  const key = a.kind === "delegate" ? "task" : "text";
  const args = a.args;
  if (typeof args !== "object" || args === null || Array.isArray(args)) return false;
  return Object.entries(args).every(([k, v]) => (k === key || k === "context") && typeof v === "string") && typeof (args as Record<string, unknown>)[key] === "string";
}

/** Why a crew cannot deliver a case's actions, or undefined when it can. */
function skipReason(c: PolicyCase): string | undefined {
  if (c.expectErrors) return "a policy that must not load: no actions to deliver";
  const actions = c.events.filter((e): e is ActionEvent => e.type === "action");
  if (actions.some((a) => !["tool", "delegate", "message"].includes(a.kind as string))) return "actions of other kinds (http, shell, fs, db, mcp): not crew actions";
  if (actions.some((a) => typeof a.agent !== "string" || a.agent === "")) return "actions by no agent: every crew action has an acting agent";
  if (actions.some((a) => typeof a.session !== "string" || a.session === "")) return "actions without a session";
  if (actions.some((a) => a.kind === "tool" && (typeof a.tool !== "string" || Object.keys(a).some((k) => !TOOL_FIELDS.has(k)) || (a.args !== undefined && (typeof a.args !== "object" || a.args === null || Array.isArray(a.args)))))) return "tool actions with fields a tool call cannot carry";
  if (actions.some((a) => a.kind !== "tool" && (typeof a.target !== "string" || Object.keys(a).some((k) => !HANDOFF_FIELDS.has(k)) || !handOffArgs(a)))) return "hand-offs whose fields are not a from, a to, and a task/text (and context)";
  if (c.events.some((e, i) => e.type === "result" && !(i > 0 && c.events[i - 1]!.type === "action" && (c.events[i - 1] as { session?: string }).session === e.session))) return "results not right after their action: the crew records each output as soon as the action returns";
  return undefined;
}

/** The output of each action: the trace's result right after it (consumed), else "ok". */
function outputsOf(c: PolicyCase): { outputs: unknown[]; delivered: PolicyCase } {
  const outputs: unknown[] = [];
  const consumed = new Set<number>();
  c.events.forEach((e, i) => {
    if (e.type !== "action") return;
    const next = c.events[i + 1];
    if (next?.type === "result" && next.session === e.session && next.origin === undefined) {
      outputs.push(next.output);
      consumed.add(i + 1);
    } else outputs.push("ok");
  });
  return { outputs, delivered: { ...c, events: c.events.filter((_, i) => !consumed.has(i)) } };
}

/** As the LangChain corpus test: the crew decides with `guard.decide`, and runCase's guard has no approver. */
const enforcedAsk = (e: ExpectedDecision) => e.effect === "ask" && e.shadow !== true;
function throughApprovals(c: PolicyCase): PolicyCase {
  if (!c.expect?.some(enforcedAsk)) return c;
  return { ...c, expect: c.expect.map((e): ExpectedDecision => {
    if (!enforcedAsk(e)) return e;
    const { reason: _reason, ...rest } = e;
    return { ...rest, effect: "deny", code: "approval_unavailable" };
  }) };
}

async function runThroughCrew(c: PolicyCase) {
  const { outputs, delivered } = outputsOf(c);
  const actions = c.events.filter((e): e is ActionEvent => e.type === "action");
  const agents = [...new Set(actions.flatMap((a) => [a.agent as string, ...(typeof a.target === "string" ? [a.target] : [])]))];
  const toolNames = [...new Set(actions.flatMap((a) => (a.kind === "tool" ? [a.tool as string] : [])))];
  let current = { output: undefined as unknown, now: 0, decision: undefined as Decision | undefined, action: undefined as Action | undefined };
  const ran: { what: string; args: unknown }[] = [];
  const tools = Object.fromEntries(toolNames.map((n) => [n, (args: Record<string, unknown>) => { ran.push({ what: n, args }); return current.output; }]));
  const handOff = (kind: string) => (h: HandOff) => { ran.push({ what: kind, args: h }); return current.output; };
  const recorded: RecordedResult[] = [];
  const crews = new Map<string, GuardedCrew>();
  const crewFor = (guard: Guard, session: string) => {
    let crew = crews.get(session);
    if (!crew) {
      if (crews.size === 0) {
        const record = guard.recordResult.bind(guard);
        guard.recordResult = (r) => { const out = record(r); recorded.push(out); return out; };
      }
      crew = guardCrew(guard, {
        session, agents, tools, delegate: handOff("delegate"), message: handOff("message"), mode: "soft",
        now: () => current.now,
        onDecision: (decision, action) => { current.decision = decision; current.action = action; },
      });
      crews.set(session, crew);
    }
    return crew;
  };
  const problems: string[] = [];
  let index = 0;
  const decide = async (guard: Guard, action: Action, now: number): Promise<Decision> => {
    const i = index++;
    current = { output: outputs[i], now, decision: undefined, action: undefined };
    const crew = crewFor(guard, action.session);
    const before = ran.length;
    const args = action.args ?? {};
    try {
      if (action.kind === "tool") await crew.tool(action.agent!, action.tool!, args);
      else if (action.kind === "delegate") await crew.delegate(action.agent!, action.target!, String(args["task"]), args["context"] as string | undefined);
      else await crew.message(action.agent!, action.target!, String(args["text"]), args["context"] as string | undefined);
    } catch (e) {
      if (!(e instanceof Error && e.name === "ActionDeniedError")) throw e;
    }
    const decision = current.decision;
    if (!decision) throw new Error(`action ${i}: the crew made no decision`);
    const runs = ran.length - before;
    if (permits(decision) ? runs !== 1 : runs !== 0) problems.push(`action ${i}: ${decision.effect} but it ran ${runs} time(s)`);
    const expected = action.kind === "tool" ? { kind: "tool", session: action.session, agent: action.agent, tool: action.tool, args } : { kind: action.kind, session: action.session, agent: action.agent, target: action.target, args };
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
const handOffCases = runnable.filter((c) => c.events.some((e) => e.type === "action" && e.kind !== "tool")).length;

describe(`conformance corpus through guardCrew: ${runnable.length} of ${cases.length} cases, ${handOffCases} with hand-offs (${summary})`, () => {
  it("accounts for every case, and runs the hand-off cases", () => {
    expect(runnable.length + [...skipped.values()].reduce((a, b) => a + b, 0)).toBe(cases.length);
    expect(handOffCases).toBeGreaterThanOrEqual(2);
  });
  for (const c of runnable) {
    it(c.name, async () => {
      const { failures, problems, actions } = await runThroughCrew(c);
      expect(failures).toEqual([]);
      expect(problems).toEqual([]);
      expect(actions).toBe(c.events.filter((e) => e.type === "action").length);
    });
  }
});
