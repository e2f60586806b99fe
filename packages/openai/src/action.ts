// The one mapping every OpenAI integration shares: a function call the model asked for (a name and a JSON
// argument string) becomes a `tool` action, is decided (with approvals), and comes back as either the
// arguments to run it with or the refusal to hand to the model. Everything here fails closed: a fault in
// this code, the guard or the approver is a deny, never a run.

import { ActionDeniedError, denialText, messageOf, permits, refusal, type Action, type Decision, type Guard } from "@trailguard/core";

/**
 * What every integration needs to know besides the call: whose session it is and what to do on a deny.
 *
 * @example
 * const options: GuardCallOptions = { session: conversationId, agent: "support", onDeny: "refuse" };
 */
export interface GuardCallOptions {
  /** The session (conversation, thread, run) the call belongs to: all trajectory state is per session. */
  session: string;
  /** The acting agent's id or role, for per-agent rules and limits (`action.agent`). */
  agent?: string;
  /**
   * `refuse` (the default, "soft"): a denied call does not run and the model gets the refusal text as the
   * call's result, so the run goes on. `throw` ("hard"): a denied call throws `ActionDeniedError`. A
   * `kill` always throws.
   */
  onDeny?: "refuse" | "throw";
  /** The decision time in ms since the epoch, for replays and tests; default: the guard's clock. */
  now?: number;
}

/**
 * A function call as the model sent it: its name and its arguments as JSON text.
 *
 * @example
 * const call: FunctionCallRequest = { name: "search", arguments: '{"q":"shoes"}' };
 */
export interface FunctionCallRequest {
  name: string;
  arguments: string;
}

/**
 * The guard's verdict on one call: run it with `args`, or do not run it and answer `text`.
 *
 * @example
 * const v = await decideCall(guard, { name: "search", arguments: '{"q":"x"}' }, { session: "s1" });
 * if (v.allowed) await search(v.args); else reply(v.text);
 */
export type CallVerdict =
  | { allowed: true; decision: Decision; args: unknown }
  | { allowed: false; decision: Decision; text: string };

/**
 * Reads a call's JSON arguments. Any valid JSON is read (the policy decides what to make of arguments
 * that are not an object, as core does for every action); an empty string is `{}`, which models send for
 * functions without parameters. Text that is not JSON is `{ ok: false }`: such a call is never run.
 *
 * @example
 * parseArguments('{"q":"x"}'); // { ok: true, args: { q: "x" } }
 * parseArguments("{oops"); // { ok: false, reason: "…" }
 */
export function parseArguments(text: unknown): { ok: true; args: unknown } | { ok: false; reason: string } {
  if (typeof text !== "string") return { ok: false, reason: "the arguments are not text" };
  if (text.trim() === "") return { ok: true, args: {} };
  try {
    return { ok: true, args: JSON.parse(text) as unknown };
  } catch (e) {
    return { ok: false, reason: messageOf(e) };
  }
}

/**
 * The `tool` action of a call with parsed arguments (DESIGN §3).
 *
 * @example
 * toolAction("search", { q: "x" }, { session: "s1" });
 * // { kind: "tool", session: "s1", tool: "search", args: { q: "x" } }
 */
export function toolAction(name: string, args: unknown, options: Pick<GuardCallOptions, "session" | "agent">): Action {
  return {
    kind: "tool",
    session: options.session,
    ...(typeof options.agent === "string" ? { agent: options.agent } : {}),
    tool: name,
    args: args as Record<string, unknown>,
  };
}

/**
 * Decides one action with approvals (`guard.decide`) and turns the decision into a verdict. Soft deny:
 * `{ allowed: false, text }`. Hard deny (`onDeny: "throw"`) and every `kill`: throws `ActionDeniedError`.
 * Any other fault, in the guard, the approver or here, is a deny.
 *
 * @example
 * const v = await decideAction(guard, { kind: "delegate", session: "s1", agent: "triage", target: "billing" }, "billing");
 */
export async function decideAction(guard: Guard, action: Action, subject: string, options: Pick<GuardCallOptions, "onDeny" | "now">): Promise<CallVerdict> {
  let decision: Decision;
  try {
    decision = await guard.decide(action, options.now !== undefined ? { now: options.now } : undefined);
    if (typeof decision?.effect !== "string") decision = refusal("adapter_error", "the guard gave no decision");
  } catch (e) {
    decision = refusal("adapter_error", `the call could not be decided: ${messageOf(e)}`);
  }
  return verdict(decision, action, subject, options);
}

/**
 * Decides one function call: `kind: "tool"`, `tool: name`, `args: JSON.parse(arguments)`. Arguments that
 * are not JSON are denied (`invalid_action`) by the adapter itself, without asking the guard (so that
 * refusal is not in the audit log), and never run. Modified arguments from an approver replace the call's.
 *
 * @example
 * const v = await decideCall(guard, call.function, { session: "s1", onDeny: "throw" });
 */
export async function decideCall(guard: Guard, call: FunctionCallRequest, options: GuardCallOptions): Promise<CallVerdict> {
  let name = "?";
  try {
    name = String(call.name);
    const parsed = parseArguments(call.arguments);
    if (!parsed.ok) return verdict(refusal("invalid_action", `the arguments are not valid JSON (${parsed.reason}); the call was not run`), undefined, name, options);
    return await decideAction(guard, toolAction(name, parsed.args, options), name, options);
  } catch (e) {
    if (e instanceof ActionDeniedError) throw e;
    return verdict(refusal("adapter_error", `the call could not be decided: ${messageOf(e)}`), undefined, name, options);
  }
}

/**
 * Hands an allowed call's output to the guard (flows label it, DESIGN §4.3) and returns the output to give
 * the model: the guard's, with the policy's output rules applied (DESIGN §4.7, redaction). The one place
 * outputs pass through. `recordResult` never throws; should it ever, the output is withheld rather than
 * handed on unredacted and unlabelled.
 *
 * @example
 * const content = recordOutput(guard, { session: "s1", tool: "read_file", output: text });
 */
export function recordOutput<T>(guard: Guard, result: { session: string; tool?: string; output: T }): T | string {
  try {
    return guard.recordResult(result).output as T;
  } catch {
    return WITHHELD;
  }
}

/** What the model gets instead of an output the guard could not record. */
const WITHHELD = "[output withheld: trailguard could not record it]";

/**
 * The `ActionDeniedError` behind an error a framework raised: the error itself, one of its `cause`s
 * (`runTools` wraps what a tool throws in an `OpenAIError`), or the decision an Agents SDK tool guardrail
 * tripped on (`ToolInputGuardrailTripwireTriggered`, which the runner wraps in a `ToolCallError`). Undefined when trailguard did not cause it.
 *
 * @example
 * try { await runner.finalContent(); }
 * catch (e) { const denied = actionDeniedFrom(e); if (denied) console.error(denied.decision.rule); else throw e; }
 */
export function actionDeniedFrom(error: unknown): ActionDeniedError | undefined {
  let e: unknown = error;
  for (let depth = 0; depth < 8 && typeof e === "object" && e !== null; depth++) {
    if (e instanceof ActionDeniedError) return e;
    const info = (e as { result?: { output?: { outputInfo?: unknown } } }).result?.output?.outputInfo;
    const carried = (info as { error?: unknown } | undefined)?.error;
    if (carried instanceof ActionDeniedError) return carried;
    // `cause` for errors that wrap (OpenAIError), `error` for the Agents SDK's ToolCallError.
    const next = e as { cause?: unknown; error?: unknown };
    e = next.cause ?? next.error;
  }
  return undefined;
}

function verdict(decision: Decision, action: Action | undefined, subject: string, options: Pick<GuardCallOptions, "onDeny">): CallVerdict {
  if (permits(decision)) {
    const args: unknown = decision.args ?? action?.args;
    return { allowed: true, decision, args };
  }
  if (decision.effect === "kill" || options.onDeny === "throw") throw new ActionDeniedError(decision, subject);
  return { allowed: false, decision, text: denialText(decision, subject) };
}
