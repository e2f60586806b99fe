// KaibanJS (npm `kaibanjs`, the maintained CrewAI-style library for JavaScript): guards a Team in place.
// Each agent's tools are replaced by guarded stand-ins (KaibanJS calls `tool.invoke(actionInput)`), and
// each agent's `workOnTask` first decides the hand-off of earlier tasks' results (the `context` KaibanJS
// passes, and `{taskResult:…}` placeholders in the description) as a `delegate` action from the agent
// of the latest finished task to this one. Only structural types are used, so the adapter does not pin
// KaibanJS's own LangChain copy.

import { ActionDeniedError, adapterFault, type Guard } from "@trailguard/core";
import { argsOf, handOffAction, toolAction } from "./action.js";
import { decideAction, type DecideOptions } from "./decide.js";

/** The part of a KaibanJS (LangChain) tool the adapter needs. */
interface KaibanTool {
  name: string;
  invoke(input: unknown, config?: unknown): Promise<unknown>;
}

/** The part of a KaibanJS task the adapter reads. */
interface KaibanTask {
  id: string;
  description: string;
  status?: string;
  agent?: KaibanAgent;
}

/** The part of a KaibanJS agent (the `Agent` wrapper and its `agentInstance`) the adapter touches. */
interface KaibanAgent {
  name?: string;
  role?: string;
  agentInstance?: { tools?: KaibanTool[]; workOnTask?: (task: KaibanTask, inputs: unknown, context: string) => Promise<unknown> };
}

/**
 * The part of a KaibanJS `Team` the adapter needs: its store, with the agents and tasks.
 *
 * @example
 * const team: KaibanTeam = new Team({ name: "crew", agents, tasks });
 */
export interface KaibanTeam {
  getStore(): { getState(): { agents: unknown[]; tasks: unknown[]; getTaskResults?: () => Record<string, unknown>; handleAgentBlockTask?(block: { agent: never; task: never; reason: string; metadata: { isAgentDecision: boolean; blockedBy: string } }): void } };
}

/**
 * Options of {@link guardKaibanTeam}.
 *
 * @example
 * const options: GuardKaibanOptions = { session: "run-1", mode: "soft", agentId: (a) => a.name ?? "" };
 */
export interface GuardKaibanOptions extends DecideOptions {
  /** The session (team run) every action belongs to. */
  session: string;
  /** How an agent is named in `action.agent` / `action.target` (default: its `role`, as in CrewAI). */
  agentId?: (agent: { name?: string; role?: string }) => string;
}

/** Marks what is already guarded, so guarding a team twice does not decide every action twice. */
const GUARDED = Symbol.for("trailguard.crewai.kaiban");

/**
 * Guards a KaibanJS `Team` in place, before `team.start()`: every tool call of every agent is decided
 * before the tool runs, and every task's hand-off of earlier results is decided as a `delegate` action.
 * A soft-denied tool call answers with the refusal (the agent reads it and goes on); a hard deny or a
 * kill blocks the task (KaibanJS's own `BLOCK_TASK`), and the tool never runs. A soft-denied hand-off
 * runs the task with the refusal in place of the handed results; a hard deny or kill blocks the task.
 * Tool outputs go through `guard.recordResult`; the agent reads the returned (redacted) output.
 *
 * Set `KAIBAN_TELEMETRY_OPT_OUT` before importing `kaibanjs`: KaibanJS reads it once, at import.
 *
 * @example
 * import { Agent, Task, Team } from "kaibanjs";
 * import { guardKaibanTeam } from "@trailguard/crewai";
 *
 * const team = guardKaibanTeam(guard, new Team({ name: "research", agents: [analyst, researcher], tasks }), { session: "run-1" });
 * const { status } = await team.start(); // "BLOCKED" when a hard deny blocked a task
 */
export function guardKaibanTeam<T extends KaibanTeam>(guard: Guard, team: T, options: GuardKaibanOptions): T {
  if (typeof options.session !== "string" || options.session === "") throw new TypeError("guardKaibanTeam: `session` must be a non-empty string");
  const idOf = (a: { name?: string; role?: string } | undefined) => (a ? options.agentId?.(a) ?? a.role ?? a.name ?? "" : "");
  const state = () => team.getStore().getState();
  for (const agent of state().agents as KaibanAgent[]) {
    const inner = agent.agentInstance;
    if (!inner || (inner as Record<symbol, unknown>)[GUARDED]) continue;
    (inner as Record<symbol, unknown>)[GUARDED] = true;
    if (Array.isArray(inner.tools)) inner.tools = inner.tools.map((t) => guardedTool(guard, t, () => idOf(agent), options));
    const work = inner.workOnTask?.bind(inner);
    if (work) inner.workOnTask = (task, inputs, context) => handOff(guard, options, { task, inputs, context, to: idOf(agent), from: idOf(upstreamAgent(state().tasks as KaibanTask[], task)), results: () => state().getTaskResults?.() ?? {}, block: (reason) => blockTask(state(), inner, task, reason), work });
  }
  return team;
}

/** The agent of the latest finished task before `task`: who hands its result on. */
function upstreamAgent(tasks: KaibanTask[], task: KaibanTask): KaibanAgent | undefined {
  const index = tasks.findIndex((t) => t.id === task.id);
  for (let i = index - 1; i >= 0; i--) if (tasks[i]!.status === "DONE") return tasks[i]!.agent;
  return undefined;
}

const TASK_RESULT = /\{taskResult:[^}]*\}/g;

/** Decides a task's hand-off, then runs the agent's task (with the refusal in place of the data on a soft deny). */
async function handOff(guard: Guard, options: GuardKaibanOptions, h: { task: KaibanTask; inputs: unknown; context: string; from: string; to: string; results: () => Record<string, unknown>; block: (reason: string) => unknown; work: (task: KaibanTask, inputs: unknown, context: string) => Promise<unknown> }): Promise<unknown> {
  const handsResults = h.task.description.includes("{taskResult:");
  // Nothing handed over is the only case decided without the guard: a context of any other type is
  // handed data too.
  if ((h.context === undefined || h.context === null || h.context === "") && !handsResults) return h.work(h.task, h.inputs, h.context);
  // The task as the agent will read it: KaibanJS fills `{taskResult:taskN}` from earlier results, and
  // those results are the handed data value taint must see.
  const results = handsResults ? h.results() : {};
  const text = h.task.description.replace(TASK_RESULT, (m) => {
    const r = results[m.slice("{taskResult:".length, -1)];
    return r === undefined ? m : typeof r === "string" ? r : JSON.stringify(r);
  });
  const args: Record<string, unknown> = { task: text, context: typeof h.context === "string" ? h.context : JSON.stringify(h.context) ?? "" };
  const subject = `${h.from || "?"} → ${h.to}`;
  let verdict;
  try {
    verdict = await decideAction(guard, handOffAction("delegate", options.session, h.from, h.to, args), subject, options);
  } catch (e) {
    // A hard deny or a kill: the task is blocked as when an agent blocks it, and its agent never starts.
    return h.block(e instanceof ActionDeniedError ? e.message : new ActionDeniedError(adapterFault(e), subject).message);
  }
  if (verdict.run) return h.work(h.task, h.inputs, h.context);
  // Soft deny: the same task (a view of it, so KaibanJS's own updates still reach the task), without the handed results.
  const view = new Proxy(h.task, { get: (t, k, r) => (k === "description" ? t.description.replace(TASK_RESULT, verdict.refusal) : Reflect.get(t, k, r)) });
  return h.work(view, h.inputs, verdict.refusal);
}

/**
 * Blocks `task` the way KaibanJS does when an agent decides to (the team ends BLOCKED, not ERRORED);
 * without that store action (another KaibanJS version), throwing still stops the task, as an error.
 */
function blockTask(state: ReturnType<ReturnType<KaibanTeam["getStore"]>["getState"]>, agent: unknown, task: KaibanTask, reason: string): unknown {
  if (typeof state.handleAgentBlockTask !== "function") throw new Error(reason);
  state.handleAgentBlockTask({ agent: agent as never, task: task as never, reason, metadata: { isAgentDecision: false, blockedBy: "trailguard" } });
  return { error: reason, metadata: { iterations: 0, maxAgentIterations: 0 } };
}

/** A stand-in for `tool` that decides each call first; KaibanJS reads the name, schema and description from the tool. */
function guardedTool(guard: Guard, tool: KaibanTool, agent: () => string, options: GuardKaibanOptions): KaibanTool {
  const guarded = Object.create(tool) as KaibanTool;
  const invoke = async (input: unknown, config?: unknown): Promise<unknown> => {
    const name = tool.name;
    let verdict;
    try {
      verdict = await decideAction(guard, toolAction(options.session, agent(), name, argsOf(input)), name, options);
    } catch (e) {
      // A hard deny or kill: KaibanJS blocks the task when a tool answers with BLOCK_TASK (its own
      // mechanism); a thrown error would only become an error message the agent reads and retries past.
      const reason = e instanceof ActionDeniedError ? e.message : new ActionDeniedError(adapterFault(e), name).message;
      return { action: "BLOCK_TASK", result: reason, reason };
    }
    if (!verdict.run) return verdict.refusal;
    const run = verdict.decision.args === undefined ? input : verdict.args;
    const output = await tool.invoke(run, config);
    try {
      return guard.recordResult({ session: options.session, tool: name, output }).output;
    } catch (e) {
      // The tool ran, but flow rules could not see its output: withhold it and block the task.
      const reason = new ActionDeniedError(adapterFault(e), name).message;
      return { action: "BLOCK_TASK", result: reason, reason };
    }
  };
  Object.defineProperty(guarded, "invoke", { value: invoke, writable: false, enumerable: false, configurable: false });
  return guarded;
}
