// Audit replay (DESIGN §6): re-decides every action of a log against a policy, in order, with the clock
// the log recorded, and reports every decision that comes out differently. Events that changed a session
// (results, instructions, plans, resets, approvals) are applied to the replaying guard as they come, so
// that trajectory rules see the history they saw. Under the policy that wrote the log, a replay
// reproduces every decision and every record hash; under another policy, the differences are what the
// change would have done to that traffic.
//
// What a log cannot give back is reported as `incomplete`, never compared as if it were exact: arguments
// kept only as a hash, outputs (results keep only `output_hash`, so value taint is lost), and faults of
// the process that wrote the log. See docs/audit.md, "Replay".

import { sha256Hex, type HashHex } from "../audit/hash.js";
import type { AuditEntryRecord, AuditRecord } from "../audit/record.js";
import { verifyChain, type AuditLine } from "../audit/verify.js";
import type { CompiledPolicy } from "../compile/compile.js";
import { ReplayError, PolicyError } from "../errors.js";
import { createGuard, type Guard } from "../guard/guard.js";
import { guardInternals, type GuardInternals } from "../guard/internals.js";
import { loadPolicy } from "../policy/load.js";
import { inputHash, rebuildAction, rebuiltHash } from "./rebuild.js";
import { messageOf } from "../approvals/text.js";
import {
  decisionVerdict, differingFields, recordedVerdict, summariseAction,
  type AuditReplayDifference, type AuditReplayOptions, type AuditReplayReport, type ReplayVerdict,
} from "./report.js";

// Codes the process that wrote the log decided, not its policy: a replay cannot meet them again.
const PROCESS_CODES: ReadonlySet<string> = new Set(["audit_error", "engine_fault"]);
// A refused plan offer leaves the session's later `no_plan` denials with its code, but is not recorded.
const PLAN_REFUSALS: ReadonlySet<string> = new Set(["bad_signature", "invalid_plan", "plans_not_enabled"]);

/**
 * Replays an audit log against a policy. The chain is verified as it is read; records are replayed in
 * order up to the first broken link, which ends the replay with a `broken_chain` error. Each decision
 * record's action is rebuilt from the record and decided again at the record's `now`; the other records
 * are applied to the replaying guard (see docs/audit.md, "Replay", for what each does). Never throws for
 * bad input: an invalid policy, an unreadable log and a broken chain come back as `report.error`.
 *
 * @example
 * const report = await replayAuditLog(readLogFiles(logFilesInOrder("audit.jsonl")), { policy: newPolicy, hash: nodeSha256Hex });
 * for (const d of report.differences) console.log(`${d.file}:${d.line}`, d.recorded.effect, "→", d.replayed.effect);
 */
export async function replayAuditLog(lines: Iterable<AuditLine>, options: AuditReplayOptions): Promise<AuditReplayReport> {
  const hash = options.hash ?? sha256Hex;
  let policy: CompiledPolicy;
  try {
    policy = resolvePolicy(options.policy);
  } catch (e) {
    const error = new ReplayError("invalid_policy", e instanceof Error ? e.message : String(e), undefined, { cause: e });
    return { ok: false, policy: "", recordedPolicies: [], counts: { records: 0, decisions: 0, same: 0, changed: 0, incomplete: 0 }, differences: [], omitted: 0, error };
  }
  // No audit: the replaying guard records nothing, and its decisions are never `audit_error`.
  const guard = await createGuard({ policy });
  const replayer = new Replayer(guard, guardInternals(guard)!, policy, hash, options.maxDifferences ?? Infinity);

  // The chain is verified and replayed in one pass, so a log of any size is read once, in constant
  // memory: verifyChain asks for line n + 1 only once line n has verified, and line n is replayed then.
  let readError: unknown;
  function* verifiedThenReplayed(): Generator<AuditLine> {
    const it = lines[Symbol.iterator]();
    let pending: AuditLine | undefined;
    try {
      for (;;) {
        // verifyChain asks for the next line only once the one before it has verified.
        if (pending) replayer.line(pending);
        pending = undefined;
        let next: IteratorResult<AuditLine>;
        try {
          next = it.next();
        } catch (e) {
          // Ends the input here; the report says why.
          readError = e;
          return;
        }
        if (next.done) return;
        if (next.value.text.trim() !== "") pending = next.value;
        yield next.value;
      }
    } finally {
      // Stopped at a broken link: let the source close its files.
      it.return?.();
    }
  }
  let verified: ReturnType<typeof verifyChain>;
  try {
    verified = verifyChain(verifiedThenReplayed(), { ...options.verify, hash });
  } catch (e) {
    // Options the verifier cannot use (a checkpoint key that does not parse): reported, never thrown.
    return replayer.report(new ReplayError("invalid_options", `the verification options are not usable: ${messageOf(e)}`, undefined, { cause: e }));
  }

  let error: ReplayError | undefined;
  if (readError !== undefined) {
    error = new ReplayError("unreadable_log", `the log could not be read: ${messageOf(readError)}`, undefined, { cause: readError });
  } else if (!verified.ok) {
    error = new ReplayError("broken_chain", verified.why, { file: verified.file, line: verified.line });
  }
  return replayer.report(error);
}

/** The replay's state: the guard deciding again, what the log said so far, and the tally. */
class Replayer {
  private readonly counts = { records: 0, decisions: 0, same: 0, changed: 0, incomplete: 0 };
  private readonly differences: AuditReplayDifference[] = [];
  private omitted = 0;
  private readonly policies = new Set<string>();
  /** Inputs (action hashes) an approval granted, per session, until the session's grants are reset. */
  private readonly approved = new Map<string, Set<string>>();
  /** Sessions that received an output the replay policy labels: value taint the log cannot replay. */
  private readonly labelledOutputs = new Set<string>();
  /** Sessions with an incomplete decision so far: their later differences may follow from it. */
  private readonly incompleteSessions = new Set<string>();
  /** An action whose arguments are only hashed was replayed: `repeat` runs after it are uncertain. */
  private argsLost = false;
  private readonly hasRepeat: boolean;
  private readonly hasValueSinks: boolean;
  private readonly readsArgs: boolean;

  constructor(
    private readonly guard: Guard,
    private readonly inner: GuardInternals,
    private readonly policy: CompiledPolicy,
    private readonly hash: HashHex,
    private readonly maxDifferences: number,
  ) {
    this.hasRepeat = policy.trajectory.limits.some((l) => l.repeat);
    this.hasValueSinks = policy.trajectory.sinks.some((s) => s.scope === "value");
    this.readsArgs = policy.reads.has("args");
  }

  /** Why the replay stopped before the end of the log (a policy change it cannot follow). */
  stopped: ReplayError | undefined;

  /** Replays one line that verified (so it is a well-formed record). */
  line(l: AuditLine): void {
    if (this.stopped) return;
    const r = JSON.parse(l.text) as AuditRecord;
    this.counts.records++;
    if (r.type === "checkpoint") return;
    if (r.type === "policy") {
      const e = (r.event ?? {}) as { from?: string; to?: string };
      this.policies.add(String(e.from));
      // Replaying the log under the policy that wrote it, the records after a change were decided by
      // another policy: comparing them with this one would report the change as differences. A replay
      // under a policy of one's own (what it would have done) goes on through the change.
      if (e.from === this.policy.hash && e.to !== this.policy.hash) {
        this.stopped = new ReplayError("policy_changed", `the log switches from policy \`${e.from.slice(0, 12)}…\` to \`${String(e.to).slice(0, 12)}…\` here (seq ${r.seq}); replay cannot switch policies: replay the records after it under that policy`, { file: l.file, line: l.line });
      }
      return;
    }
    this.policies.add(r.policy);
    const e = (r.event ?? {}) as Record<string, unknown>;
    switch (r.type) {
      case "decision":
        this.decision(r, l);
        break;
      case "result": {
        // The output is not in the log: the result lowers the origin floor and ends the pending labels,
        // but leaves no fingerprints. Whether the replay policy would have labelled it is noted.
        if (this.inner.outputLabels(r.session).length > 0) this.labelledOutputs.add(r.session);
        this.guard.recordResult({
          session: r.session, output: "",
          ...(typeof e.tool === "string" ? { tool: e.tool } : {}),
          ...(typeof e.origin === "string" ? { origin: e.origin } : {}),
        }, { now: r.now });
        break;
      }
      case "instruction":
        this.guard.recordInstruction({ session: r.session, origin: String(e.origin), text: String(e.text ?? "") }, { now: r.now });
        break;
      case "plan":
        this.guard.installPlan({ session: r.session, plan: e.plan, signature: String(e.signature) }, { now: r.now });
        break;
      case "reset":
        // Approvals given before are void. (The replaying guard holds no grant to revoke: each is
        // withdrawn right after the decision it was made for.)
        this.approved.delete(r.session);
        if (e.grants !== "revoked") {
          this.guard.resetSession(r.session);
          this.labelledOutputs.delete(r.session);
        }
        break;
      case "approval":
        if (e.state === "approved" && r.input !== undefined) {
          let inputs = this.approved.get(r.session);
          if (!inputs) this.approved.set(r.session, (inputs = new Set()));
          inputs.add(r.input);
        }
        break;
    }
  }

  private decision(r: AuditEntryRecord, where: AuditLine): void {
    this.counts.decisions++;
    const recorded = recordedVerdict(r);
    const policyDiffers = r.policy !== this.policy.hash;
    const a = r.action;
    if (a === undefined) {
      // The action could not be read when it was decided: the guard refused it before any policy saw it
      // (`invalid_action`), and would again under any policy.
      return this.tally(r, where, recorded, recorded, policyDiffers, undefined);
    }
    const { action, argsExact } = rebuildAction(r, a, this.hash);
    // An approval grant is replayed for the decision that used it: a once-grant keyed by the rebuilt
    // action, made just before and withdrawn just after. The log records that an approval was given
    // (`approval` record) and that a decision was granted, but not a grant's `ttl`.
    let granted = false;
    if (r.code === "approval_granted" && r.input !== undefined && this.approved.get(r.session)?.has(r.input)) {
      const key = this.inner.inputOf(action);
      granted = key !== undefined && this.inner.grant(r.session, key, r.now, true);
    }
    const out = this.inner.decide(action, r.now);
    if (granted) this.guard.revokeGrants(r.session);
    const replayed = decisionVerdict(out.decision);

    let why: string | undefined;
    if (r.input !== undefined && inputHash(a, a.args_hash, this.hash) !== r.input) {
      why = "the record's `input` is not the hash of its `action`: the log does not show the action that was decided";
    } else if (r.input !== undefined && out.audited !== undefined && inputHash(out.audited, a.args_hash, this.hash) !== r.input) {
      why = "the action rebuilt from the record does not canonicalise to the recorded one (its `input` differs)";
    } else if (!argsExact && (this.readsArgs || this.hasRepeat)) {
      why = `its arguments are in the log only as \`args_hash\` (keep them with \`audit.clear\`), and the replay policy ${this.readsArgs ? "reads `action.args`" : "has a `repeat` limit, which compares arguments"}`;
    } else if (this.argsLost && this.hasRepeat && [...recorded.matched, ...replayed.matched].some((id) => this.isRepeatLimit(id))) {
      why = "a `repeat` limit counted earlier actions whose arguments are in the log only as `args_hash`";
    } else if (valueLabels(recorded, a).length > 0) {
      why = `the recorded decision saw value taint (${valueLabels(recorded, a).map((l) => `\`${l}\``).join(", ")}) from earlier outputs, which the log keeps only as \`output_hash\``;
    } else if (policyDiffers && this.hasValueSinks && this.labelledOutputs.has(r.session)) {
      why = "the replay policy labels outputs this session received, which the log keeps only as `output_hash`, and has value-scope flow sinks that would look for them in this action";
    }
    if (!argsExact) this.argsLost = true;
    const fields = differingFields(recorded, replayed);
    if (why === undefined && fields.length > 0) {
      if (PROCESS_CODES.has(recorded.code ?? "")) {
        why = `the recorded decision is a fault of the process that wrote the log (\`${recorded.code}\`), not a decision of its policy`;
      } else if (PLAN_REFUSALS.has(recorded.code ?? "") && replayed.code === "no_plan") {
        why = `the session's plan offer was refused (\`${recorded.code}\`), and refused offers are not recorded`;
      }
    }
    this.tally(r, where, recorded, replayed, policyDiffers, why);
  }

  private tally(r: AuditEntryRecord, where: AuditLine, recorded: ReplayVerdict, replayed: ReplayVerdict, policyDiffers: boolean, why: string | undefined): void {
    const replayedHash = rebuiltHash(r, replayed, this.policy.hash, this.hash);
    const fields = differingFields(recorded, replayed);
    if (recorded.reason !== replayed.reason) fields.push("reason");
    // Under the policy that wrote it, the record must come back hash for hash; under another, the policy
    // field alone changes the hash, and only the decision is compared.
    const decisionDiffers = fields.some((f) => f !== "reason");
    const hashDiffers = !policyDiffers && replayedHash !== r.hash;
    if (hashDiffers && fields.length === 0) fields.push("hash");
    const kind = why !== undefined ? "incomplete" : decisionDiffers || hashDiffers ? "changed" : undefined;
    if (kind === undefined) {
      this.counts.same++;
      return;
    }
    this.counts[kind]++;
    const after = kind === "changed" && this.incompleteSessions.has(r.session);
    if (kind === "incomplete") this.incompleteSessions.add(r.session);
    if (this.differences.length >= this.maxDifferences) {
      this.omitted++;
      return;
    }
    this.differences.push({
      kind, file: where.file, line: where.line, seq: r.seq, session: r.session,
      ...(r.agent !== undefined ? { agent: r.agent } : {}),
      summary: summariseAction(r.action), recorded, replayed,
      fields,
      ...(why !== undefined ? { why } : {}),
      policyDiffers,
      ...(after ? { afterIncomplete: true as const } : {}),
      replayedHash,
    });
  }

  private isRepeatLimit(id: string): boolean {
    return this.policy.trajectory.limits.some((l) => l.repeat && l.id === id);
  }

  report(error: ReplayError | undefined): AuditReplayReport {
    error ??= this.stopped;
    const c = this.counts;
    return {
      ok: error === undefined && c.changed === 0 && c.incomplete === 0,
      policy: this.policy.hash,
      recordedPolicies: [...this.policies],
      counts: { ...c },
      differences: this.differences,
      omitted: this.omitted,
      ...(error ? { error } : {}),
    };
  }
}

/**
 * The labels of a recorded decision that the action did not declare: they came from fingerprints of
 * earlier outputs (value taint), or from a session whose fingerprint store overflowed.
 */
function valueLabels(recorded: ReplayVerdict, a: { labels?: readonly string[] }): string[] {
  const declared = a.labels ?? [];
  return (recorded.labels ?? []).filter((l) => !declared.includes(l));
}

function resolvePolicy(p: AuditReplayOptions["policy"]): CompiledPolicy {
  if (typeof p === "object" && p !== null && (p as CompiledPolicy).program instanceof Uint8Array && (p as CompiledPolicy).format === 1) return p as CompiledPolicy;
  const { policy, errors } = loadPolicy(p);
  if (!policy) throw new PolicyError(errors);
  return policy;
}

