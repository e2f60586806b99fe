/**
 * The shapes of an approval (DESIGN §4.6): the request an approver sees, the answer it gives, and the
 * outcome the guard acts on. Nothing here runs; see `desk.ts` for the lifecycle.
 */

/**
 * Where a request stands. `pending` until exactly one of the other four settles it, for good.
 *
 * @example
 * const done: ApprovalState[] = ["approved", "denied", "expired", "revoked"];
 */
export type ApprovalState = "pending" | "approved" | "denied" | "expired" | "revoked";

/**
 * What an approver is asked to decide. Bound to the action's canonical hash, the policy's hash and an
 * expiry, so an answer can never be replayed onto another action, another policy or a later time. The
 * desk hands approvers a deep-frozen copy: an approver cannot change what was asked.
 *
 * @example
 * const request: ApprovalRequest = {
 *   id: "5f0c…", session: "s1", action: { kind: "tool", tool: "deploy", args: { env: "prod" } },
 *   actionHash: "9f86d0…", policyHash: "2c26b4…", rule: "ask-deploy", createdAt: 1_700_000_000_000,
 *   expiresAt: 1_700_000_060_000,
 * };
 */
export interface ApprovalRequest {
  /** Unique per request (`crypto.randomUUID()`). */
  readonly id: string;
  readonly session: string;
  readonly agent?: string;
  /** The canonical action's fields, args included. */
  readonly action: Readonly<Record<string, unknown>>;
  /** sha256 (hex) of the canonical action. */
  readonly actionHash: string;
  /** Hash of the policy that asked. */
  readonly policyHash: string;
  /** Id of the rule whose effect was `ask`. */
  readonly rule?: string;
  readonly reason?: string;
  /** Milliseconds since the epoch, by the desk's clock. */
  readonly createdAt: number;
  /** An answer read by the clock after this instant is `expired`. */
  readonly expiresAt: number;
}

/**
 * An approver's decision. `args` and `ttlMs` only take effect when `approved` is true: modified
 * arguments are checked again from the start by the guard, and a `ttlMs` grants the same tool and
 * arguments for that long.
 *
 * @example
 * const answer: ApprovalAnswer = { approved: true, args: { env: "staging" }, by: "alice", note: "not prod" };
 */
export interface ApprovalAnswer {
  approved: boolean;
  /** Modified arguments: the guard checks the modified action again from the start. */
  args?: Record<string, unknown>;
  /** Grant the same tool and arguments for this many milliseconds. */
  ttlMs?: number;
  /** Who decided. */
  by?: string;
  note?: string;
}

/**
 * Decides one request. May answer synchronously or asynchronously, and should stop working when
 * `signal` aborts (the request timed out, was revoked or was settled); a late answer is ignored.
 *
 * @example
 * const approver: Approver = async (request, { signal }) => ({ approved: request.session === "trusted" });
 */
export type Approver = (
  request: ApprovalRequest,
  context: { signal: AbortSignal },
) => ApprovalAnswer | Promise<ApprovalAnswer>;

/**
 * Stable codes of a settled request. Every code but `approval_granted` comes with `denied`, `expired` or
 * `revoked`: the guard runs the action only on `approved`.
 *
 * @example
 * if (outcome.code === "approval_timeout") notifyOnCall(outcome.request);
 */
export type ApprovalCode =
  | "approval_granted"
  | "approval_denied"
  | "approval_timeout"
  | "approval_error"
  | "approval_expired"
  | "approval_revoked"
  | "approval_unavailable"
  | "approval_invalid";

/**
 * How a request settled. `answer` is the validated (and deep-frozen) answer, present whenever the
 * approver gave a valid one in time; `reason` is a readable, sanitised sentence.
 *
 * @example
 * const outcome = await desk.request(fields);
 * if (outcome.state === "approved" && outcome.answer?.args) recheck({ ...action, args: outcome.answer.args });
 */
export interface ApprovalOutcome {
  readonly state: Exclude<ApprovalState, "pending">;
  readonly code: ApprovalCode;
  readonly request: ApprovalRequest;
  readonly answer?: ApprovalAnswer;
  readonly reason: string;
}

/**
 * One step of a request's life, for the audit: `approval_requested` (created, `from` null), each settling
 * step, and `approval_ignored` for an answer or error that arrived after the request was settled (then
 * `from` and `to` are both the settled state and nothing changes).
 *
 * @example
 * createApprovalDesk({ approver, onTransition: (t) => audit.write({ id: t.request.id, to: t.to, code: t.code }) });
 */
export interface ApprovalTransition {
  readonly request: ApprovalRequest;
  readonly from: ApprovalState | null;
  readonly to: ApprovalState;
  readonly code: ApprovalCode | "approval_requested" | "approval_ignored";
  readonly reason: string;
  /** Milliseconds since the epoch, by the desk's clock. */
  readonly at: number;
}

/**
 * What the desk knows of a request: its state and, once settled, its outcome.
 *
 * @example
 * const record = desk.get(id);
 * if (record?.state === "pending") showBanner(record.request);
 */
export interface ApprovalRecord {
  readonly request: ApprovalRequest;
  readonly state: ApprovalState;
  readonly outcome?: ApprovalOutcome;
}
