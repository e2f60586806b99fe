// Maps what happens in a crew (an agent calls a tool, an agent hands work or a question to a coworker) to
// the action the guard decides (DESIGN §3), and builds the refusals the adapter makes itself. Every
// entry point of `guardCrew` maps through here, so they agree on what a policy sees.

import type { Action } from "@trailguard/core";

/**
 * CrewAI's own names for its delegation tools, so that a policy or a log reads like the crew it guards.
 *
 * @example
 * if (toolName === DELEGATE_WORK) await crew.delegate(from, to, task, context);
 */
export const DELEGATE_WORK = "Delegate work to coworker";

/**
 * CrewAI's name for asking a coworker a question (decided as a `message` action).
 *
 * @example
 * if (toolName === ASK_QUESTION) await crew.ask(from, to, question, context);
 */
export const ASK_QUESTION = "Ask question to coworker";

/** The action for one call of `tool` by `agent`. */
export function toolAction(session: string, agent: string, tool: string, args: Record<string, unknown>): Action {
  return { kind: "tool", session, agent, tool, args };
}

/**
 * The action for a hand-off: the handed data (task text, context) is in `args`, so the guard's value
 * taint sees labelled outputs crossing from one agent to another.
 */
export function handOffAction(kind: "delegate" | "message", session: string, from: string, to: string, args: Record<string, unknown>): Action {
  return { kind, session, agent: from, target: to, args };
}

/**
 * Arguments as a plain object: objects pass as they are, anything else becomes `{ input }` (what a
 * string tool calls its input), so a rule reads `action.args.input`.
 */
export function argsOf(input: unknown): Record<string, unknown> {
  if (typeof input === "object" && input !== null && !Array.isArray(input)) {
    const proto = Object.getPrototypeOf(input) as unknown;
    if (proto === Object.prototype || proto === null) return input as Record<string, unknown>;
  }
  return { input };
}
