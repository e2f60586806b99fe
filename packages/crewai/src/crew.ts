// The structural interface for any crew runtime: a crew hands its agents' tool calls and its hand-offs
// (delegation, questions, task results flowing to the next agent) through here, and nothing runs that the
// guard did not permit. Tool outputs and coworkers' answers go back through `guard.recordResult`, so
// labels (and fingerprints of labelled values) follow data from one agent to the next.

import { ActionDeniedError, adapterFault, type Action, type Decision, type Guard } from "@trailguard/core";
import { argsOf, ASK_QUESTION, DELEGATE_WORK, handOffAction, toolAction } from "./action.js";
import { decideAction, type DecideOptions } from "./decide.js";

/**
 * A crew member as trailguard sees it: its role (CrewAI's `role`, the policy's `action.agent`) and,
 * optionally, the names of the crew tools it holds.
 *
 * @example
 * const analyst: CrewAgent = { role: "analyst", tools: ["read_customers"] };
 */
export interface CrewAgent {
  role: string;
  /** The crew tools this agent holds (CrewAI's `agent.tools`); all of them when absent. */
  tools?: readonly string[];
}

/**
 * A tool body: runs only after the guard permitted the call, with the arguments the guard let through.
 *
 * @example
 * const readCustomers: CrewToolBody = async ({ id }) => db.customer(String(id));
 */
export type CrewToolBody = (args: Record<string, unknown>, context: { agent: string }) => unknown;

/**
 * A hand-off from one agent to another: a delegated task (CrewAI's "Delegate work to coworker", or a
 * task's result flowing into the next task) or a message ("Ask question to coworker").
 *
 * @example
 * const handOff: HandOff = { from: "analyst", to: "researcher", text: "find press on ACME", context: "" };
 */
export interface HandOff {
  from: string;
  to: string;
  /** The task (for a delegation) or the text (for a message). */
  text: string;
  context?: string;
}

/**
 * Options of {@link guardCrew}.
 *
 * @example
 * const options: GuardCrewOptions = {
 *   session: "crew-run-1",
 *   agents: [{ role: "researcher", tools: ["browse"] }, { role: "analyst", tools: ["read_customers"] }],
 *   tools: { browse: ({ url }) => fetchText(String(url)), read_customers: () => db.all() },
 *   delegate: ({ to, text, context }) => crew.agent(to).execute(text, context),
 * };
 */
export interface GuardCrewOptions extends DecideOptions {
  /** The session (crew run) every action belongs to; all trajectory state, labels included, is per session. */
  session: string;
  /** The crew's agents; an action by or to an agent not listed is refused (`adapter_error`). */
  agents: readonly (CrewAgent | string)[];
  /** The crew's tools by name; each body runs only when the guard permits the call. */
  tools?: Readonly<Record<string, CrewToolBody>>;
  /** Runs a delegated task on the coworker `to` and resolves to its answer (which the delegator reads). */
  delegate?: (handOff: HandOff) => unknown;
  /** Delivers a message (a question) to `to` and resolves to its reply, if any. */
  message?: (handOff: HandOff) => unknown;
}

/**
 * A crew whose every tool call and hand-off is decided before it runs. Each method resolves to what the
 * calling agent reads: the (redacted) output, or, on a soft deny, the refusal text. A hard deny and a kill
 * reject with `ActionDeniedError`.
 *
 * @example
 * const out = await crew.tool("analyst", "read_customers", {});
 */
export interface GuardedCrew {
  /** Calls `tool` as `agent` (a `tool` action). */
  tool(agent: string, tool: string, args?: Record<string, unknown>): Promise<unknown>;
  /** The tools `agent` holds, each a guarded function of its arguments, for the runtime to hand to the agent. */
  toolsFor(agent: string): Record<string, (args?: Record<string, unknown>) => Promise<unknown>>;
  /** Hands `task` (and `context`) from `from` to `to` (a `delegate` action; the handed data in `args`). */
  delegate(from: string, to: string, task: string, context?: string): Promise<unknown>;
  /** Sends `text` from `from` to `to` (a `message` action; the text in `args`). */
  message(from: string, to: string, text: string, context?: string): Promise<unknown>;
  /**
   * CrewAI's delegation tools for `agent`, by their CrewAI names: "Delegate work to coworker" takes
   * `{ task, context, coworker }`, "Ask question to coworker" takes `{ question, context, coworker }`.
   */
  coworkerTools(agent: string): Record<string, (args: Record<string, unknown>) => Promise<unknown>>;
}

/**
 * Guards a crew: agents, roles and delegation become policy subjects (`action.agent`, `action.target`),
 * per-agent tool scopes are rules on `action.agent`, and labelled data handed between agents keeps its
 * labels. A denied tool body or hand-off never runs.
 *
 * @example
 * import { guardCrew } from "@trailguard/crewai";
 *
 * const crew = guardCrew(guard, {
 *   session: "run-1",
 *   agents: ["researcher", "analyst"],
 *   tools: { browse: ({ url }) => fetchText(String(url)), read_customers: () => db.all() },
 *   delegate: ({ to, text }) => runAgent(to, text),
 * });
 * const rows = await crew.tool("analyst", "read_customers");
 * await crew.delegate("analyst", "researcher", `check these accounts: ${rows}`); // refused when rows are labelled and a sink forbids it
 */
export function guardCrew(guard: Guard, options: GuardCrewOptions): GuardedCrew {
  if (typeof options.session !== "string" || options.session === "") throw new TypeError("guardCrew: `session` must be a non-empty string");
  const session = options.session;
  const tools = options.tools ?? {};
  // The agents' tool lists, by role; `undefined` holds every crew tool.
  const holds = new Map<string, readonly string[] | undefined>();
  for (const a of options.agents) {
    const agent = typeof a === "string" ? { role: a } : a;
    holds.set(agent.role, agent.tools);
  }

  /** Refuses without asking the guard (unknown agent or tool), honouring soft and hard mode. */
  const refuse = (reason: string, action: Action, subject: string): string => {
    let decision: Decision = adapterFault(new Error(reason));
    try {
      options.onDecision?.(decision, action);
    } catch (e) {
      decision = adapterFault(e);
    }
    const error = new ActionDeniedError(decision, subject);
    if (options.mode === "hard") throw error;
    return error.message;
  };

  /** Records an allowed action's output; what the agent may see comes back. Withheld if recording fails. */
  const record = (output: unknown, subject: string, tool?: string): unknown => {
    try {
      return guard.recordResult({ session, output, ...(tool !== undefined ? { tool } : {}) }).output;
    } catch (e) {
      // The action ran, but flow rules could not see its output: withhold it rather than pass it on unlabelled.
      throw new ActionDeniedError(adapterFault(e), subject);
    }
  };

  const tool = async (agent: string, name: string, args: Record<string, unknown> = {}): Promise<unknown> => {
    const action = toolAction(session, agent, name, args);
    if (!holds.has(agent)) return refuse(`unknown agent \`${agent}\``, action, name);
    const held = holds.get(agent);
    const body = Object.hasOwn(tools, name) ? tools[name] : undefined;
    if (body === undefined || (held !== undefined && !held.includes(name))) return refuse(`agent \`${agent}\` holds no tool \`${name}\``, action, name);
    const verdict = await decideAction(guard, action, name, options);
    if (!verdict.run) return verdict.refusal;
    const output = await body(verdict.args, { agent });
    return record(output, name, name);
  };

  const handOff = async (kind: "delegate" | "message", from: string, to: string, text: string, context: string | undefined): Promise<unknown> => {
    const key = kind === "delegate" ? "task" : "text";
    const args: Record<string, unknown> = { [key]: text, ...(context !== undefined ? { context } : {}) };
    const action = handOffAction(kind, session, from, to, args);
    const subject = `${from} → ${to}`;
    if (!holds.has(from)) return refuse(`unknown agent \`${from}\``, action, subject);
    if (!holds.has(to)) return refuse(`unknown coworker \`${to}\``, action, subject);
    const run = kind === "delegate" ? options.delegate : options.message;
    if (run === undefined) return refuse(`the crew was guarded without a \`${kind}\` runner`, action, subject);
    const verdict = await decideAction(guard, action, subject, options);
    if (!verdict.run) return verdict.refusal;
    // An approver may have modified the hand-off: run what was approved.
    const approved = verdict.args;
    const output = await run({ from, to, text: String(approved[key] ?? ""), ...(approved["context"] !== undefined ? { context: String(approved["context"]) } : {}) });
    return record(output, subject);
  };

  return {
    tool,
    toolsFor(agent) {
      const held = holds.has(agent) ? holds.get(agent) ?? Object.keys(tools) : [];
      return Object.fromEntries(held.map((name) => [name, (args?: Record<string, unknown>) => tool(agent, name, args ?? {})]));
    },
    delegate: (from, to, task, context) => handOff("delegate", from, to, task, context),
    message: (from, to, text, context) => handOff("message", from, to, text, context),
    coworkerTools(agent) {
      const fields = (input: Record<string, unknown>, main: string) => {
        const args = argsOf(input);
        const context = args["context"];
        return { to: String(args["coworker"] ?? ""), text: String(args[main] ?? ""), context: context === undefined ? undefined : String(context) };
      };
      return {
        [DELEGATE_WORK]: (input) => {
          const f = fields(input, "task");
          return handOff("delegate", agent, f.to, f.text, f.context);
        },
        [ASK_QUESTION]: (input) => {
          const f = fields(input, "question");
          return handOff("message", agent, f.to, f.text, f.context);
        },
      };
    },
  };
}
