import type { Effect } from "../policy/types.js";
import type { CompiledPolicy } from "../compile/compile.js";
import type { RawResult } from "../engine/host.js";
import { CODES } from "../engine/abi.js";
import { EFFECTS } from "../policy/types.js";
import { messageOf } from "../approvals/text.js";

/**
 * The guard's answer for one action (DESIGN §5).
 *
 * @example
 * const d = guard.check(action);
 * if (d.effect === "deny") console.log(`denied by ${d.rule}: ${d.reason}`);
 */
export interface Decision {
  effect: Effect;
  /** Id of the deciding rule, sequence, limit or sink; absent when `default` decided or the guard refused. */
  rule?: string;
  /**
   * Stable reason code: `rule`, `default`, `eval_error` (the deciding rule matched because its condition
   * could not be evaluated), `sequence`, `limit`, `flow`, `origin`, `killed`, `no_plan`, `off_plan`,
   * `bad_signature`, `evicted`, `invalid_action`, `input_too_large`, `engine_fault`, `audit_error`, and
   * the approval codes of `guard.decide`: `approval_granted`, `approval_denied`, `approval_timeout`,
   * `approval_error`, `approval_expired`, `approval_revoked`, `approval_unavailable`, `approval_invalid`.
   * Adapters refuse some calls before asking the guard: `no_session`, `adapter_error`,
   * `approval_args_unsupported`.
   */
  code: string;
  reason?: string;
  /** Every rule, sequence, limit and sink that matched, in policy order (essential pack first). */
  matched: string[];
  /** Labels carried by the action's own data (value taint and declared labels). */
  labels?: string[];
  /** `mode: shadow`: the effect is what the policy decided, but it is not enforced. */
  shadow?: boolean;
  /** The arguments to run the action with: present when an approver modified them (`guard.decide`). */
  args?: Record<string, unknown>;
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

/**
 * One line saying why an action did not run, for the model (an adapter's soft deny hands it back as the
 * tool's answer) and for people (the message of `ActionDeniedError`). `subject` names the action: a tool
 * name, a URL, a command (cut at 80 characters).
 *
 * @example
 * denialText({ effect: "deny", rule: "no-email", code: "rule", matched: ["no-email"] }, "send_email")
 * // "trailguard denied the action `send_email` by `no-email` (rule)"
 */
export function denialText(d: Decision, subject?: string): string {
  const what = subject !== undefined ? ` \`${subject.length > 80 ? `${subject.slice(0, 80)}…` : subject}\`` : "";
  const by = d.rule !== undefined ? ` by \`${d.rule}\`` : "";
  const verb = d.effect === "kill" ? "killed the session at" : d.effect === "ask" ? "needs an approval for" : "denied";
  return `trailguard ${verb} the action${what}${by} (${d.code})${d.reason ? `: ${d.reason}` : ""}`;
}

/**
 * A deny made without consulting the rules: by the guard (bad input, engine fault) or by an adapter that
 * cannot get a decision or form the action.
 *
 * @example
 * refusal("no_session", "the call belongs to no session") // { effect: "deny", code: "no_session", … }
 */
export function refusal(code: string, reason: string): Decision {
  return { effect: "deny", code, reason, matched: [] };
}

/**
 * The deny for a fault of an adapter itself (DESIGN §5: an adapter exception is a deny). Reads the thrown
 * value defensively ({@link messageOf}), so building the refusal cannot throw in its turn.
 *
 * @example
 * adapterFault(new Error("boom")).reason // "the trailguard adapter failed: boom"
 */
export function adapterFault(thrown: unknown): Decision {
  // Cut: a thrown value's message may be a whole response body, and the reason is read by a model.
  return refusal("adapter_error", `the trailguard adapter failed: ${messageOf(thrown).slice(0, 200)}`);
}

const DEFAULT_REASON = "no rule matched; the policy's default applies";
const KILLED_REASON = "an earlier action of this session was killed; every later action is denied until the session is reset";

/** The entries a decision can name, by matched-entry kind (FORMAT.md, "Results"): built once per guard. */
export type DecisionTables = readonly (readonly { id: string; reason?: string }[])[];

/** The tables {@link toDecision} names entries from. */
export function decisionTables(policy: CompiledPolicy): DecisionTables {
  const t = policy.trajectory;
  return [policy.rules, t.sequences, t.limits, t.sinks, t.controlSinks];
}

/** Names the engine's result: effect, code, deciding id, reason, matched ids. */
export function toDecision(tables: DecisionTables, reasons: readonly string[], raw: RawResult): Decision {
  // Matched entries come per part and per kind; list each once, rules first, in policy order.
  let order = raw.matched;
  if (order.length > 1) order = [...new Set(order)].sort((a, b) => a - b);
  const code = CODES[raw.code] ?? "engine_fault";
  const d: Decision = {
    effect: EFFECTS[raw.effect] ?? "deny",
    code,
    matched: order.map((k) => tables[Math.floor(k / 0x1000000)]?.[k % 0x1000000]?.id ?? `#${k}`),
  };
  const table = code === "rule" || code === "eval_error" ? 0 : code === "sequence" ? 1 : code === "limit" ? 2 : code === "flow" ? 3 : code === "origin" ? 4 : -1;
  const entry = table >= 0 && raw.index >= 0 ? tables[table]?.[raw.index] : undefined;
  if (entry) d.rule = entry.id;
  if (code === "killed") d.reason = KILLED_REASON;
  else if (!entry) d.reason = DEFAULT_REASON;
  else if (table === 0) d.reason = reasons[raw.index];
  else d.reason = entry.reason ?? `${KIND_NAMES[table]} \`${entry.id}\` matched`;
  if (raw.code === 2 && entry) d.reason = `${d.reason} (its condition could not be evaluated, which never permits more)`;
  if (!raw.enforced) d.shadow = true;
  return d;
}

const KIND_NAMES: Record<number, string> = { 1: "sequence", 2: "limit", 3: "flow sink", 4: "control sink" };


/** The names of the labels set in `mask`, in the policy's order. */
export function labelNames(labels: readonly string[], mask: bigint): string[] {
  return labels.filter((_, i) => (mask >> BigInt(i)) & 1n);
}
