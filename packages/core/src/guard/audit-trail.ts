// The guard's side of the audit log (DESIGN §6): one record per decision and per event that changes a
// session (results, instructions, plans, resets, approvals), appended to the hash chain before the
// decision is returned. A chain whose sinks are failing makes decisions deny (`audit_error`) unless the
// guard was told `onAuditError: "allow"`, which it says loudly.

import { AuditChain, type AuditChainOptions } from "../audit/chain.js";
import { keepInClear, sealAction, snapshotAction, type ActionSnapshot, type AuditableAction } from "../audit/action.js";
import { canonicalHash, type HashHex, sha256Hex } from "../audit/hash.js";
import { AuditError } from "../errors.js";
import type { AuditAction, AuditEntry, AuditRecord } from "../audit/record.js";
import type { CompiledPolicy } from "../compile/compile.js";
import type { PartFields } from "../engine/host.js";
import { refusal, type Decision } from "./decision.js";
import { messageOf } from "../approvals/text.js";

/**
 * The audit options of a guard: the chain's (sinks, where to start, checkpoints, hash) and the adapter
 * name written in each record.
 *
 * @example
 * const guard = await createGuard({ policy, audit: { sinks: [fileSink({ path: "audit.jsonl" })], adapter: "langchain" } });
 */
export interface GuardAuditOptions extends AuditChainOptions {
  /** Which adapter decides through this guard (`core`, `langchain`, `openai`, …); default `core`. */
  adapter?: string;
  /** While a sink is failing (and decisions are denied for it), try it again every this many ms; default 1000. */
  retryMs?: number;
}

/** The grant key of a decision that needs no grant check (no grant may live). */
export const NO_GRANT_KEY: { readonly lo: number; readonly hi: number } = { lo: 0, hi: 0 };

/** 64 bits of an input hash, as the engine's grant key (two u32). */
export function grantKey(input: string): { lo: number; hi: number } {
  return { lo: Number.parseInt(input.slice(0, 8), 16), hi: Number.parseInt(input.slice(8, 16), 16) };
}

/**
 * What {@link AuditTrail.decision} needs to know of one decision besides the decision: the guard's
 * reused `last` object, read during the call and not kept.
 */
export interface DecidedAction {
  /** The canonical action, when the action could be read. */
  base: PartFields | undefined;
  /** The action's audit form, arguments not yet hashed; set when the decision did not need the hashes. */
  snapshot: ActionSnapshot | undefined;
  /** The action as the log keeps it, arguments hashed; set when the decision needed its hash (grants, approvals). */
  audited: AuditAction | undefined;
  /** The SHA-256 of `audited`. */
  input: string | undefined;
}

// One decision waiting to become a record: everything in it is a copy taken when the decision was made
// or an immutable string, so the record says what was decided whatever the caller does afterwards.
interface Queued {
  session: string;
  agent: string | undefined;
  snapshot: ActionSnapshot | undefined;
  audited: AuditAction | undefined;
  input: string | undefined;
  clear: Record<string, unknown> | undefined;
  effect: Decision["effect"];
  rule: string | undefined;
  code: string;
  reason: string | undefined;
  matched: string[];
  labels: string[] | undefined;
  shadow: boolean;
  now: number;
  latencyUs: number;
}

// Decisions waiting for their hashes: past this many, a synchronous burst that never yields pays as it
// goes (the chain bounds its own unlinked records the same way).
const MAX_QUEUED = 1024;
// A failing sink is tried again this often while the guard denies for it: rarely enough not to hammer a
// full disk or a down endpoint, often enough that a short outage costs seconds of refusals, not a restart.
const DEFAULT_RETRY_MS = 1000;

/**
 * Writes a guard's records. `decision` returns the decision to hand back: the same one, or a deny with
 * `audit_error` when the record could not be made or the chain's sinks are failing (by default).
 *
 * A decision's record is fixed when the decision is made (fields copied, arguments as canonical JSON)
 * but hashed at the end of the job, with the job's other records: a record's two SHA-256 (`args_hash`,
 * `input`) and its link cost more than the decision itself. Records keep decision order either way; an
 * event (result, reset…) first hands the chain the decisions queued before it.
 */
export class AuditTrail {
  readonly chain: AuditChain;
  readonly hash: HashHex;
  private readonly adapter: string;
  private readonly retryMs: number;
  private readonly onError: ((e: AuditError) => void) | undefined;
  private warned = false;
  private queue: Queued[] = [];
  private scheduled = false;
  private retrying: ReturnType<typeof setTimeout> | undefined;
  // A record that could not be hashed after its decision was returned: decisions deny from then on.
  private fault: AuditError | undefined;
  // Decisions are queued, not appended, so the chain's own `audit_closed` would come too late.
  private closed = false;

  constructor(
    private policy: CompiledPolicy,
    options: GuardAuditOptions,
    private readonly onAuditError: "deny" | "allow",
  ) {
    const { adapter, retryMs, ...chain } = options;
    if (retryMs !== undefined && !(Number.isFinite(retryMs) && retryMs > 0)) throw new TypeError("`audit.retryMs` must be a number > 0");
    this.adapter = adapter ?? "core";
    this.retryMs = retryMs ?? DEFAULT_RETRY_MS;
    this.onError = chain.onError;
    this.hash = chain.hash ?? sha256Hex;
    this.chain = new AuditChain(chain);
  }

  /**
   * The refusal for every decision while the log cannot be written (`onAuditError: "deny"`), or undefined
   * when decisions may go on. The guard asks before deciding, so that a refused action changes no state.
   */
  refusal(): Decision | undefined {
    const failure = this.failure();
    if (failure === undefined || this.onAuditError !== "deny") return undefined;
    return refusal("audit_error", `the audit log cannot be written (${failure}); no action runs without its record`);
  }

  /** Queues one decision's record; the decision to return. Never throws. */
  decision(d: DecidedAction, decision: Decision, now: number, latencyUs: number): Decision {
    const failure = this.failure();
    if (failure !== undefined && this.onAuditError === "deny") {
      decision = refusal("audit_error", `the audit log cannot be written (${failure}); no action runs without its record`);
    }
    try {
      const base = d.base;
      this.queue.push({
        // An action that could not be read has no canonical session; its record says so with "".
        session: typeof base?.session === "string" ? base.session : "",
        agent: typeof base?.agent === "string" ? base.agent : undefined,
        // Refused before the engine ran (an evicted session, a bad time): the action is recorded all the same,
        // or, when it cannot be written as JSON, the decision without it.
        snapshot: d.snapshot ?? (base !== undefined && d.audited === undefined ? trySnapshot(base) : undefined),
        audited: d.audited,
        input: d.input,
        clear: base !== undefined && this.policy.auditClear.length > 0 ? keepInClear(base.args, this.policy.auditClear) : undefined,
        effect: decision.effect,
        rule: decision.rule,
        code: decision.code,
        reason: decision.reason,
        // Copies: the caller owns the decision it is handed and may change it.
        matched: decision.matched.slice(),
        labels: decision.labels?.slice(),
        shadow: decision.shadow === true,
        now,
        latencyUs,
      });
    } catch (e) {
      if (this.onAuditError === "allow") {
        this.warn(`the audit record could not be written: ${messageOf(e)}`);
        return decision;
      }
      return refusal("audit_error", `the audit record could not be written (${messageOf(e)}); no action runs without its record`);
    }
    if (this.queue.length > MAX_QUEUED) this.drain();
    else if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => {
        this.scheduled = false;
        this.drain();
      });
    }
    return decision;
  }

  /** Hashes the queued decisions and hands their records to the chain, in order. Never throws. */
  private drain(): void {
    const queue = this.queue;
    if (queue.length === 0) return;
    this.queue = [];
    for (let i = 0; i < queue.length; i++) {
      try {
        this.chain.enqueue(this.entry(queue[i]!));
      } catch (e) {
        // Unreachable with the default hash and data already copied; a custom hash that throws gets here.
        // The decision was returned already, so every later one is refused instead.
        this.failed(e instanceof AuditError ? e : new AuditError("invalid_audit", `an audit record could not be hashed: ${messageOf(e)}`, { cause: e }));
      }
    }
  }

  private failed(err: AuditError): void {
    if (this.fault !== undefined) return;
    this.fault = err;
    try {
      this.onError?.(err);
    } catch {
      // The host's handler failing changes nothing here.
    }
  }

  private entry(q: Queued): AuditEntry {
    const audited = q.audited ?? (q.snapshot !== undefined ? sealAction(q.snapshot, this.hash) : undefined);
    const input = q.input ?? (audited !== undefined ? canonicalHash(audited, this.hash) : undefined);
    const entry: AuditEntry = {
      type: "decision", now: q.now, session: q.session, adapter: this.adapter, effect: q.effect, code: q.code,
      matched: q.matched, policy: this.policy.hash, latency_us: Math.round(q.latencyUs * 1000) / 1000,
    };
    if (q.agent !== undefined) entry.agent = q.agent;
    if (audited !== undefined) entry.action = q.clear === undefined ? audited : { ...audited, args: q.clear };
    if (q.rule !== undefined) entry.rule = q.rule;
    if (q.reason !== undefined) entry.reason = q.reason;
    if (q.labels !== undefined) entry.labels = q.labels;
    if (q.shadow) entry.shadow = true;
    if (input !== undefined) entry.input = input;
    return entry;
  }

  /**
   * Records an event that changes a session (result, instruction, plan, reset, approval). Returns false
   * when it could not, so that the caller can refuse the session's next action.
   */
  event(type: "result" | "instruction" | "plan" | "reset" | "approval" | "policy", now: number, session: string, event: Record<string, unknown>, extra: Partial<AuditEntry> = {}): boolean {
    this.drain();
    try {
      this.chain.enqueue({ type, now, session, adapter: this.adapter, policy: this.policy.hash, event, ...extra });
      return true;
    } catch (e) {
      if (this.onAuditError === "allow") {
        this.warn(`an audit record could not be written: ${messageOf(e)}`);
        return true;
      }
      return false;
    }
  }

  /**
   * Records later decisions and events under `policy` (after a `policy` record). Decisions queued before
   * were drained by that record's `event`, so each record names the policy it was decided under.
   */
  use(policy: CompiledPolicy): void {
    this.drain();
    this.policy = policy;
  }

  /** Waits until every record so far is written by every sink. */
  flush(): Promise<void> {
    this.drain();
    // A record was lost to a hash that threw: "everything is written" would be untrue.
    if (this.fault !== undefined) return Promise.reject(this.fault);
    return this.chain.flush();
  }

  /** Flushes and closes the sinks; later decisions deny (`audit_error`). */
  close(): Promise<void> {
    this.drain();
    this.closed = true;
    if (this.retrying !== undefined) clearTimeout(this.retrying);
    this.retrying = undefined;
    return this.chain.close();
  }

  /** Why the chain cannot write now, or undefined. With `onAuditError: "allow"`, warns once per outage. */
  private failure(): string | undefined {
    if (this.closed) return "the audit log is closed";
    const f = this.fault ?? this.chain.failure;
    if (f !== undefined && f !== this.fault) this.retry();
    if (f === undefined) {
      this.warned = false;
      return undefined;
    }
    if (this.onAuditError === "allow") this.warn(`audit sinks are failing and decisions go on without their records: ${f.message}`);
    return f.message;
  }

  // While a sink fails, its batch is tried again only on a flush; nobody may call one, so the trail
  // does, on a timer that does not keep the process alive.
  private retry(): void {
    if (this.retrying !== undefined) return;
    this.retrying = setTimeout(() => {
      this.chain.flush().then(
        () => { this.retrying = undefined; },
        () => { this.retrying = undefined; },
      );
    }, this.retryMs);
    (this.retrying as { unref?: () => void }).unref?.();
  }

  private warn(text: string): void {
    if (this.warned) return;
    this.warned = true;
    console.warn(`trailguard: ${text} (onAuditError: "allow")`);
  }
}


export type { AuditRecord };

function trySnapshot(base: PartFields): ActionSnapshot | undefined {
  try {
    return snapshotAction(base as AuditableAction);
  } catch {
    return undefined;
  }
}
