// The Guard API's types: what createGuard takes, what a guard offers, and the shapes its methods
// exchange. The implementation is guard.ts.

import type { CompiledPolicy } from "../compile/compile.js";
import type { RecordedResult } from "./outputs.js";
import type { Action } from "./action.js";
import type { Decision } from "./decision.js";
import type { CanonicalOptions } from "./canonical.js";
import type { GuardAuditOptions } from "./audit-trail.js";
import type { Approver } from "../approvals/types.js";
import type { PolicyUpdate } from "./update.js";

/** Options of `createGuard`. */
export interface GuardOptions extends CanonicalOptions {
  /** A compiled policy (from `loadPolicy`), or policy YAML text, or a policy object. */
  policy: CompiledPolicy | string | object;
  /**
   * Most bytes one action may take (default 4 MiB), counted on the action alone: the UTF-8 bytes of its
   * strings (argument keys and values included) plus 8 per value and key; and, as written into the
   * engine, the fields the policy reads of each part. Larger actions are denied with `input_too_large`:
   * a bound on time and memory that an agent cannot push (docs/hardening.md).
   */
  maxInputBytes?: number;
  /**
   * Most UTF-8 bytes of a tool output that output rules scan (default 4 MiB; each value that is not a
   * string counts as one). A larger output that an output rule applies to is withheld whole.
   */
  maxOutputBytes?: number;
  /** Milliseconds since the epoch, for actions checked without `now` (default `Date.now`). */
  clock?: () => number;
  /**
   * The audit log: every decision and every event that changes a session is appended to a hash chain
   * and written to these sinks (DESIGN §6). Without it, nothing is recorded.
   */
  audit?: GuardAuditOptions;
  /**
   * What a decision does when its audit record cannot be written: `deny` (the default; code
   * `audit_error`) or `allow`, which decides on without the record and warns on the console once per
   * outage. `allow` trades the audit guarantee for availability; choose it knowingly.
   */
  onAuditError?: "deny" | "allow";
  /** Decides `ask` actions in {@link Guard.decide} (DESIGN §4.6); without one, every `ask` is denied. */
  approver?: Approver;
  /** Milliseconds an approval may take before it is denied (`approval_timeout`); default 60 s. */
  approvalTimeoutMs?: number;
}

/** A tool's output, handed back so that flow rules can label it (DESIGN §4.3). */
export interface ToolResult {
  session: string;
  tool?: string;
  output: unknown;
  /** The integrity level of the output (one of the policy's `origins.order`), when the adapter knows it. */
  origin?: string;
}

/** An instruction whose origin is known, e.g. the user's own message (DESIGN §4.4). */
export interface Instruction {
  session: string;
  origin: string;
  text: string;
}

/** A sealed plan offered for a session (DESIGN §4.5), with its Ed25519 signature (base64). */
export interface PlanOffer {
  session: string;
  plan: unknown;
  signature: string;
}

/**
 * Options of the calls that record an event (a result, an instruction, a plan). `now` is the time its
 * audit record carries, in ms since the epoch, as `check`'s `now` is the decision's; without it the
 * guard's clock. A trace's replay passes the trace's clock, so the same trace gives the same audit chain.
 *
 * @example
 * guard.recordResult({ session: "s1", tool: "search", output }, { now: 1767225600000 });
 */
export interface EventOptions {
  now?: number;
}

/** The outcome of {@link Guard.installPlan}. */
export type PlanResult = { ok: true } | { ok: false; code: "bad_signature" | "invalid_plan" | "plans_not_enabled" | "engine_fault" | "evicted"; reason: string };

/** Decides actions against one policy. Create with `createGuard`. */
export interface Guard {
  /** The policy this guard enforces now. */
  readonly policy: CompiledPolicy;
  /**
   * Replaces the policy (hot reload), atomically: every decision is made under the old policy or the new
   * one, whole. Session state carries over where the new policy gives it the same meaning (kill marks,
   * labels and origins by name, unchanged sequences and limits by id; docs/policy.md, "Hot reload"); the
   * change is a `policy` record in the audit log. Updates run one at a time, in call order. Rejects with
   * `PolicyUpdateError` (`invalid_policy`, `engine_fault`, `audit_error`) and then changes nothing.
   *
   * @example
   * const change = await guard.updatePolicy(newYaml, { reason: "ticket 42" });
   * console.log(change.from, "→", change.to, "dropped:", change.dropped);
   */
  updatePolicy(policy: CompiledPolicy | string | object, options?: { reason?: string }): Promise<PolicyUpdate>;
  /**
   * Decides one action before it runs, against the session's trajectory. Synchronous, deterministic
   * given `now`, never throws: any fault denies.
   *
   * @example
   * const d = guard.check({ kind: "shell", session: "s1", command: "rm -rf /" });
   * // d.effect === "deny", d.rule === "essential.rm-recursive-root"
   */
  check(action: Action, options?: { now?: number }): Decision;
  /**
   * Decides an action like {@link Guard.check} and, when the policy asks (`ask`), obtains the approval
   * from the guard's approver (DESIGN §4.6). Resolves to `allow` with `code: "approval_granted"` when
   * approved (`args` set when the approver modified them: run the action with those), or to a deny whose
   * code says why not (`approval_denied`, `approval_timeout`, …). Never rejects.
   *
   * @example
   * const d = await guard.decide({ kind: "tool", session: "s1", tool: "refund", args: { amount: 5000 } });
   * if (permits(d)) await refund(d.args ?? args);
   */
  decide(action: Action, options?: { now?: number }): Promise<Decision>;
  /**
   * Settles a pending approval request as `revoked` (its `decide` resolves to a deny); false when no
   * such request is pending.
   *
   * @example
   * guard.revokeApproval(request.id);
   */
  revokeApproval(id: string): boolean;
  /**
   * Withdraws every approval grant of a session: actions granted for a `ttl` are asked about again.
   *
   * @example
   * guard.revokeGrants("s1");
   */
  revokeGrants(session: string): void;
  /**
   * Waits until every audit record so far is written by every sink; rejects when a sink fails.
   *
   * @example
   * await guard.flush();
   */
  flush(): Promise<void>;
  /**
   * Flushes the audit log and closes its sinks. Later decisions are denied (`audit_error`) unless the
   * guard runs with `onAuditError: "allow"`. Call it on shutdown: records not yet flushed when a process
   * dies are lost.
   *
   * @example
   * process.on("SIGTERM", () => guard.close().finally(() => process.exit(0)));
   */
  close(): Promise<void>;
  /**
   * Hands back the output of an allowed action of a session, and returns the output to give the model.
   * Labelled data is remembered (from the output as it was), so a later action that sends it on can be
   * refused; the policy's output rules that applied to the action, as decided with it, have their matches
   * replaced in the returned `output` (docs/policy.md, "Outputs"). Never throws: what cannot be redacted
   * is withheld, and a fault marks the session so that its next action is denied.
   *
   * @example
   * const { output } = guard.recordResult({ session: "s1", tool: "read_file", output: text });
   * return output; // what the model sees
   */
  recordResult(result: ToolResult, options?: EventOptions): RecordedResult;
  /**
   * Records an instruction whose origin is known. The session's origin floor becomes the instruction's;
   * an instruction of the highest origin also lifts the floor for the actions its text names.
   *
   * @example
   * guard.recordInstruction({ session: "s1", origin: "trusted_user", text: "save this to /memory/notes.md" });
   */
  recordInstruction(instruction: Instruction, options?: EventOptions): void;
  /**
   * Forgets everything about a session: kill mark, labels, sequences, limits, origin floor.
   *
   * @example
   * guard.resetSession("s1"); // an operator lifts a kill
   */
  resetSession(session: string): void;
  /**
   * The session's whole state as bytes, to persist it or move it to another guard with the same policy.
   *
   * @example
   * const bytes = guard.exportSession("s1"); other.importSession("s1", bytes);
   */
  exportSession(session: string): Uint8Array;
  /** Restores state exported by a guard with the same policy; throws `SessionStateError` otherwise. */
  importSession(session: string, bytes: Uint8Array): void;
  /**
   * Installs a signed plan for a session: from now on each of its actions must be a step of the plan.
   * A plan whose signature no policy key verifies is refused, and the session stays planless.
   * Never throws.
   *
   * @example
   * const r = guard.installPlan({ session: "s1", plan, signature });
   * if (!r.ok) console.error(r.code, r.reason);
   */
  installPlan(offer: PlanOffer, options?: EventOptions): PlanResult;
}
