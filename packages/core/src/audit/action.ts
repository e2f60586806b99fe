// What the audit log keeps of an action: its canonical fields, the hash of its arguments, and the
// argument fields the policy keeps in clear (`audit.clear`, DESIGN §6). Arguments are hashed, not
// stored, by default: they are where personal data and secrets live.

import { AuditError } from "../errors.js";
import { canonicalJson } from "./canonical.js";
import { sha256Hex, type HashHex } from "./hash.js";
import { AUDIT_ACTION_FIELDS, type AuditAction } from "./record.js";

/**
 * A path below `args` to keep in clear: dotted (`"customer.id"`) or already split (`["customer", "id"]`,
 * as `CompiledPolicy.auditClear` holds it). The empty path (`""` or `[]`) keeps every argument.
 *
 * @example
 * const keep: ClearPath[] = ["amount", "customer.id"];
 */
export type ClearPath = string | readonly string[];

/**
 * The fields of an action {@link auditAction} reads: the guard's `Action` has them all.
 *
 * @example
 * const a: AuditableAction = { kind: "tool", tool: "refund", args: { amount: 5 } };
 */
export interface AuditableAction {
  kind: string;
  args?: unknown;
  [field: string]: unknown;
}

// Kept values are copied so that the record does not change if the caller's arguments do; past this
// depth a value is shared rather than copied (it cannot be a cycle's way to hang the copy).
const MAX_COPY_DEPTH = 32;

/**
 * The part of `args` that the paths in `fields` name: a partial deep copy, or `undefined` when no path
 * names anything. Only own properties are read (never a key inherited from a prototype), and a path
 * goes only through plain objects: one that runs into an array, a missing key or a primitive keeps
 * nothing. A path that names a whole object keeps all of it, whatever narrower paths also name.
 *
 * @example
 * keepInClear({ amount: 5, card: "4111…", customer: { id: "c1", email: "a@b" } }, ["amount", "customer.id"])
 * // { amount: 5, customer: { id: "c1" } }
 */
export function keepInClear(args: unknown, fields: readonly ClearPath[]): Record<string, unknown> | undefined {
  if (!isObject(args) || fields.length === 0) return undefined;
  const out: Record<string, unknown> = Object.create(null);
  // Objects this function made on the way down a path; any other object in `out` is a kept value.
  const made = new Set<object>([out]);
  let kept = false;
  for (const field of fields) {
    const path = typeof field === "string" ? (field === "" ? [] : field.split(".")) : field;
    if (path.length === 0) return copy(args, 0) as Record<string, unknown>;
    let src: Record<string, unknown> = args;
    let dst = out;
    for (let i = 0; i < path.length; i++) {
      const key = path[i]!;
      if (!Object.hasOwn(src, key)) break;
      const v = src[key];
      if (i === path.length - 1) {
        define(dst, key, copy(v, 0));
        kept = true;
        break;
      }
      if (!isObject(v)) break;
      const next = Object.hasOwn(dst, key) ? dst[key] : undefined;
      if (next !== undefined && !made.has(next as object)) break; // a wider path already kept it whole
      if (next === undefined) {
        const fresh: Record<string, unknown> = Object.create(null);
        made.add(fresh);
        define(dst, key, fresh);
        dst = fresh;
      } else {
        dst = next as Record<string, unknown>;
      }
      src = v;
    }
  }
  return kept ? plainObjects(out) : undefined;
}

/**
 * An action as the audit log keeps it: `kind` and whichever of the fields DESIGN §3 lists are present,
 * `args_hash` (SHA-256 of the canonical JSON of `args`) when it has arguments, and `args` with only the
 * paths in `clear` (see {@link keepInClear}).
 *
 * @example
 * auditAction({ kind: "tool", session: "s1", tool: "refund", args: { amount: 5, card: "4111…" } }, ["amount"])
 * // { kind: "tool", tool: "refund", args_hash: "…", args: { amount: 5 } }
 */
export function auditAction(action: AuditableAction, clear: readonly ClearPath[] = [], hash: HashHex = sha256Hex): AuditAction {
  return sealAction(snapshotAction(action, clear), hash);
}

/**
 * An action's audit form before any hashing: what {@link auditAction} keeps, copied, with the arguments
 * as their canonical JSON. Taking it is cheap and fixes the content (later changes to the caller's action
 * change nothing); {@link sealAction} adds the hash later, off the decision path.
 *
 * @example
 * const snap = snapshotAction({ kind: "tool", tool: "refund", args: { amount: 5 } });
 * // { action: { kind: "tool", tool: "refund" }, argsJson: '{"amount":5}' }
 */
export interface ActionSnapshot {
  /** The action's fields and the arguments kept in clear; no `args_hash` yet. */
  action: AuditAction;
  /** The canonical JSON of all the arguments, when the action has some. */
  argsJson: string | undefined;
}

/**
 * Takes an {@link ActionSnapshot}: throws AuditError `invalid_audit` for arguments JSON cannot hold (a
 * cycle, a bigint), as {@link auditAction} does.
 *
 * @example
 * const snap = snapshotAction(action, policy.auditClear); // now; sealAction(snap) at the end of the job
 */
export function snapshotAction(action: AuditableAction, clear: readonly ClearPath[] = []): ActionSnapshot {
  const out: AuditAction = { kind: action.kind };
  for (const f of AUDIT_ACTION_FIELDS) {
    const v = action[f];
    if (v !== undefined) (out as unknown as Record<string, unknown>)[f] = copy(v, 0);
  }
  // The record's check (shape.ts) wants numbers here; the engine reads anything else as an erring usage,
  // so such an action can be decided, but its record could not be written afterwards.
  const usage = out.usage as Record<string, unknown> | undefined;
  if (usage !== undefined && (!finiteOrAbsent(usage.tokens) || !finiteOrAbsent(usage.cost))) {
    throw new AuditError("invalid_audit", "the action cannot be recorded: `usage.tokens` and `usage.cost` must be numbers");
  }
  let argsJson: string | undefined;
  if (action.args !== undefined) {
    argsJson = canonicalJson(action.args);
    const kept = keepInClear(action.args, clear);
    if (kept !== undefined) out.args = kept;
  }
  return { action: out, argsJson };
}

/**
 * The audited action of a snapshot: its action with `args_hash` added (the snapshot's own object).
 *
 * @example
 * sealAction(snapshotAction({ kind: "tool", args: { a: 1 } })) // { kind: "tool", args_hash: "…" }
 */
export function sealAction(snap: ActionSnapshot, hash: HashHex = sha256Hex): AuditAction {
  if (snap.argsJson !== undefined) snap.action.args_hash = hash(snap.argsJson);
  return snap.action;
}

function finiteOrAbsent(v: unknown): boolean {
  return v === undefined || (typeof v === "number" && Number.isFinite(v));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

// Assignment would call the `__proto__` setter for an own `__proto__` key; defineProperty keeps it a key.
function define(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

// A copy of plain JSON data (own enumerable keys, as JSON reads them); anything else is shared as it is
// and left to the record serialiser to write as JSON would.
function copy(v: unknown, depth: number): unknown {
  if (v === null || typeof v !== "object" || depth > MAX_COPY_DEPTH) return v;
  if (Array.isArray(v)) return Object.getPrototypeOf(v) === Array.prototype ? v.map((x) => copy(x, depth + 1)) : v;
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) define(out, k, copy((v as Record<string, unknown>)[k], depth + 1));
  return out;
}

// The objects built while walking paths have no prototype (so no inherited key can ever be read through
// them); the result is handed out with ordinary prototypes, which users and test matchers expect.
function plainObjects(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) {
    const v = o[k];
    define(out, k, v !== null && typeof v === "object" && Object.getPrototypeOf(v) === null ? plainObjects(v as Record<string, unknown>) : v);
  }
  return out;
}
