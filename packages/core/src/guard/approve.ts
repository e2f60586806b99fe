// The `ask` workflow of DESIGN §4.6 on the guard's side: an action decided `ask` goes to the approval
// desk; an approval grants it in the engine's session state (once, or for `ttl`) and the action is
// decided again, so that the engine commits its state as for any action that runs; approved *modified*
// arguments make a new action, checked from the start. Everything else is a deny that says why.

import type { ApprovalDesk } from "../approvals/desk.js";
import type { ApprovalOutcome } from "../approvals/types.js";
import type { Action } from "./action.js";
import { permits, refusal, type Decision } from "./decision.js";
import { messageOf } from "../approvals/text.js";

// An approver that answers every request with other arguments would loop; past this many rounds of
// modification the action is refused.
const MAX_MODIFICATIONS = 3;

/** What the approval flow needs from the guard. */
export interface ApprovalHost {
  /** Decides an action (and audits it); `input` is the canonical action's hash, when it was decided. */
  decide(action: Action, now: number): { decision: Decision; input?: string; fields?: Record<string, unknown> };
  /** Grants the session an approval for the action with this input hash; false when it could not. */
  grant(session: string, input: string, until: number, once: boolean): boolean;
  desk: ApprovalDesk;
  policyHash: string;
  clock: () => number;
}

/**
 * Decides an action and, when the policy asks, obtains the approval: resolves to the decision to act on.
 * Never rejects.
 *
 * @example
 * const d = await decideWithApproval(host, action, undefined);
 * if (permits(d)) run(d.args ?? action.args);
 */
export async function decideWithApproval(host: ApprovalHost, action: Action, now: number | undefined, round = 0): Promise<Decision> {
  try {
    const at = now ?? host.clock();
    const first = host.decide(action, at);
    const d = first.decision;
    // Shadow mode permits an `ask` without asking (permits() says so).
    if (d.effect !== "ask" || permits(d)) return d;
    if (first.input === undefined || first.fields === undefined) {
      return refusal("approval_error", "the action to approve could not be identified");
    }
    const outcome = await host.desk.request({
      session: action.session,
      ...(typeof action.agent === "string" ? { agent: action.agent } : {}),
      action: first.fields,
      actionHash: first.input,
      policyHash: host.policyHash,
      ...(d.rule !== undefined ? { rule: d.rule } : {}),
      ...(d.reason !== undefined ? { reason: d.reason } : {}),
    });
    if (outcome.state !== "approved") return refused(outcome, d);
    const answer = outcome.answer;
    const later = now ?? host.clock();
    if (answer?.args !== undefined) {
      if (round >= MAX_MODIFICATIONS) return refusal("approval_error", `the approver modified the arguments ${MAX_MODIFICATIONS} times; the action is refused`);
      // Other arguments make another action: decided from the start, and asked about again if need be.
      const modified = await decideWithApproval(host, { ...action, args: answer.args }, later, round + 1);
      return permits(modified) ? { ...modified, args: answer.args } : modified;
    }
    const ttl = answer?.ttlMs ?? 0;
    if (!host.grant(action.session, first.input, later + ttl, ttl === 0)) {
      return refusal("approval_error", "the approval could not be recorded in the session's state");
    }
    const again = host.decide(action, later).decision;
    // The grant covers only this action under this policy; anything else the session did meanwhile
    // (a kill, a limit) still decides.
    if (again.effect === "ask") return refusal("approval_error", "the approval did not apply to the action");
    return again;
  } catch (e) {
    return refusal("approval_error", `the approval failed: ${messageOf(e)}`);
  }
}

function refused(outcome: ApprovalOutcome, asked: Decision): Decision {
  return {
    effect: "deny",
    code: outcome.code,
    ...(asked.rule !== undefined ? { rule: asked.rule } : {}),
    reason: outcome.reason,
    matched: asked.matched,
  };
}
