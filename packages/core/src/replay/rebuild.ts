// From a decision record back to what was decided, and from a replayed decision forward to the record it
// would have written. A record keeps the canonical action with its arguments hashed (`args_hash`) and
// only the `audit.clear` paths in clear, so the arguments come back whole only when they hash to
// `args_hash`; everything else about the action is in the record as the engine saw it.

import { isFallback, toPlainJson } from "../audit/canonical.js";
import { canonicalHash, type HashHex } from "../audit/hash.js";
import { recordBody } from "../audit/record-json.js";
import { AUDIT_ACTION_FIELDS, type AuditAction, type AuditEntryRecord } from "../audit/record.js";
import type { Action } from "../guard/action.js";
import type { ReplayVerdict } from "./report.js";

/** The action to decide again, and whether its arguments are the ones decided (not only a kept part). */
export interface RebuiltAction {
  action: Action;
  argsExact: boolean;
}

/**
 * The action a decision record describes, with the record's session and agent. Arguments: the clear
 * ones when they hash to `args_hash` (`argsExact`; empty arguments, which keep nothing in clear, too),
 * else whatever part was kept (or `{}`), which a policy reading `action.args` cannot decide exactly.
 *
 * @example
 * const { action, argsExact } = rebuildAction(record, record.action!, sha256Hex);
 */
export function rebuildAction(r: AuditEntryRecord, a: AuditAction, hash: HashHex): RebuiltAction {
  const action: Record<string, unknown> = { kind: a.kind, session: r.session };
  if (r.agent !== undefined) action.agent = r.agent;
  for (const f of AUDIT_ACTION_FIELDS) if (a[f] !== undefined) action[f] = a[f];
  let argsExact = true;
  if (a.args_hash !== undefined) {
    // Empty arguments keep nothing in clear, but hash as `{}`: they come back all the same.
    const args = a.args ?? {};
    argsExact = canonicalHash(args, hash) === a.args_hash;
    action.args = args;
  }
  return { action: action as unknown as Action, argsExact };
}

/**
 * SHA-256 of the action as the `input` of a record is computed (the audited action without its clear
 * `args`), with `args_hash` taken from `argsHash` — so that an action rebuilt without its whole arguments
 * can still be compared field by field with the recorded one.
 *
 * @example
 * inputHash(record.action!, record.action!.args_hash, sha256Hex) === record.input // a consistent record
 */
export function inputHash(a: AuditAction, argsHash: string | undefined, hash: HashHex): string {
  const { args: _clear, args_hash: _hash, ...rest } = a;
  return canonicalHash(argsHash !== undefined ? { ...rest, args_hash: argsHash } : rest, hash);
}

/**
 * The hash of the record a replayed decision would have written in place of `r`: the same link, time,
 * session, action, `input` and latency (copied: latency is not reproducible), the replayed decision, and
 * `policy`. Under the policy that wrote the log, it equals `r.hash` exactly when the decision was
 * reproduced in every field.
 *
 * @example
 * rebuiltHash(record, decisionVerdict(d), policy.hash, sha256Hex) === record.hash
 */
export function rebuiltHash(r: AuditEntryRecord, v: ReplayVerdict, policy: string, hash: HashHex): string {
  const record: Record<string, unknown> = {
    v: r.v, seq: r.seq, type: r.type, ts: r.ts, now: r.now, session: r.session, agent: r.agent, adapter: r.adapter,
    action: r.action, effect: v.effect, rule: v.rule, code: v.code, reason: v.reason, matched: v.matched,
    labels: v.labels, shadow: v.shadow === true ? true : undefined, policy, input: r.input, latency_us: r.latency_us,
    event: r.event, prev: r.prev,
  };
  let body: string;
  try {
    // Parsed JSON and a guard's decision hold no cycle: no depth limit is needed.
    body = recordBody(record, -Infinity);
  } catch (e) {
    if (!isFallback(e)) throw e;
    body = recordBody(toPlainJson(record) as Record<string, unknown>, -Infinity);
  }
  return hash(body);
}
