// One decision for one crew action, shared by tool calls and hand-offs: ask the guard (approvals
// included), tell the observer, and turn what the policy says into "run it", "answer with a refusal"
// (soft deny) or "throw" (hard deny, kill). Nothing here may let an action run by failing: every fault
// of the guard call or of the observer becomes a deny.

import { ActionDeniedError, adapterFault, denialText, permits, type Action, type Decision, type Guard } from "@trailguard/core";

/**
 * Options shared by every entry point of a guarded crew.
 *
 * @example
 * const options: DecideOptions = { mode: "hard", onDecision: (d, a) => console.log(a?.agent, a?.kind, d.effect) };
 */
export interface DecideOptions {
  /**
   * `soft` (the default): a denied tool call or hand-off answers with the refusal text, which the agent
   * reads and the crew goes on. `hard`: it throws `ActionDeniedError` and the task stops. `kill` always
   * throws.
   */
  mode?: "soft" | "hard";
  /** The decision time in milliseconds since the epoch (default: the guard's clock). */
  now?: () => number;
  /** Called with every decision and its action; a throw here refuses the action, like any adapter fault. */
  onDecision?: (decision: Decision, action: Action) => void;
}

/** What to do with an action: run it (with these args), or answer with a refusal instead. */
export type Verdict = { run: true; args: Record<string, unknown>; decision: Decision } | { run: false; refusal: string; decision: Decision };

/**
 * Decides `action`; resolves to a verdict, or rejects with `ActionDeniedError` for a hard deny or a kill.
 * `subject` names the action in the refusal (a tool name, "researcher → analyst").
 */
export async function decideAction(guard: Guard, action: Action, subject: string, options: DecideOptions): Promise<Verdict> {
  let decision: Decision;
  try {
    // `decide`, not `check`: an `ask` goes to the guard's approver, and only its answer lets the action run.
    decision = await guard.decide(action, options.now ? { now: options.now() } : undefined);
  } catch (e) {
    decision = adapterFault(e);
  }
  try {
    options.onDecision?.(decision, action);
  } catch (e) {
    decision = adapterFault(e);
  }
  if (permits(decision)) return { run: true, args: decision.args ?? action.args ?? {}, decision };
  if (decision.effect === "kill" || options.mode === "hard") throw new ActionDeniedError(decision, subject);
  return { run: false, refusal: denialText(decision, subject), decision };
}
