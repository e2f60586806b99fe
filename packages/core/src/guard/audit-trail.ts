// The guard's side of the audit log (DESIGN §6): one record per decision and per event that changes a
// session (results, instructions, plans, resets, approvals), appended to the hash chain before the
// decision is returned. A chain whose sinks are failing makes decisions deny (`audit_error`) unless the
// guard was told `onAuditError: "allow"`, which it says loudly.

import { AuditChain, type AuditChainOptions } from "../audit/chain.js";
import { auditAction, keepInClear, type AuditableAction } from "../audit/action.js";
import { type HashHex, sha256Hex } from "../audit/hash.js";
import type { AuditAction, AuditEntry, AuditRecord } from "../audit/record.js";
import type { CompiledPolicy } from "../compile/compile.js";
import type { PartFields } from "../engine/host.js";
import { refusal, type Decision } from "./decision.js";

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
}

/** 64 bits of an input hash, as the engine's grant key (two u32). */
export function grantKey(input: string): { lo: number; hi: number } {
  return { lo: Number.parseInt(input.slice(0, 8), 16), hi: Number.parseInt(input.slice(8, 16), 16) };
}

/** What {@link AuditTrail.decision} needs to know of one decision. */
export interface DecidedAction {
  /** The canonical action, when the action could be read. */
  base: PartFields | undefined;
  /** The action as the log keeps it, arguments hashed (`auditAction(base)`), with `input` its SHA-256. */
  audited: AuditAction | undefined;
  input: string | undefined;
  decision: Decision;
  now: number;
  /** Microseconds the decision took, host work included. */
  latencyUs: number;
}

/**
 * Writes a guard's records. `decision` returns the decision to hand back: the same one, or a deny with
 * `audit_error` when the record could not be made or the chain's sinks are failing (by default).
 */
export class AuditTrail {
  readonly chain: AuditChain;
  readonly hash: HashHex;
  private readonly adapter: string;
  private warned = false;

  constructor(
    private readonly policy: CompiledPolicy,
    options: GuardAuditOptions,
    private readonly onAuditError: "deny" | "allow",
  ) {
    const { adapter, ...chain } = options;
    this.adapter = adapter ?? "core";
    this.hash = chain.hash ?? sha256Hex;
    this.chain = new AuditChain(chain);
  }

  /** Records one decision; the decision to return. Never throws. */
  decision(d: DecidedAction): Decision {
    let decision = d.decision;
    // An action that could not be read has no canonical session; its record says so with "".
    const session = typeof d.base?.session === "string" ? d.base.session : "";
    const agent = d.base?.agent;
    const failure = this.failure();
    if (failure !== undefined && this.onAuditError === "deny") {
      decision = refusal("audit_error", `the audit log cannot be written (${failure}); no action runs without its record`);
    }
    try {
      const entry: AuditEntry = {
        type: "decision",
        now: d.now,
        session,
        ...(typeof agent === "string" ? { agent } : {}),
        adapter: this.adapter,
        ...(d.base ? { action: this.kept(d.base, d.audited) } : {}),
        effect: decision.effect,
        ...(decision.rule !== undefined ? { rule: decision.rule } : {}),
        code: decision.code,
        ...(decision.reason !== undefined ? { reason: decision.reason } : {}),
        matched: decision.matched,
        ...(decision.labels ? { labels: decision.labels } : {}),
        ...(decision.shadow ? { shadow: true as const } : {}),
        policy: this.policy.hash,
        ...(d.input !== undefined ? { input: d.input } : {}),
        latency_us: Math.round(d.latencyUs * 1000) / 1000,
      };
      this.chain.append(entry);
      return decision;
    } catch (e) {
      if (this.onAuditError === "allow") {
        this.warn(`the audit record could not be written: ${message(e)}`);
        return decision;
      }
      return refusal("audit_error", `the audit record could not be written (${message(e)}); no action runs without its record`);
    }
  }

  /**
   * Records an event that changes a session (result, instruction, plan, reset, approval). Returns false
   * when it could not, so that the caller can refuse the session's next action.
   */
  event(type: "result" | "instruction" | "plan" | "reset" | "approval", now: number, session: string, event: Record<string, unknown>, extra: Partial<AuditEntry> = {}): boolean {
    try {
      this.chain.append({ type, now, session, adapter: this.adapter, policy: this.policy.hash, event, ...extra });
      return true;
    } catch (e) {
      if (this.onAuditError === "allow") {
        this.warn(`an audit record could not be written: ${message(e)}`);
        return true;
      }
      return false;
    }
  }

  /** The record's action: the hashed one, with the arguments the policy keeps in clear. */
  private kept(base: PartFields, audited: AuditAction | undefined): AuditAction {
    const action = audited ?? auditAction(base as AuditableAction, [], this.hash);
    if (this.policy.auditClear.length === 0) return action;
    const args = keepInClear(base.args, this.policy.auditClear);
    return args === undefined ? action : { ...action, args };
  }

  /** Waits until every record so far is written by every sink. */
  flush(): Promise<void> {
    return this.chain.flush();
  }

  /** Flushes and closes the sinks; later decisions deny (`audit_error`). */
  close(): Promise<void> {
    return this.chain.close();
  }

  /** Why the chain cannot write now, or undefined. With `onAuditError: "allow"`, warns once per outage. */
  private failure(): string | undefined {
    const f = this.chain.failure;
    if (f === undefined) {
      this.warned = false;
      return undefined;
    }
    if (this.onAuditError === "allow") this.warn(`audit sinks are failing and decisions go on without their records: ${f.message}`);
    return f.message;
  }

  private warn(text: string): void {
    if (this.warned) return;
    this.warned = true;
    console.warn(`trailguard: ${text} (onAuditError: "allow")`);
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export type { AuditRecord };
