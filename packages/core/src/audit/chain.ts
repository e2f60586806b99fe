// The audit hash chain (DESIGN §6). `append` runs on the decision path, synchronously: it numbers the
// record, links it to the previous one and hashes it, then queues it; `enqueue` numbers and copies it
// now and links it at the end of the job, which keeps the hashing out of the decision's latency. Sinks
// are written later, in batches (sink-lane.ts). A sink that fails makes the chain report `failure` until
// a retry succeeds, so that the guard can refuse to decide without a record.

import { AuditError } from "../errors.js";
import { isFallback, toPlainJson } from "./canonical.js";
import { checkpointSigner, type CheckpointSigner } from "./checkpoint.js";
import { sha256Hex, type HashHex } from "./hash.js";
import { buildCheckpoint, buildRecord, NotPlain, type BuiltRecord } from "./record-build.js";
import { recordBody, recordLineFrom } from "./record-json.js";
import { ZERO_HASH, type AuditEntry, type AuditRecord } from "./record.js";
import { entryProblem } from "./shape.js";
import { SinkLane } from "./sink-lane.js";
import type { AuditSink } from "./sinks.js";
import { messageOf } from "../approvals/text.js";

// The most records `enqueue` leaves unlinked: about a megabyte of records, more than one job of an agent
// normally decides; past it a synchronous burst pays as it goes rather than growing without bound.
const MAX_PENDING = 1024;
const HEX64 = /^[0-9a-f]{64}$/;
// JSON.stringify writes a lone surrogate as an escape (\ud800–\udfff, lower-case hex), where RFC 8785
// has no form for it. Seeing one (or a literal backslash before "ud8", a harmless false alarm) sends the
// record the slow way, which replaces it by U+FFFD. `indexOf` first: most records hold no "\ud" at all.
const LONE_SURROGATE_ESCAPE = /\\ud[89a-f]/;

/**
 * Where a chain stands: the `seq` and `prev` its next record gets. `start` of a chain that continues
 * another one; `resumeChain` reads it from a log file.
 *
 * @example
 * const next: ChainPosition = { seq: 0, prev: ZERO_HASH };
 */
export interface ChainPosition {
  seq: number;
  prev: string;
}

/**
 * Options of {@link AuditChain}.
 *
 * @example
 * const options: AuditChainOptions = { sinks: [memorySink()], checkpoint: { every: 1000, privateKey: seed } };
 */
export interface AuditChainOptions {
  /** Where records go, each receiving every record in order. */
  sinks?: readonly AuditSink[];
  /** Continue an existing chain (see `resumeChain`); default: a new chain, `seq` 0 and `prev` zeros. */
  start?: ChainPosition;
  /**
   * Every `every` records, append a `checkpoint` record signed with `privateKey` (a 32-byte Ed25519
   * seed); `key` names the key in the checkpoint (default: its public key in hex). `close` appends a last
   * checkpoint when records came after the previous one. Signing costs far more than a record (a scalar
   * multiplication): the append that triggers it is that much slower.
   */
  checkpoint?: { every: number; privateKey: Uint8Array; key?: string };
  /** Called with every sink failure (an AuditError `audit_sink` whose `cause` is the sink's error). */
  onError?: (error: AuditError) => void;
  /** The SHA-256 to use (default: pure JS, the same everywhere; `nodeSha256Hex` in Node is faster). */
  hash?: HashHex;
  /**
   * Milliseconds a sink's `write` or `flush` may take before the sink counts as failing (default 30 s):
   * `failure` is set (a guard denies, `audit_error`) until the call settles. Nothing is abandoned: a
   * write that finishes late is not written again.
   */
  sinkTimeoutMs?: number;
}

/**
 * A tamper-evident chain of audit records: each record's `hash` covers its content and the previous
 * record's hash (`prev`), so editing, removing or reordering records breaks the chain where it happened
 * (see `verifyChain` for what a chain can and cannot show).
 *
 * Records reach the sinks asynchronously, in order: a crash loses the records appended but not yet
 * written, and, for the file sink, those written but not yet synced; `flush()` resolves once everything
 * appended before it is written and synced. The chain copies what it keeps of an entry: changing the
 * entry afterwards changes nothing in the log.
 *
 * @example
 * const mem = memorySink();
 * const chain = new AuditChain({ sinks: [mem], hash: nodeSha256Hex });
 * chain.append({ type: "decision", now: Date.now(), session: "s1", policy: policy.hash,
 *   action: { kind: "tool", tool: "search" }, effect: "allow", code: "rule", rule: "search-ok" });
 * await chain.close();
 */
export class AuditChain {
  readonly #lanes: SinkLane[];
  readonly #hash: HashHex;
  readonly #signer: CheckpointSigner | undefined;
  readonly #every: number;
  // Next seq to hand out, and the hash of the last linked record.
  #seq: number;
  #prev: string;
  // Records numbered but not yet linked (enqueued), in order, from `#head` on; those to serialise field
  // by field.
  #pending: Record<string, unknown>[] = [];
  #head = 0;
  #explicit = new Set<object>();
  #lastNow = NaN;
  #lastTs = "";
  // The ISO form of the second that starts at #secondStart, up to and including its "." (see #ts).
  #secondPrefix = "";
  #secondStart = NaN;
  #policy: string | undefined;
  #sinceCheckpoint = 0;
  #linked = 0;
  #scheduled = false;
  #closed = false;
  #closing: Promise<void> | undefined;
  #fault: AuditError | undefined;
  readonly #onError: ((error: AuditError) => void) | undefined;

  constructor(options: AuditChainOptions = {}) {
    const start = options.start ?? { seq: 0, prev: ZERO_HASH };
    if (!Number.isSafeInteger(start.seq) || start.seq < 0) throw new TypeError("`start.seq` must be an integer ≥ 0");
    if (typeof start.prev !== "string" || !HEX64.test(start.prev)) throw new TypeError("`start.prev` must be 64 lower-case hex digits");
    this.#seq = start.seq;
    this.#prev = start.prev;
    this.#hash = options.hash ?? sha256Hex;
    this.#onError = options.onError;
    const timeout = options.sinkTimeoutMs;
    if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) throw new TypeError("`sinkTimeoutMs` must be a number > 0");
    this.#lanes = (options.sinks ?? []).map((sink, index) => new SinkLane(sink, index, options.onError, timeout));
    const cp = options.checkpoint;
    if (cp !== undefined) {
      if (!Number.isSafeInteger(cp.every) || cp.every < 1) throw new TypeError("`checkpoint.every` must be an integer ≥ 1");
      this.#signer = checkpointSigner(cp);
      this.#every = cp.every;
    } else {
      this.#every = Infinity;
    }
  }

  /**
   * The `seq` and `prev` of the next record: hand it to another chain's `start` to continue this one.
   *
   * @example
   * const next = new AuditChain({ start: old.position, sinks });
   */
  get position(): ChainPosition {
    this.#link();
    return { seq: this.#seq, prev: this.#prev };
  }

  /**
   * The failure of a sink, until a retry (the next `flush`) succeeds; `undefined` while every sink is
   * writing. The guard denies while it is set, unless told otherwise.
   *
   * @example
   * if (chain.failure) return deny("audit_failed");
   */
  get failure(): AuditError | undefined {
    if (this.#fault !== undefined) return this.#fault;
    for (const lane of this.#lanes) if (lane.error !== undefined) return lane.error;
    return undefined;
  }

  /**
   * Appends a record: fills in `v`, `seq`, `ts` (from `now`), `prev` and `hash`, queues it for every
   * sink and returns it. Synchronous; never waits for a sink. Throws AuditError `invalid_audit` for an
   * entry that is not a valid record (nothing is appended), `audit_closed` after `close`. Fields the
   * format does not have are not recorded.
   *
   * @example
   * const record = chain.append({ type: "reset", now: Date.now(), session: "s1", policy: policy.hash });
   */
  append(entry: AuditEntry): AuditRecord {
    const at = this.#pending.length;
    this.enqueue(entry);
    return this.#link(at)!;
  }

  /**
   * Appends a record like {@link append}, but defers linking it (its `prev`, its canonical JSON and
   * SHA-256) to the end of the current job, or to the next `append`, `position`, `flush` or `close`,
   * whichever comes first; returns its `seq`. For the decision path: the entry is checked and copied
   * now (so the same errors are thrown, and changing it afterwards changes nothing), and the hashing,
   * which costs most, runs after the decision is returned.
   *
   * @example
   * const seq = chain.enqueue({ type: "decision", now, session: "s1", policy: policy.hash, effect: "allow", code: "rule" });
   */
  enqueue(entry: AuditEntry): number {
    if (this.#closed) throw new AuditError("audit_closed", "the audit chain is closed");
    const problem = entryProblem(entry, this.#policy);
    if (problem !== undefined) throw new AuditError("invalid_audit", `invalid audit entry: ${problem}`);
    this.#policy = entry.policy;
    const seq = this.#seq;
    let built: BuiltRecord;
    try {
      built = buildRecord(entry, seq, this.#ts(entry.now));
    } catch (e) {
      if (!(e instanceof NotPlain)) throw e;
      // A Date, a Map, deep nesting: the entry as JSON.stringify would write it (throws invalid_audit for a
      // cycle or a bigint), with no depth limit since plain data has no cycle.
      built = buildRecord(toPlainJson(entry) as AuditEntry, seq, this.#ts(entry.now), Infinity);
    }
    if (built.explicit) this.#explicit.add(built.record);
    this.#pending.push(built.record);
    this.#seq++;
    if (++this.#sinceCheckpoint >= this.#every) this.#queueCheckpoint();
    // A caller that never yields (a synchronous loop of decisions) would let pending records pile up:
    // past the bound, each call links the oldest ones, as `append` would.
    if (this.#pending.length - this.#head > MAX_PENDING) this.#link(-1, this.#pending.length - this.#head - MAX_PENDING);
    this.#schedule();
    return seq;
  }

  /**
   * Resolves once every record appended before the call is written by every sink and each sink's own
   * `flush` (the file sink's fsync) has resolved. A failed sink's batch is tried again here. Rejects with
   * AuditError `audit_sink` if a sink fails; the records stay queued for the next flush.
   *
   * @example
   * await chain.flush(); // everything decided so far is on disk
   */
  async flush(): Promise<void> {
    this.#link();
    const target = this.#linked;
    const results = await Promise.allSettled(this.#lanes.map((lane) => lane.flush(target)));
    for (const r of results) if (r.status === "rejected") throw r.reason;
  }

  /**
   * Appends a last checkpoint (when checkpoints are on and records came after the previous one), flushes,
   * then closes every sink. `append` throws `audit_closed` from the call on. If the flush fails, the sinks
   * stay open and calling `close` again retries.
   *
   * @example
   * process.on("beforeExit", () => chain.close());
   */
  close(): Promise<void> {
    if (!this.#closed) {
      if (this.#signer !== undefined && this.#sinceCheckpoint > 0) this.#queueCheckpoint();
      this.#closed = true;
    }
    this.#closing ??= this.#closeSinks().catch((e: unknown) => {
      this.#closing = undefined;
      throw e;
    });
    return this.#closing;
  }

  async #closeSinks(): Promise<void> {
    await this.flush();
    const results = await Promise.allSettled(this.#lanes.map((lane) => lane.close()));
    for (const r of results) if (r.status === "rejected") throw r.reason;
  }

  #ts(now: number): string {
    // Decisions come many to the millisecond, and many to the second: the last ISO string is reused, or
    // only its milliseconds rewritten, rather than a Date formatted for every record (a third of a
    // record's cost before linking). Integer times within the second of the last full format only.
    if (now !== this.#lastNow) {
      const ms = now - this.#secondStart;
      if (Number.isInteger(now) && ms >= 0 && ms < 1000) {
        this.#lastTs = this.#secondPrefix + (ms < 10 ? "00" : ms < 100 ? "0" : "") + ms + "Z";
      } else {
        this.#lastTs = new Date(now).toISOString();
        // "…T12:34:56.789Z": everything up to the milliseconds is shared by the whole second.
        this.#secondPrefix = this.#lastTs.slice(0, -4);
        this.#secondStart = Number.isInteger(now) ? now - (((now % 1000) + 1000) % 1000) : NaN;
      }
      this.#lastNow = now;
    }
    return this.#lastTs;
  }

  #queueCheckpoint(): void {
    this.#sinceCheckpoint = 0;
    // The clock of the record before it: a checkpoint needs no clock of its own.
    this.#pending.push(buildCheckpoint(this.#seq, this.#lastTs, this.#lastNow));
    this.#seq++;
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      try {
        this.#link();
      } catch (e) {
        // Only a `hash` option that throws gets here. Thrown from a microtask, it would end the process;
        // kept, it is the chain's failure (the guard denies on it), and the record stays pending.
        this.#fault = e instanceof AuditError ? e : new AuditError("invalid_audit", `an audit record could not be hashed: ${messageOf(e)}`, { cause: e });
        try {
          this.#onError?.(this.#fault);
        } catch {
          // The host's handler failing changes nothing here.
        }
        return;
      }
      for (const lane of this.#lanes) lane.drain();
    });
  }

  // Links the first `count` pending records (all by default) in order: `prev`, canonical JSON, hash;
  // then queues them for the sinks. Returns the record that was pending at index `want`.
  #link(want = -1, count = Infinity): AuditRecord | undefined {
    const pending = this.#pending;
    const end = Math.min(pending.length, this.#head + count);
    let wanted: AuditRecord | undefined;
    for (let i = this.#head; i < end; i++) {
      let r = pending[i]!;
      r.prev = this.#prev;
      if (r.type === "checkpoint") r.event = this.#signer!.sign(this.#prev);
      let body: string | undefined;
      const explicit = this.#explicit.size > 0 && this.#explicit.delete(r);
      if (!explicit) {
        body = JSON.stringify(r);
        if (body.indexOf("\\ud") !== -1 && LONE_SURROGATE_ESCAPE.test(body)) body = undefined;
      }
      if (body === undefined) {
        try {
          body = recordBody(r, -Infinity);
        } catch (e) {
          if (!isFallback(e)) throw e;
          // A key with a lone surrogate: the record made well-formed, as JSON would write it.
          r = toPlainJson(r) as Record<string, unknown>;
          body = recordBody(r, -Infinity);
        }
      }
      const hash = this.#hash(body);
      r.hash = hash;
      const record = r as unknown as AuditRecord;
      const line = recordLineFrom(body, hash);
      this.#prev = hash;
      this.#linked++;
      for (const lane of this.#lanes) lane.push(record, line);
      if (i === want) wanted = record;
      // Released as soon as linked: the sinks' queues hold it now.
      pending[i] = undefined as never;
      this.#head = i + 1;
    }
    if (this.#head === pending.length) {
      this.#pending = [];
      this.#head = 0;
    }
    // Whatever failed to hash before was pending still and is linked now: nothing was lost.
    this.#fault = undefined;
    return wanted;
  }
}
