/**
 * Every error that `@trailguard/core` raises or returns. Each has a stable `code` (safe to match on);
 * messages are lower-case, quote user input in backticks and carry no trailing period.
 */

import { denialText, type Decision } from "./guard/decision.js";
import type { PolicyIssue } from "./policy/issues.js";

/** Base class of all trailguard errors. */
export class TrailguardError extends Error {
  /** Stable machine-readable code. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * A policy that does not load. Carries every problem at once, each with its path and YAML position.
 *
 * @example
 * try { await createGuard({ policy: "version: 1" }); }
 * catch (e) { if (e instanceof PolicyError) for (const i of e.issues) console.log(i.line, i.message); }
 */
export class PolicyError extends TrailguardError {
  readonly issues: readonly PolicyIssue[];
  constructor(issues: readonly PolicyIssue[]) {
    const first = issues[0];
    const where = first?.line !== undefined ? `${first.line}:${first.column ?? 1}: ` : "";
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
    super("invalid_policy", `invalid policy: ${where}${first?.message ?? "unknown problem"}${more}`);
    this.issues = issues;
  }
}

/**
 * `guard.updatePolicy` did not switch policies; the old policy stays in force, whole. `code` says why:
 * `invalid_policy` (the new policy does not load; `issues` lists every problem), `engine_fault` (the
 * engine could not be set up for it, or the sessions' state could not be carried over), `audit_error`
 * (the change could not be recorded in the audit log).
 *
 * @example
 * try { await guard.updatePolicy(text); }
 * catch (e) { if (e instanceof PolicyUpdateError) console.error(e.code, e.message); }
 */
export class PolicyUpdateError extends TrailguardError {
  readonly issues: readonly PolicyIssue[];
  constructor(code: "invalid_policy" | "engine_fault" | "audit_error", message: string, options?: { cause?: unknown; issues?: readonly PolicyIssue[] }) {
    super(code, message, options);
    this.issues = options?.issues ?? [];
  }
}

/**
 * The Wasm engine refused a program or trapped. The guard turns it into a deny; it reaches callers only
 * from low-level APIs.
 *
 * @example
 * if (e instanceof EngineError && e.code === "engine_fault") reloadAndDeny();
 */
export class EngineError extends TrailguardError {
  constructor(code: "engine_fault" | "engine_load", message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * A precompiled policy file (`trailguard compile`) that cannot be used. `code` says why:
 * `compiled_corrupt` (not a compiled policy, truncated, altered, or parts that do not agree),
 * `compiled_version` (written for another engine or in another format), `compiled_mismatch` (compiled from
 * another policy text than the one given). Compiling the policy again fixes the last two.
 *
 * @example
 * try { policy = loadCompiledPolicy(bytes, { source }); }
 * catch (e) { if (e instanceof CompiledPolicyError && e.code !== "compiled_corrupt") policy = loadPolicy(source).policy; }
 */
export class CompiledPolicyError extends TrailguardError {
  constructor(code: "compiled_corrupt" | "compiled_version" | "compiled_mismatch", message: string) {
    super(code, message);
  }
}

/**
 * A trace or test file that cannot be read: bad JSON, a missing field, an unknown event type.
 *
 * @example
 * const events = parseTrace(text); // throws TraceError with `line`
 */
export class TraceError extends TrailguardError {
  readonly line: number;
  constructor(line: number, message: string) {
    super("invalid_trace", `line ${line}: ${message}`);
    this.line = line;
  }
}

/**
 * Session state that cannot be imported: not trailguard's format, or exported under another policy.
 *
 * @example
 * try { guard.importSession("s1", bytes); } catch (e) { if (e instanceof SessionStateError) startFresh(); }
 */
export class SessionStateError extends TrailguardError {
  constructor(message: string) {
    super("session_state_mismatch", message);
  }
}

/**
 * The audit log could not be written, read or verified. `code` says which: `audit_sink` (a sink failed to
 * write), `invalid_audit` (a log that is not trailguard's format), `audit_closed` (written after `close`).
 *
 * @example
 * sink.write(records).catch((e) => { if (e instanceof AuditError && e.code === "audit_sink") page(); });
 */
export class AuditError extends TrailguardError {
  constructor(code: "audit_sink" | "invalid_audit" | "audit_closed", message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * An approver that cannot be used as configured (a webhook URL that does not parse, a timeout that is not
 * a positive number). Approvals themselves never throw: everything that goes wrong at run time is `denied`.
 *
 * @example
 * try { webhookApprover({ url: "not a url" }); } catch (e) { if (e instanceof ApprovalError) console.error(e.message); }
 */
export class ApprovalError extends TrailguardError {
  constructor(code: "invalid_approver", message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * An action the guard did not let run, thrown by adapters in hard-deny mode and always for `kill`
 * (DESIGN §7). `decision` is the guard's whole answer; `code` is `action_denied`, or `session_killed`
 * when the session is now killed.
 *
 * @example
 * try { await agent.invoke(input); }
 * catch (e) { if (e instanceof ActionDeniedError) console.error(e.decision.rule, e.decision.reason); }
 */
export class ActionDeniedError extends TrailguardError {
  /** The guard's decision for the action. */
  readonly decision: Decision;
  /** What the action was, for the message and for logs: a tool name, a URL, a command. */
  readonly subject: string | undefined;
  constructor(decision: Decision, subject?: string, options?: { cause?: unknown }) {
    super(decision.effect === "kill" ? "session_killed" : "action_denied", denialText(decision, subject), options);
    this.decision = decision;
    this.subject = subject;
  }
}

/**
 * Why an audit replay could not run, or stopped: `invalid_policy` (the replay policy does not load; the
 * `cause` is the {@link PolicyError} with every problem), `invalid_options` (a checkpoint key that does
 * not parse, say), `unreadable_log` (reading the log failed),
 * `broken_chain` (the log's hash chain is broken at `file`:`line`; records from there on are not
 * replayed). Replay returns it in its report rather than throwing.
 *
 * @example
 * const report = await replayAuditLog(lines, { policy });
 * if (report.error?.code === "broken_chain") console.error(`${report.error.file}:${report.error.line}: ${report.error.message}`);
 */
export class ReplayError extends TrailguardError {
  /** The log file and 1-based line where the replay stopped, when one is known. */
  readonly file?: string;
  readonly line?: number;
  constructor(code: "invalid_policy" | "invalid_options" | "unreadable_log" | "broken_chain" | "policy_changed", message: string, where?: { file: string; line: number }, options?: { cause?: unknown }) {
    super(code, message, options);
    if (where) {
      this.file = where.file;
      this.line = where.line;
    }
  }
}
