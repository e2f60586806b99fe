// Verifying an audit log: every record well-formed, numbered without gaps, linked to the one before it,
// hashed as written, and every checkpoint's head and signature right. Reports the first break only: past
// it, nothing in the log can be trusted to be what it claims.

import { isFallback, toPlainJson } from "./canonical.js";
import { parsePublicKey, verifyCheckpoint } from "./checkpoint.js";
import { sha256Hex, type HashHex } from "./hash.js";
import { recordBody } from "./record-json.js";
import { ZERO_HASH, type AuditRecord, type CheckpointEvent } from "./record.js";
import { recordProblem } from "./shape.js";

/**
 * One line of a log, with where it came from (for the report).
 *
 * @example
 * const line: AuditLine = { text: '{"action":…}', file: "audit.jsonl", line: 1 };
 */
export interface AuditLine {
  text: string;
  file: string;
  /** 1-based. */
  line: number;
}

/**
 * Options of {@link verifyChain}.
 *
 * @example
 * const options: VerifyOptions = { publicKeys: [auditPublicKey(seed)], end: { seq: 9999 } };
 */
export interface VerifyOptions {
  /**
   * Ed25519 public keys (64 hex digits, `ed25519:BASE64`, or 32 bytes): every checkpoint's signature must
   * verify with one of them. Without keys checkpoints are checked for shape and head only, and counted
   * as `unverified`.
   */
  publicKeys?: readonly (Uint8Array | string)[];
  /**
   * Accept a log whose first record is not the chain's first (`seq` above 0, `prev` not zeros): a
   * rotated log whose oldest files were deleted. What came before it is not checked.
   */
  allowPartialStart?: boolean;
  /**
   * What the last record must be, known from elsewhere (a checkpoint sent to another system, the chain's
   * `position` at shutdown): catches records removed from, or added to, the end of the log.
   */
  end?: { seq?: number; hash?: string };
  /** The last record must be a checkpoint (as `close` leaves a log when checkpoints are on). */
  requireFinalCheckpoint?: boolean;
  /** The SHA-256 to use (default: pure JS; `nodeSha256Hex` in Node is faster). */
  hash?: HashHex;
}

/**
 * The outcome of {@link verifyChain}. `records` counts the records that verified (before the break, when
 * there is one); `checkpoints` the checkpoints among them, `unverified` those whose signature was not
 * checked for want of keys.
 *
 * @example
 * const r: VerifyResult = verifyChain(lines);
 * if (!r.ok) console.error(`${r.file}:${r.line}: ${r.why}`);
 */
export type VerifyResult =
  | { ok: true; records: number; checkpoints: number; unverified: number; first?: number; last?: number; head?: string }
  | { ok: false; file: string; line: number; why: string; records: number };

/**
 * Verifies a log, line by line in order (blank lines are skipped), and reports the first broken link:
 * a line that is not JSON, a record of another version or with a missing or ill-typed field, a `seq`
 * out of sequence, a `prev` that is not the previous record's `hash` (a record removed, inserted or
 * moved), a `hash` that is not the record's (a record edited), a checkpoint whose head or signature is
 * wrong.
 *
 * What a hash chain cannot show, on its own: that records were cut from the end (the rest is still a
 * valid chain), or that someone able to write the log rewrote it from some record on, recomputing every
 * hash after it. Signed checkpoints bound both: records up to the last checkpoint verified with a key
 * kept away from the log cannot be changed without the signature failing. Records after the last
 * checkpoint are as good as the log's own protection; `requireFinalCheckpoint` (a log closed cleanly
 * ends with one) and `end` (the last `seq`/`hash`, known from elsewhere) close that gap.
 *
 * @example
 * const result = verifyChain(readLogFiles(logFilesInOrder("audit.jsonl")), { publicKeys: [pubHex] });
 */
export function verifyChain(lines: Iterable<AuditLine>, options: VerifyOptions = {}): VerifyResult {
  const hash = options.hash ?? sha256Hex;
  const keys = options.publicKeys !== undefined ? options.publicKeys.map(parsePublicKey) : undefined;
  let records = 0;
  let checkpoints = 0;
  let unverified = 0;
  let first: number | undefined;
  let last: AuditRecord | undefined;
  let where: AuditLine | undefined;
  for (const l of lines) {
    if (l.text.trim() === "") continue;
    const fail = (why: string): VerifyResult => ({ ok: false, file: l.file, line: l.line, why, records });
    let value: unknown;
    try {
      value = JSON.parse(l.text);
    } catch (e) {
      return fail(`not valid JSON (a truncated or damaged line): ${String((e as Error).message).toLowerCase()}`);
    }
    const problem = recordProblem(value);
    if (problem !== undefined) return fail(`not an audit record: ${problem}`);
    const r = value as AuditRecord;
    if (last === undefined) {
      if (!options.allowPartialStart && r.seq !== 0) return fail(`the log starts at record ${r.seq}, not 0: its beginning is missing (allow a partial start for a rotated log whose oldest files were deleted)`);
      if (!options.allowPartialStart && r.prev !== ZERO_HASH) return fail("the first record's prev is not 64 zeros: records before it are missing");
      first = r.seq;
    } else {
      const why = linkProblem(last, r);
      if (why !== undefined) return fail(why);
    }
    let body: string;
    try {
      // Parsed JSON cannot hold a cycle: no depth limit is needed for the fast serialiser.
      body = recordBody(r as unknown as Record<string, unknown>, -Infinity);
    } catch (e) {
      if (!isFallback(e)) return fail(`record ${r.seq} cannot be checked: ${String((e as Error).message).toLowerCase()}`);
      // A key that is not valid Unicode, which the chain never writes: hashed as the chain would have
      // written it, the record cannot match its hash.
      body = recordBody(toPlainJson(r) as Record<string, unknown>, -Infinity);
    }
    if (hash(body) !== r.hash) return fail(`record ${r.seq}'s hash does not match its content: the record was edited`);
    if (r.type === "checkpoint") {
      const why = checkpointProblem(r.seq, r.prev, r.event, keys);
      if (why !== undefined) return fail(why);
      checkpoints++;
      if (keys === undefined) unverified++;
    }
    records++;
    last = r;
    where = l;
  }
  const end = endProblem(last, options);
  if (end !== undefined) return { ok: false, file: where?.file ?? "", line: where?.line ?? 0, why: end, records };
  if (last === undefined) return { ok: true, records, checkpoints, unverified };
  return { ok: true, records, checkpoints, unverified, first, last: last.seq, head: last.hash };
}

function linkProblem(last: AuditRecord, r: AuditRecord): string | undefined {
  const expected = last.seq + 1;
  if (r.prev !== last.hash) {
    const base = `record ${r.seq}'s prev does not match the hash of the record before it (record ${last.seq})`;
    if (r.seq === expected) return `${base}: a record before it was replaced or removed, or it was inserted`;
    if (r.seq > expected) return `${base}: ${r.seq - expected === 1 ? `record ${expected} is` : `records ${expected} to ${r.seq - 1} are`} missing`;
    return `${base}: records are repeated or out of order`;
  }
  // The link holds but the number does not: the number was changed and the hash recomputed.
  if (r.seq !== expected) return `record ${r.seq} follows record ${last.seq} but is not numbered ${expected}`;
  return undefined;
}

function checkpointProblem(seq: number, prev: string, e: CheckpointEvent, keys: readonly Uint8Array[] | undefined): string | undefined {
  if (e.head !== prev) return `checkpoint ${seq}'s head does not match record ${seq - 1}'s hash`;
  if (keys !== undefined && !verifyCheckpoint(e, keys)) return `checkpoint ${seq}'s signature does not verify with any given key`;
  return undefined;
}

function endProblem(last: AuditRecord | undefined, options: VerifyOptions): string | undefined {
  const end = options.end;
  if (end?.seq !== undefined && last?.seq !== end.seq) {
    return last === undefined ? `the log is empty, but record ${end.seq} was expected last` : `the log ends at record ${last.seq}, but record ${end.seq} was expected last: records were ${last.seq < end.seq ? "removed from" : "added to"} its end`;
  }
  if (end?.hash !== undefined && last?.hash !== end.hash) {
    return last === undefined ? "the log is empty, but a last record was expected" : `the last record's hash is not the expected one: the end of the log was changed`;
  }
  if (options.requireFinalCheckpoint && last?.type !== "checkpoint") {
    return last === undefined ? "the log is empty, but it must end with a checkpoint" : `the log does not end with a checkpoint: records after the last one may have been removed or added`;
  }
  return undefined;
}
