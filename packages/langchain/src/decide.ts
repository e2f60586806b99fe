// One decision for one tool call, shared by the middleware, the callback handler and guarded tools: map
// the call, ask the guard (approvals included), tell the observer. Nothing here may let a tool run by
// failing: every fault of the mapping, the guard or the observer becomes a deny.

import { adapterFault, type Action, type Decision, type Guard } from "@trailguard/core";
import { noSession, sessionOf, toolAction, type ActionOptions } from "./action.js";

/**
 * Options every hook shares.
 *
 * @example
 * const options: DecideOptions = { onDecision: (d, action) => log.info({ tool: action?.tool, effect: d.effect, rule: d.rule }) };
 */
export interface DecideOptions extends ActionOptions {
  /**
   * The decision time in milliseconds since the epoch (default: the guard's clock). For replays and
   * tests that drive time themselves.
   */
  now?: () => number;
  /**
   * Called with every decision this hook makes, and the action it decided (undefined when the call could
   * not be mapped to one). For logs and dashboards; a throw here refuses the call, like any adapter fault.
   */
  onDecision?: (decision: Decision, action: Action | undefined) => void;
}

/** A decision and the action it was made on (absent when the adapter refused before building one). */
export interface CallDecision {
  decision: Decision;
  action: Action | undefined;
}

/**
 * Decides one call of `tool` with `args` in the session named by the options or by `threadId`. Never
 * rejects: no session is a `no_session` deny, and any exception an `adapter_error` deny.
 */
export async function decideCall(guard: Guard, tool: string, args: Record<string, unknown>, threadId: unknown, options: DecideOptions): Promise<CallDecision> {
  let result: CallDecision;
  try {
    const session = sessionOf(options.session, threadId);
    if (session === undefined) {
      result = { decision: noSession(tool), action: undefined };
    } else {
      const action = toolAction(tool, args, session, options.agent);
      // `decide`, not `check`: an `ask` goes to the guard's approver, and only its answer lets the call run.
      const decision = await guard.decide(action, options.now ? { now: options.now() } : undefined);
      result = { decision, action };
    }
  } catch (e) {
    result = { decision: adapterFault(e), action: undefined };
  }
  try {
    options.onDecision?.(result.decision, result.action);
  } catch (e) {
    return { decision: adapterFault(e), action: result.action };
  }
  return result;
}
