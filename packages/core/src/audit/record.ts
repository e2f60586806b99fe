// The audit record, format version 1 (DESIGN §6): what one line of the log holds. The shape is closed
// (no other keys) so that a verifier, a replayer and the JSON Schema all agree on what was hashed.

import type { Action } from "../guard/action.js";

/**
 * The audit format version, the `v` of every record. A change to the record's fields or to how it is
 * hashed is a new version.
 *
 * @example
 * if (record.v !== AUDIT_VERSION) throw new Error("unsupported audit log");
 */
export const AUDIT_VERSION = 1;

/**
 * The `prev` of the first record of a chain: 64 zeros, the hex form of an all-zero SHA-256.
 *
 * @example
 * chain.append(entry).prev === ZERO_HASH // true for the first record of a new chain
 */
export const ZERO_HASH = "0".repeat(64);

/**
 * Every record type, in the order DESIGN §3 introduces the events they record, then `policy` (a hot
 * reload: `event` `{ from, to, reason?, carried, dropped }`, `session` empty). `checkpoint` is written
 * by the chain itself, never appended by a caller.
 *
 * @example
 * AUDIT_RECORD_TYPES.includes("decision") // true
 */
export const AUDIT_RECORD_TYPES = ["decision", "result", "instruction", "plan", "reset", "approval", "policy", "checkpoint"] as const;

/**
 * The type of a record: what happened.
 *
 * @example
 * const t: AuditRecordType = "decision";
 */
export type AuditRecordType = (typeof AUDIT_RECORD_TYPES)[number];

/**
 * The effects a decision record may carry (DESIGN §5).
 *
 * @example
 * AUDIT_EFFECTS.includes("deny") // true
 */
export const AUDIT_EFFECTS = ["allow", "flag", "ask", "deny", "kill"] as const;

/**
 * The action fields a record keeps besides `kind`, in the order DESIGN §3 lists them (`agent` and
 * `session` are the record's own). `argv`, `verb` and `tables` are there when the caller gave them
 * instead of a `command` or `statement` (the guard derives them from those and drops the caller's):
 * an approval bound to `rm notes.txt` must not cover `rm -rf /`.
 *
 * @example
 * AUDIT_ACTION_FIELDS.includes("url") // true
 */
export const AUDIT_ACTION_FIELDS = [
  "tool", "target", "method", "url", "host", "port", "path", "query", "command", "program", "argv", "file",
  "statement", "verb", "tables", "origin", "labels", "usage",
] as const;

/**
 * The action as the audit log keeps it: its canonical fields, the hash of its arguments, and only the
 * argument fields the policy keeps in clear (`audit.clear`).
 *
 * @example
 * const a: AuditAction = { kind: "tool", tool: "refund", args_hash: canonicalHash({ amount: 5 }), args: { amount: 5 } };
 */
export type AuditAction = { kind: string } & Pick<Action, (typeof AUDIT_ACTION_FIELDS)[number]> & {
  /** SHA-256 (hex) of the canonical JSON (RFC 8785) of the whole `args`, when the action had any. */
  args_hash?: string;
  /** Only the argument fields kept in clear: a partial copy of `args`. */
  args?: Record<string, unknown>;
};

/**
 * What a caller hands to {@link AuditChain.append}: a record before the chain fills in `v`, `seq`, `ts`,
 * `prev` and `hash`. `now` is the decision clock (ms since the epoch), the same the engine decided with,
 * so that a replay sees the same time.
 *
 * @example
 * const entry: AuditEntry = { type: "decision", now: Date.now(), session: "s1", policy: policy.hash,
 *   action: { kind: "tool", tool: "search" }, effect: "allow", code: "rule", rule: "search-ok", matched: ["search-ok"] };
 */
export interface AuditEntry {
  type: Exclude<AuditRecordType, "checkpoint">;
  /** The decision clock, ms since the epoch. */
  now: number;
  session: string;
  agent?: string;
  /** Which adapter made the call: `core`, `langchain`, `openai`, … */
  adapter?: string;
  action?: AuditAction;
  effect?: (typeof AUDIT_EFFECTS)[number];
  rule?: string;
  code?: string;
  reason?: string;
  matched?: string[];
  labels?: string[];
  /** Present, and `true`, only when the policy runs in shadow mode: the effect was not enforced. */
  shadow?: true;
  /** SHA-256 (hex) of the canonical policy (`CompiledPolicy.hash`). */
  policy: string;
  /** SHA-256 (hex) of the canonical action the engine decided. */
  input?: string;
  latency_us?: number;
  /**
   * The type's own payload: `{ output_hash, labels, redacted, redaction }` for a result, `{ id, state, … }`
   * for an approval, `{ from, to, reason?, carried, dropped }` for a policy change (`policy` is then `to`).
   */
  event?: Record<string, unknown>;
}

/**
 * The fields the chain adds to every record.
 *
 * @example
 * const link: Pick<AuditRecord, "prev" | "hash"> = { prev: ZERO_HASH, hash: record.hash };
 */
export interface AuditLink {
  v: typeof AUDIT_VERSION;
  /** Position in the chain, from 0, continuous over every file of a rotated log. */
  seq: number;
  /** `now` as an ISO 8601 string, for people reading the log. */
  ts: string;
  /** `hash` of the previous record; {@link ZERO_HASH} for the first. */
  prev: string;
  /** SHA-256 (hex) of the record's canonical JSON (RFC 8785) without `hash`, so `prev` included. */
  hash: string;
}

/**
 * The payload of a checkpoint: `signature` is Ed25519 (base64) over the UTF-8 bytes of `head`, the hash
 * of the record before the checkpoint; `key` names the signing key (an id, or its public key in hex).
 *
 * @example
 * const e: CheckpointEvent = { head: record.hash, signature: "…", key: "audit-2026" };
 */
export interface CheckpointEvent {
  head: string;
  signature: string;
  key: string;
}

/**
 * A checkpoint record, written by the chain every `checkpoint.every` records. It has no session and no
 * policy: it vouches for the chain, not for a decision.
 *
 * @example
 * if (record.type === "checkpoint") console.log(record.event.head);
 */
export interface CheckpointRecord extends AuditLink {
  type: "checkpoint";
  /** The decision clock of the record before it, so that checkpoints never need a clock of their own. */
  now: number;
  event: CheckpointEvent;
}

/**
 * A record of something that happened (every type but `checkpoint`): an entry the chain has linked.
 *
 * @example
 * if (record.type !== "checkpoint") console.log(record.session, record.effect);
 */
export type AuditEntryRecord = AuditEntry & AuditLink;

/**
 * One line of the audit log: narrow on `type` to reach the fields of each kind.
 *
 * @example
 * const record: AuditRecord = chain.append(entry);
 */
export type AuditRecord = AuditEntryRecord | CheckpointRecord;
