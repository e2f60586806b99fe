// Builds the record object the chain keeps and writes, with its properties inserted in RFC 8785 order
// (sorted by UTF-16 code units), nested values copied and sorted the same way. Built so, the native
// JSON.stringify writes the record's canonical JSON — several times faster than any serialiser in JS,
// and the decision path's main cost after SHA-256. record-build.test.ts proves the equality.
//
// Two things JSON.stringify does not do as RFC 8785 wants are left to the chain: an object with
// integer-like keys ("0", "42") enumerates those first whatever the insertion order (such a record is
// marked `explicit` and serialised by record-json.ts), and a lone surrogate is escaped rather than
// refused (the chain looks for the escape in the output).

import { AUDIT_VERSION, type AuditAction, type AuditEntry } from "./record.js";

// Past this depth a value goes through JSON first (the caller's fallback): a cycle must not hang the copy.
// Audit records nest three levels (record, action, args); 32 leaves room for real arguments.
const MAX_COPY_DEPTH = 32;

/**
 * Thrown by {@link buildRecord} for a value it does not copy: the caller makes the entry plain and retries.
 *
 * @example
 * try { built = buildRecord(e, seq, ts); } catch (x) { if (x instanceof NotPlain) built = buildRecord(toPlainJson(e) as AuditEntry, seq, ts, Infinity); }
 */
export class NotPlain extends Error {
  constructor() {
    super("not plain JSON data");
  }
}

/**
 * A record object in canonical property order, `prev` empty (the chain fills it when it links the
 * record), and whether it must be serialised explicitly (it holds an object with integer-like keys).
 *
 * @example
 * const { record, explicit } = buildRecord(entry, 0, "2026-01-01T00:00:00.000Z");
 */
export interface BuiltRecord {
  record: Record<string, unknown>;
  explicit: boolean;
}

// Set while copying when an object with integer-like keys is met; read once per record.
let explicit = false;

/**
 * The record for a valid entry (see `entryProblem`), numbered `seq` and stamped `ts`. Only the
 * format's fields are kept. Nested values (`action.args`, `action.usage`, `event`) are copied with sorted
 * keys, so that changing the entry afterwards does not change the record. Throws {@link NotPlain} for a
 * value that is not plain JSON data (a Date, a Map, a `toJSON`, a bigint, nesting deeper than 32) unless
 * `maxDepth` is lifted for an entry already made plain.
 *
 * @example
 * const body = JSON.stringify(buildRecord(entry, 7, ts).record); // canonical, but for `prev`
 */
export function buildRecord(e: AuditEntry, seq: number, ts: string, maxDepth = MAX_COPY_DEPTH): BuiltRecord {
  explicit = false;
  const r: Record<string, unknown> = {};
  if (e.action !== undefined) r.action = buildAction(e.action, maxDepth);
  if (e.adapter !== undefined) r.adapter = e.adapter;
  if (e.agent !== undefined) r.agent = e.agent;
  if (e.code !== undefined) r.code = e.code;
  if (e.effect !== undefined) r.effect = e.effect;
  if (e.event !== undefined) r.event = copy(e.event, 1, maxDepth);
  if (e.input !== undefined) r.input = e.input;
  if (e.labels !== undefined) r.labels = strings(e.labels);
  if (e.latency_us !== undefined) r.latency_us = e.latency_us;
  if (e.matched !== undefined) r.matched = strings(e.matched);
  r.now = e.now;
  r.policy = e.policy;
  r.prev = "";
  if (e.reason !== undefined) r.reason = e.reason;
  if (e.rule !== undefined) r.rule = e.rule;
  r.seq = seq;
  r.session = e.session;
  if (e.shadow !== undefined) r.shadow = e.shadow;
  r.ts = ts;
  r.type = e.type;
  r.v = AUDIT_VERSION;
  return { record: r, explicit };
}

/**
 * A checkpoint record in canonical property order, `event` and `prev` to be filled when it is linked.
 *
 * @example
 * const r = buildCheckpoint(100, ts, now); r.prev = head; r.event = signer.sign(head);
 */
export function buildCheckpoint(seq: number, ts: string, now: number): Record<string, unknown> {
  return { event: null, now, prev: "", seq, ts, type: "checkpoint", v: AUDIT_VERSION };
}

function buildAction(a: AuditAction, maxDepth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (a.args !== undefined) out.args = copy(a.args, 2, maxDepth);
  if (a.args_hash !== undefined) out.args_hash = a.args_hash;
  if (a.argv !== undefined) out.argv = strings(a.argv);
  if (a.command !== undefined) out.command = a.command;
  if (a.file !== undefined) out.file = a.file;
  if (a.host !== undefined) out.host = a.host;
  out.kind = a.kind;
  if (a.labels !== undefined) out.labels = strings(a.labels);
  if (a.method !== undefined) out.method = a.method;
  if (a.origin !== undefined) out.origin = a.origin;
  if (a.path !== undefined) out.path = a.path;
  if (a.port !== undefined) out.port = a.port;
  if (a.program !== undefined) out.program = a.program;
  if (a.query !== undefined) out.query = a.query;
  if (a.statement !== undefined) out.statement = a.statement;
  if (a.tables !== undefined) out.tables = strings(a.tables);
  if (a.target !== undefined) out.target = a.target;
  if (a.tool !== undefined) out.tool = a.tool;
  if (a.url !== undefined) out.url = a.url;
  if (a.usage !== undefined) out.usage = copy(a.usage, 2, maxDepth);
  if (a.verb !== undefined) out.verb = a.verb;
  return out;
}

// A fresh array (the entry's is validated as strings): no `toJSON`, no later change from outside.
function strings(a: readonly string[]): string[] {
  const out = new Array<string>(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]!;
  return out;
}

// A copy of plain JSON data with every object's keys inserted in sorted order. Values JSON leaves out of
// an object are left out; in an array they stay, for JSON.stringify to write as null as canonicalize does.
function copy(v: unknown, depth: number, maxDepth: number): unknown {
  if (v === null || typeof v !== "object") {
    if (typeof v === "bigint") throw new NotPlain();
    return v;
  }
  if (depth > maxDepth) throw new NotPlain();
  if (Array.isArray(v)) {
    if (Object.getPrototypeOf(v) !== Array.prototype || typeof (v as { toJSON?: unknown }).toJSON === "function") throw new NotPlain();
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copy(v[i], depth + 1, maxDepth);
    return out;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  const o = v as Record<string, unknown>;
  if ((proto !== Object.prototype && proto !== null) || typeof o.toJSON === "function") throw new NotPlain();
  // The default sort compares UTF-16 code units, RFC 8785's order.
  const keys = Object.keys(o).sort();
  const out: Record<string, unknown> = {};
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const x = o[k];
    if (x === undefined || typeof x === "function" || typeof x === "symbol") continue;
    if (!explicit && isIndexKey(k)) explicit = true;
    // Assignment would call the `__proto__` setter; defineProperty keeps it an own key.
    if (k === "__proto__") Object.defineProperty(out, k, { value: copy(x, depth + 1, maxDepth), enumerable: true, writable: true, configurable: true });
    else out[k] = copy(x, depth + 1, maxDepth);
  }
  return out;
}

// An array index (ECMAScript §6.1.7): the canonical decimal form of an integer below 2^32 − 1. Objects
// enumerate these keys first, in numeric order, whatever order they were added in.
function isIndexKey(k: string): boolean {
  const c = k.charCodeAt(0);
  // Not a digit ("0" is 48, "9" is 57): the common case, decided without parsing.
  if (c < 48 || c > 57) return false;
  const n = Number(k);
  return n < 4294967295 && String(n >>> 0) === k;
}
