import { ApprovalError } from "../errors.js";
import { checkAnswer } from "./answer.js";
import { frozenCopy, isPlainObject } from "./frozen-copy.js";
import { bounded, messageOf, quote } from "./text.js";
import type {
  ApprovalAnswer,
  ApprovalCode,
  ApprovalOutcome,
  ApprovalRecord,
  ApprovalRequest,
  ApprovalState,
  ApprovalTransition,
  Approver,
} from "./types.js";

/**
 * How long a request waits for its approver by default: a minute is enough for a person who is watching
 * to read a summary and answer, and short enough that an agent blocked on an unattended approval gets
 * its `denied` while its run is still worth continuing, rather than hanging.
 *
 * @example
 * createApprovalDesk({ approver, timeoutMs: DEFAULT_APPROVAL_TIMEOUT_MS * 5 }); // five minutes
 */
export const DEFAULT_APPROVAL_TIMEOUT_MS = 60_000;

// setTimeout's largest delay (2^31 - 1 ms, about 24.8 days); a larger one fires at once, which would
// silently turn every approval into a timeout.
const MAX_TIMER_MS = 2_147_483_647;

// Settled requests kept for `get`: enough for a UI or an audit step to look up recent ones, bounded so
// a long-running agent does not grow without end.
const SETTLED_KEPT = 1_024;

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * What the guard supplies for one request; the desk adds `id`, `createdAt` and, unless given,
 * `expiresAt` (`createdAt + timeoutMs`).
 *
 * @example
 * const fields: ApprovalRequestFields = { session: "s1", action: { kind: "tool", tool: "deploy" },
 *   actionHash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", policyHash: "p1" };
 */
export interface ApprovalRequestFields {
  session: string;
  agent?: string;
  action: Record<string, unknown>;
  actionHash: string;
  policyHash: string;
  rule?: string;
  reason?: string;
  expiresAt?: number;
}

/**
 * Options of {@link createApprovalDesk}.
 *
 * @example
 * const options: ApprovalDeskOptions = { approver: callbackApprover(() => false), timeoutMs: 30_000 };
 */
export interface ApprovalDeskOptions {
  /** Decides requests; without one every request is `denied` (`approval_unavailable`). */
  approver?: Approver;
  /** Milliseconds a request waits for its approver (default {@link DEFAULT_APPROVAL_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** Milliseconds since the epoch (default `Date.now`). */
  clock?: () => number;
  /** Called on every transition, for the audit; what it throws is ignored. */
  onTransition?: (transition: ApprovalTransition) => void;
}

/**
 * Tracks approval requests from `pending` to their one outcome. `request` never throws and never
 * rejects: every failure is an outcome (`denied`, `expired` or `revoked`), so the caller fails closed
 * by running the action only on `approved`.
 *
 * @example
 * const outcome = await desk.request(fields);
 * if (outcome.state !== "approved") return deny(outcome.code, outcome.reason);
 */
export interface ApprovalDesk {
  /** Creates a request, asks the approver and resolves once, with the outcome. */
  request(fields: ApprovalRequestFields): Promise<ApprovalOutcome>;
  /**
   * Settles a pending request as `revoked` and aborts its approver's signal; false (and nothing changes)
   * when `id` is unknown or already settled. Revoking a grant that an approval made is the guard's job:
   * it resets the grant in the session state.
   */
  revoke(id: string, reason?: string): boolean;
  /** The requests still waiting, oldest first. */
  pending(): ApprovalRequest[];
  /** A pending request, or one of the last 1,024 settled ones. */
  get(id: string): ApprovalRecord | undefined;
}

interface Entry {
  readonly request: ApprovalRequest;
  state: ApprovalState;
  outcome?: ApprovalOutcome;
  readonly controller: AbortController;
  timer?: ReturnType<typeof setTimeout>;
  readonly resolve: (outcome: ApprovalOutcome) => void;
}

type Settling = Exclude<ApprovalState, "pending">;

/**
 * Creates an approval desk (DESIGN §4.6). Each request is bound to its action hash, policy hash and
 * expiry, is handed deep-frozen to the approver with an `AbortSignal`, and settles exactly once:
 * `approved` (`approval_granted`); `denied` for a refusal (`approval_denied`), no approver
 * (`approval_unavailable`), an approver error (`approval_error`), no answer within `timeoutMs`
 * (`approval_timeout`), an answer that is not an {@link ApprovalAnswer} or a request that cannot be
 * built (`approval_invalid`); `expired` when the clock has passed `expiresAt` (`approval_expired`);
 * `revoked` by {@link ApprovalDesk.revoke} (`approval_revoked`). Throws {@link ApprovalError}
 * `invalid_approver` for options it cannot use.
 *
 * @example
 * const desk = createApprovalDesk({ approver: callbackApprover((r) => r.action.tool !== "rm"), timeoutMs: 30_000 });
 * const outcome = await desk.request({ session: "s1", action, actionHash, policyHash, rule: "ask-deploy" });
 */
export function createApprovalDesk(options: ApprovalDeskOptions = {}): ApprovalDesk {
  if (typeof options !== "object" || options === null) throw invalid("the desk's options must be an object");
  const { approver, timeoutMs = DEFAULT_APPROVAL_TIMEOUT_MS, clock = Date.now, onTransition } = options;
  if (approver !== undefined && typeof approver !== "function") throw invalid("`approver` must be a function");
  if (typeof timeoutMs !== "number" || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw invalid(`\`timeoutMs\` must be a positive finite number of milliseconds, got ${show(timeoutMs)}`);
  }
  if (timeoutMs > MAX_TIMER_MS) throw invalid(`\`timeoutMs\` must be at most ${MAX_TIMER_MS} (about 24.8 days), got ${show(timeoutMs)}`);
  if (typeof clock !== "function") throw invalid("`clock` must be a function");
  if (onTransition !== undefined && typeof onTransition !== "function") throw invalid("`onTransition` must be a function");

  const open = new Map<string, Entry>();
  const settled = new Map<string, ApprovalRecord>();
  // The last good clock reading: stamps a transition when the clock has just failed.
  let lastAt = 0;

  function readClock(): number {
    const t: unknown = clock();
    if (typeof t !== "number") throw new Error(`the clock returned a ${typeof t}, not a number`);
    if (!Number.isFinite(t)) throw new Error(`the clock returned ${t}`);
    lastAt = t;
    return t;
  }

  function stamp(): number {
    try {
      return readClock();
    } catch {
      return lastAt;
    }
  }

  function emit(transition: ApprovalTransition): void {
    if (!onTransition) return;
    // The audit observes the lifecycle; it must not be able to change an outcome or break the promise
    // the guard is awaiting, so a throw — or a rejected promise from an async callback — is dropped.
    try {
      const result: unknown = onTransition(Object.freeze(transition));
      if (typeof (result as PromiseLike<unknown> | undefined)?.then === "function") {
        (result as PromiseLike<unknown>).then(undefined, () => undefined);
      }
    } catch {
      // see above
    }
  }

  function settle(entry: Entry, state: Settling, code: ApprovalCode, reason: string, answer?: ApprovalAnswer): void {
    if (entry.state !== "pending") return;
    clearTimeout(entry.timer);
    entry.state = state;
    const outcome: ApprovalOutcome = Object.freeze(
      answer ? { state, code, request: entry.request, answer, reason } : { state, code, request: entry.request, reason },
    );
    entry.outcome = outcome;
    open.delete(entry.request.id);
    settled.set(entry.request.id, Object.freeze({ request: entry.request, state, outcome }));
    if (settled.size > SETTLED_KEPT) {
      const oldest = settled.keys().next().value;
      if (oldest !== undefined) settled.delete(oldest);
    }
    // Whatever settled it, the approver has nothing left to do: its signal tells it to stop.
    entry.controller.abort(abortReason(code));
    emit({ request: entry.request, from: "pending", to: state, code, reason, at: stamp() });
    entry.resolve(outcome);
  }

  function ignore(entry: Entry, what: "answer" | "error"): void {
    const code = entry.outcome?.code ?? "approval_error";
    const reason = `late ${what} ignored: the request was already ${entry.state} (${code})`;
    emit({ request: entry.request, from: entry.state, to: entry.state, code: "approval_ignored", reason, at: stamp() });
  }

  function answered(entry: Entry, value: unknown): void {
    if (entry.state !== "pending") return ignore(entry, "answer");
    const { request } = entry;
    let at: number;
    try {
      at = readClock();
    } catch (e) {
      return settle(entry, "denied", "approval_error", `the desk's clock failed: ${quote(messageOf(e))}`);
    }
    if (at > request.expiresAt) {
      return settle(entry, "expired", "approval_expired", `the answer came at ${at}, after the request expired at ${request.expiresAt}`);
    }
    const checked = checkAnswer(value);
    if (!checked.ok) return settle(entry, "denied", "approval_invalid", `invalid answer: ${checked.error}`);
    const { answer } = checked;
    const who = (answer.by !== undefined ? ` by ${quote(answer.by)}` : "") + (answer.note !== undefined ? `: ${quote(answer.note)}` : "");
    if (answer.approved) settle(entry, "approved", "approval_granted", `approved${who}`, answer);
    else settle(entry, "denied", "approval_denied", `denied${who}`, answer);
  }

  function failed(entry: Entry, thrown: unknown): void {
    if (entry.state !== "pending") return ignore(entry, "error");
    settle(entry, "denied", "approval_error", `the approver failed: ${quote(messageOf(thrown))}`);
  }

  function request(fields: ApprovalRequestFields): Promise<ApprovalOutcome> {
    let resolve!: (outcome: ApprovalOutcome) => void;
    const promise = new Promise<ApprovalOutcome>((r) => (resolve = r));
    const id = crypto.randomUUID();
    let problem: [code: ApprovalCode, reason: string] | undefined;
    let createdAt = lastAt;
    try {
      createdAt = readClock();
    } catch (e) {
      problem = ["approval_error", `the desk's clock failed: ${quote(messageOf(e))}`];
    }
    let built: ApprovalRequest | undefined;
    if (!problem) {
      try {
        built = buildRequest(id, fields, createdAt, timeoutMs);
      } catch (e) {
        problem = ["approval_invalid", `invalid approval request: ${bounded(messageOf(e))}`];
      }
    }
    const entry: Entry = {
      request: built ?? fallbackRequest(id, fields, createdAt),
      state: "pending",
      controller: new AbortController(),
      resolve,
    };
    open.set(id, entry);
    emit({ request: entry.request, from: null, to: "pending", code: "approval_requested", reason: "approval requested", at: createdAt });

    const { expiresAt } = entry.request;
    if (problem) settle(entry, "denied", ...problem);
    else if (!approver) settle(entry, "denied", "approval_unavailable", "no approver is configured");
    else if (createdAt > expiresAt) {
      settle(entry, "expired", "approval_expired", `the request expired at ${expiresAt}, before it was made at ${createdAt}`);
    }
    // An onTransition callback may have revoked the request already; then the approver is not asked.
    if (entry.state !== "pending" || !approver) return promise;

    // Wait for whichever comes first, the desk's timeout or the request's own expiry.
    const byExpiry = expiresAt - createdAt < timeoutMs;
    entry.timer = setTimeout(() => {
      if (byExpiry) settle(entry, "expired", "approval_expired", `no answer before the request expired at ${expiresAt}`);
      else settle(entry, "denied", "approval_timeout", `no answer within ${timeoutMs} ms`);
    }, byExpiry ? expiresAt - createdAt : timeoutMs);

    let result: unknown;
    try {
      result = approver(entry.request, { signal: entry.controller.signal });
    } catch (e) {
      failed(entry, e);
      return promise;
    }
    Promise.resolve(result).then(
      (value) => answered(entry, value),
      (e: unknown) => failed(entry, e),
    );
    return promise;
  }

  return {
    request,
    revoke(id: string, reason?: string): boolean {
      const entry = open.get(id);
      if (!entry) return false;
      settle(entry, "revoked", "approval_revoked", typeof reason === "string" ? `revoked: ${quote(reason)}` : "revoked");
      return true;
    },
    pending: () => [...open.values()].map((entry) => entry.request),
    get(id: string): ApprovalRecord | undefined {
      const entry = open.get(id);
      return entry ? Object.freeze({ request: entry.request, state: entry.state }) : settled.get(id);
    },
  };
}

function buildRequest(id: string, fields: ApprovalRequestFields, createdAt: number, timeoutMs: number): ApprovalRequest {
  if (typeof fields !== "object" || fields === null) throw new Error("the request fields are not an object");
  const { session, agent, action, actionHash, policyHash, rule, reason, expiresAt } = fields;
  if (typeof session !== "string") throw new Error("`session` must be a string");
  if (!isPlainObject(action)) throw new Error("`action` must be an object");
  if (typeof actionHash !== "string" || !SHA256_HEX.test(actionHash)) throw new Error("`actionHash` must be a sha256 in lower-case hex");
  if (typeof policyHash !== "string" || policyHash === "") throw new Error("`policyHash` must be a non-empty string");
  for (const [name, value] of [["agent", agent], ["rule", rule], ["reason", reason]] as const) {
    if (value !== undefined && typeof value !== "string") throw new Error(`\`${name}\` must be a string`);
  }
  if (expiresAt !== undefined && (typeof expiresAt !== "number" || !Number.isFinite(expiresAt))) {
    throw new Error("`expiresAt` must be a finite number of milliseconds");
  }
  const request: ApprovalRequest = {
    id,
    session,
    ...(agent !== undefined ? { agent } : {}),
    action: frozenCopy(action, "action") as Record<string, unknown>,
    actionHash,
    policyHash,
    ...(rule !== undefined ? { rule } : {}),
    ...(reason !== undefined ? { reason } : {}),
    createdAt,
    expiresAt: expiresAt ?? createdAt + timeoutMs,
  };
  return Object.freeze(request);
}

// The request reported for fields that could not be built into one: it carries only what is safe to
// read, and expires at once, so nothing can mistake it for something to approve.
function fallbackRequest(id: string, fields: unknown, createdAt: number): ApprovalRequest {
  let session = "";
  try {
    const value = (fields as { session?: unknown } | null)?.session;
    if (typeof value === "string") session = value;
  } catch {
    // a getter that throws: report the request without its session
  }
  return Object.freeze({ id, session, action: Object.freeze({}), actionHash: "", policyHash: "", createdAt, expiresAt: createdAt });
}

function abortReason(code: ApprovalCode): DOMException {
  if (code === "approval_timeout") return new DOMException("the approval timed out", "TimeoutError");
  if (code === "approval_revoked") return new DOMException("the approval was revoked", "AbortError");
  return new DOMException(`the approval was settled (${code})`, "AbortError");
}

function invalid(message: string): ApprovalError {
  return new ApprovalError("invalid_approver", message);
}

/** A configuration value as it appears in a message: its value when simple, its type otherwise. */
function show(value: unknown): string {
  if (typeof value === "number" || typeof value === "boolean" || value === undefined || value === null) return `\`${String(value)}\``;
  if (typeof value === "string") return quote(value);
  return `a ${typeof value}`;
}
