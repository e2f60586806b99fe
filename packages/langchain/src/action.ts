// Maps what LangChain knows about a tool call (its name, its arguments, the run's thread) to the action the
// guard decides (DESIGN §3), and builds the refusals the adapter makes itself, before the guard is asked.
// Every hook (middleware, callback handler, guarded tool) maps through here, so the three agree.

import type { Action, Decision } from "@trailguard/core";

/**
 * What every hook of this adapter accepts: where the actions belong and who takes them.
 *
 * @example
 * const options: ActionOptions = { session: "ticket-4711", agent: "support" };
 */
export interface ActionOptions {
  /**
   * The session (conversation, run) the actions belong to; all trajectory state is per session. Without
   * it, each call's LangGraph `thread_id` is used (`configurable.thread_id`, or the run's metadata for the
   * callback handler). A call with neither is refused (`code: "no_session"`): a shared default session
   * would mix the taint and limits of unrelated conversations.
   */
  session?: string;
  /** The acting agent's id or role (`action.agent`). */
  agent?: string;
}

/**
 * A thread id as a session name: a non-empty string, or a finite number written in decimal (LangGraph
 * accepts both). Anything else is no session.
 */
export function sessionOf(explicit: string | undefined, threadId: unknown): string | undefined {
  if (typeof explicit === "string" && explicit !== "") return explicit;
  if (typeof threadId === "string" && threadId !== "") return threadId;
  if (typeof threadId === "number" && Number.isFinite(threadId)) return String(threadId);
  return undefined;
}

/** The action for one call of the tool `tool` with `args`; `session` is already resolved. */
export function toolAction(tool: string, args: Record<string, unknown>, session: string, agent: string | undefined): Action {
  const action: Action = { kind: "tool", session, tool, args };
  if (agent !== undefined) action.agent = agent;
  return action;
}

/**
 * A tool's input as arguments. LangChain hands callbacks a string: the JSON of the arguments for a
 * structured tool, the bare input for a string tool. JSON objects become the arguments; anything else
 * (a plain string, a JSON number or list) becomes `{ input }`, which is what a string tool's schema
 * calls it, so a rule reads `action.args.input` whichever hook saw the call.
 */
export function argsOf(input: unknown): Record<string, unknown> {
  if (isPlainObject(input)) return input;
  if (typeof input === "string") {
    const text = input.trimStart();
    if (text.startsWith("{")) {
      try {
        const parsed: unknown = JSON.parse(input);
        if (isPlainObject(parsed)) return parsed;
      } catch {
        // Not JSON after all: the text itself is the input.
      }
    }
    return { input };
  }
  return { input };
}

/** The refusal for a call that belongs to no session; the guard is not asked, so nothing is audited. */
export function noSession(tool: string): Decision {
  return {
    effect: "deny",
    code: "no_session",
    reason: `the call of \`${tool}\` belongs to no session: set the adapter's \`session\` option or run with \`configurable.thread_id\``,
    matched: [],
  };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}
