import type { Effect } from "../policy/types.js";

/**
 * The guard's answer for one action (DESIGN §5).
 *
 * @example
 * const d = guard.check(action);
 * if (d.effect === "deny") console.log(`denied by ${d.rule}: ${d.reason}`);
 */
export interface Decision {
  effect: Effect;
  /** Id of the deciding rule; absent when `default` decided or the guard denied before any rule ran. */
  rule?: string;
  /**
   * Stable reason code: `rule`, `default`, `eval_error` (the deciding rule matched because its condition
   * could not be evaluated), `invalid_action`, `input_too_large`, `engine_fault`.
   */
  code: string;
  reason?: string;
  /** Every rule that matched, in policy order (essential pack first). */
  matched: string[];
  labels?: string[];
  /** `mode: shadow`: the effect is what the policy decided, but it is not enforced. */
  shadow?: boolean;
}

/**
 * True when the decision lets the action run now: `allow`, `flag`, or anything in shadow mode.
 *
 * @example
 * if (!permits(guard.check(action))) throw new Error("denied");
 */
export function permits(d: Decision): boolean {
  return d.shadow === true || d.effect === "allow" || d.effect === "flag";
}

/** A deny the guard makes without consulting the rules (bad input, engine fault). */
export function refusal(code: string, reason: string): Decision {
  return { effect: "deny", code, reason, matched: [] };
}
