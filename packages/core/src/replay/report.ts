// The shapes of an audit replay's outcome, and the small pure helpers that fill them: a decision as a
// record holds it, which of its fields differ between two decisions, a one-line summary of an action.

import type { AuditAction, AuditEntryRecord } from "../audit/record.js";
import type { HashHex } from "../audit/hash.js";
import type { VerifyOptions } from "../audit/verify.js";
import type { CompiledPolicy } from "../compile/compile.js";
import type { ReplayError } from "../errors.js";
import type { Decision } from "../guard/decision.js";

/**
 * Options of {@link replayAuditLog}.
 *
 * @example
 * const options: AuditReplayOptions = { policy: yamlText, hash: nodeSha256Hex, verify: { publicKeys: [pubHex] } };
 */
export interface AuditReplayOptions {
  /** The policy to decide with: compiled (`loadPolicy`), YAML text, or a policy object. */
  policy: CompiledPolicy | string | object;
  /** The SHA-256 for verification and record hashes (default pure JS; `nodeSha256Hex` in Node is faster). */
  hash?: HashHex;
  /** How to verify the chain before its records are replayed (keys for checkpoints, a partial start, …). */
  verify?: Omit<VerifyOptions, "hash">;
  /** Keep at most this many differences in the report (the counts stay exact); default: every one. */
  maxDifferences?: number;
}

/**
 * A decision as a record holds it: what a replay compares.
 *
 * @example
 * const v: ReplayVerdict = { effect: "deny", rule: "no-rm", code: "rule", matched: ["no-rm"] };
 */
export interface ReplayVerdict {
  effect?: Decision["effect"];
  rule?: string;
  code?: string;
  reason?: string;
  matched: string[];
  labels?: string[];
  shadow?: boolean;
}

/**
 * One decision record that the replay did not reproduce.
 *
 * - `changed`: the replay policy decides otherwise (`fields` says what differs), or, under the same
 *   policy, the record the replay would have written does not hash as the recorded one.
 * - `incomplete`: the log does not hold everything the decision depended on, so the replayed decision is
 *   not exact and is not compared as if it were (`why` says what is missing).
 *
 * @example
 * for (const d of report.differences) console.log(`${d.file}:${d.line}: ${d.summary}: ${d.recorded.effect} → ${d.replayed.effect}`);
 */
export interface AuditReplayDifference {
  kind: "changed" | "incomplete";
  /** Where the record is: log file and 1-based line. */
  file: string;
  line: number;
  seq: number;
  session: string;
  agent?: string;
  /** The recorded action in one line: kind, tool or method, and URL, command, file, statement or target. */
  summary: string;
  recorded: ReplayVerdict;
  replayed: ReplayVerdict;
  /** Which of `effect`, `rule`, `code`, `matched`, `labels`, `shadow`, `reason`, `hash` differ. */
  fields: string[];
  /** For `incomplete`: what the log lacks. */
  why?: string;
  /** The record was decided under another policy than the replay's. */
  policyDiffers: boolean;
  /** A change after an incomplete decision of the same session: it may follow from that one. */
  afterIncomplete?: true;
  /** SHA-256 of the record the replayed decision would have written (with the replay policy's hash). */
  replayedHash: string;
}

/**
 * The outcome of {@link replayAuditLog}. Every decision record counts as exactly one of `same`,
 * `changed` and `incomplete`; `records` counts every record replayed, checkpoints included.
 *
 * @example
 * const report = await replayAuditLog(lines, { policy });
 * console.log(`${report.counts.decisions} decisions: ${report.counts.same} same, ${report.counts.changed} changed`);
 */
export interface AuditReplayReport {
  /** The chain verified, and every decision was reproduced (none changed, none incomplete). */
  ok: boolean;
  /** The replay policy's hash. */
  policy: string;
  /** The policy hashes the log's records carry, in order of first appearance. */
  recordedPolicies: string[];
  counts: { records: number; decisions: number; same: number; changed: number; incomplete: number };
  differences: AuditReplayDifference[];
  /** Differences counted but not kept, past `maxDifferences`. */
  omitted: number;
  /** Why the replay could not run (`invalid_policy`, `unreadable_log`) or stopped (`broken_chain`). */
  error?: ReplayError;
}

/**
 * The decision a record holds.
 *
 * @example
 * recordedVerdict(record) // { effect: "deny", rule: "no-rm", code: "rule", reason: "…", matched: ["no-rm"] }
 */
export function recordedVerdict(r: AuditEntryRecord): ReplayVerdict {
  return verdict(r.effect, r.rule, r.code, r.reason, r.matched ?? [], r.labels, r.shadow === true);
}

/**
 * A guard's decision, as a record would hold it (without `args`, which a record does not keep).
 *
 * @example
 * decisionVerdict(guard.check(action)) // { effect: "allow", rule: "search", code: "rule", reason: "…", matched: ["search"] }
 */
export function decisionVerdict(d: Decision): ReplayVerdict {
  return verdict(d.effect, d.rule, d.code, d.reason, d.matched, d.labels, d.shadow === true);
}

function verdict(effect: ReplayVerdict["effect"], rule: string | undefined, code: string | undefined, reason: string | undefined, matched: string[], labels: string[] | undefined, shadow: boolean): ReplayVerdict {
  return {
    ...(effect !== undefined ? { effect } : {}),
    ...(rule !== undefined ? { rule } : {}),
    ...(code !== undefined ? { code } : {}),
    ...(reason !== undefined ? { reason } : {}),
    matched,
    // A decision without labels and one with an empty list say the same: the guard writes neither.
    ...(labels !== undefined && labels.length > 0 ? { labels } : {}),
    ...(shadow ? { shadow } : {}),
  };
}

/**
 * The decision fields (not `reason`) in which two verdicts differ, in a fixed order.
 *
 * @example
 * differingFields({ effect: "deny", code: "limit", matched: [] }, { effect: "allow", code: "limit", matched: [] }) // ["effect"]
 */
export function differingFields(a: ReplayVerdict, b: ReplayVerdict): string[] {
  const out: string[] = [];
  if (a.effect !== b.effect) out.push("effect");
  if (a.rule !== b.rule) out.push("rule");
  if (a.code !== b.code) out.push("code");
  if (!sameList(a.matched, b.matched)) out.push("matched");
  if (!sameList(a.labels ?? [], b.labels ?? [])) out.push("labels");
  if ((a.shadow === true) !== (b.shadow === true)) out.push("shadow");
  return out;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * An action in one line, as `trailguard audit show` prints it: kind, tool or method, and URL, command,
 * file, statement or target.
 *
 * @example
 * summariseAction({ kind: "http", method: "GET", url: "https://api.example/x" }) // "http GET https://api.example/x"
 */
export function summariseAction(a: AuditAction | undefined): string {
  if (a === undefined) return "(unreadable action)";
  return [a.kind, a.tool ?? a.method, a.url ?? a.command ?? a.file ?? a.statement ?? a.target]
    .filter((x): x is string => typeof x === "string")
    .join(" ");
}
