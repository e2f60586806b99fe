// RFC 8785 (JSON Canonicalization Scheme) for the values the audit log hashes, without `canonicalize`'s
// cost on the decision path. The fast path below handles plain JSON data (strings, numbers, booleans,
// null, arrays, plain objects) and is proved equal to `canonicalize` by canonical.test.ts; anything else
// (a Date, a Map, a `toJSON`, a boxed number, deep nesting, a cycle) falls back to `canonicalize` after
// the value has gone through JSON, as JSON.stringify would have written it.
//
// Two kinds of values that `canonicalize` refuses are written the way JSON.stringify writes them instead
// of refusing the record, because an audit log must never lose a decision to an odd argument: a number
// that is not finite becomes `null`, and a lone surrogate (not valid Unicode, so RFC 8785 has no form for
// it) becomes U+FFFD. The record keeps the value as written, so a verifier recomputes the same hash.

import canonicalize from "canonicalize";
import { AuditError } from "../errors.js";

// What JSON must escape, plus the surrogate range: a string with none of these is its own JSON body.
const NEEDS_CARE = /["\\\u0000-\u001f\ud800-\udfff]/;
const SURROGATE = /[\ud800-\udfff]/;
// The fast path recurses; past this depth the iterative `canonicalize` (which also detects cycles)
// takes over. Audit records nest three levels (record, action, args) above the arguments, which the guard
// bounds at 128 levels (guard/input-bounds.ts MAX_INPUT_DEPTH): 3 + 128 keeps every argument a guard
// accepts on the fast path, so an agent cannot push each of its records onto the slow one by nesting.
const MAX_FAST_DEPTH = 3 + 128;

// Thrown inside the fast path to hand the value to the slow path; never escapes this module.
const BAIL = Symbol("bail");

/**
 * `s` with every lone surrogate replaced by U+FFFD, as `String.prototype.toWellFormed` does (which some
 * browsers the core supports do not have yet).
 *
 * @example
 * wellFormed("a\ud800b") // "a\ufffdb"
 */
export function wellFormed(s: string): string {
  if (!SURROGATE.test(s)) return s;
  let out = "";
  // UTF-16: a high surrogate (D800–DBFF) followed by a low one (DC00–DFFF) is a pair; any other is lone.
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out += s[i]! + s[i + 1]!;
        i++;
        continue;
      }
    }
    out += c >= 0xd800 && c <= 0xdfff ? "\ufffd" : s[i]!;
  }
  return out;
}

/**
 * A string's canonical JSON: RFC 8785 §3.2.2.2 is ECMAScript's JSON.stringify, which most strings (no
 * quote, backslash, control character or surrogate) skip entirely.
 *
 * @example
 * jsonString('say "hi"') // '"say \\"hi\\""'
 */
export function jsonString(s: string): string {
  if (!NEEDS_CARE.test(s)) return '"' + s + '"';
  return JSON.stringify(wellFormed(s));
}

/**
 * A number's canonical JSON: ECMAScript's Number::toString (RFC 8785 §3.2.2.3), `-0` as `0`; `null`
 * for NaN and ±Infinity, as JSON.stringify writes them.
 *
 * @example
 * jsonNumber(1e21) // "1e+21"
 */
export function jsonNumber(n: number): string {
  return Number.isFinite(n) ? "" + n : "null";
}

/**
 * The fast path's value serialiser, for callers that serialise a known shape around it (the record
 * serialiser). Returns `undefined` for what JSON omits in an object (`undefined`, functions, symbols).
 * Throws an internal marker for what only the slow path handles: call it only through
 * {@link canonicalJson} or a function that catches it and falls back the same way ({@link isFallback}).
 *
 * @example
 * try { out += fastValue(v, 1) ?? "null"; } catch (e) { if (!isFallback(e)) throw e; out = slowCanonicalJson(whole); }
 */
export function fastValue(v: unknown, depth: number): string | undefined {
  switch (typeof v) {
    case "string":
      return jsonString(v);
    case "number":
      return jsonNumber(v);
    case "boolean":
      return v ? "true" : "false";
    case "object":
      if (v === null) return "null";
      if (depth > MAX_FAST_DEPTH) throw BAIL;
      return Array.isArray(v) ? fastArray(v, depth) : fastObject(v as Record<string, unknown>, depth);
    case "undefined":
    case "function":
    case "symbol":
      return undefined;
    default:
      // bigint: JSON has no form for it; the slow path reports it.
      throw BAIL;
  }
}

function fastArray(a: readonly unknown[], depth: number): string {
  if (Object.getPrototypeOf(a) !== Array.prototype || typeof (a as { toJSON?: unknown }).toJSON === "function") throw BAIL;
  let out = "[";
  for (let i = 0; i < a.length; i++) {
    if (i > 0) out += ",";
    // Inside an array JSON writes what it cannot represent (and holes) as null.
    out += fastValue(a[i], depth + 1) ?? "null";
  }
  return out + "]";
}

function fastObject(o: Record<string, unknown>, depth: number): string {
  const proto: unknown = Object.getPrototypeOf(o);
  if ((proto !== Object.prototype && proto !== null) || typeof o.toJSON === "function") throw BAIL;
  // The default sort compares UTF-16 code units: exactly RFC 8785's property order (§3.2.3).
  const keys = Object.keys(o).sort();
  let out = "{";
  let first = true;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const s = fastValue(o[k], depth + 1);
    if (s === undefined) continue;
    // Two keys with lone surrogates could become one after U+FFFD replacement: the slow path decides.
    if (SURROGATE.test(k) && wellFormed(k) !== k) throw BAIL;
    out += (first ? "" : ",") + jsonString(k) + ":" + s;
    first = false;
  }
  return out + "}";
}

/**
 * `value` as JSON.stringify would write it, re-read as plain data: `toJSON` applied, boxed primitives
 * unboxed, non-finite numbers null, lone surrogates U+FFFD. Throws {@link AuditError} `invalid_audit` for
 * what JSON cannot hold (a cycle, a bigint).
 *
 * @example
 * toPlainJson({ at: new Date(0) }) // { at: "1970-01-01T00:00:00.000Z" }
 */
export function toPlainJson(value: unknown): unknown {
  let text: string | undefined;
  try {
    text = JSON.stringify(value, (_k, v: unknown) => (typeof v === "string" ? wellFormed(v) : v));
  } catch (e) {
    throw new AuditError("invalid_audit", `value cannot be written as JSON: ${String((e as Error).message).toLowerCase()}`, { cause: e });
  }
  return text === undefined ? null : fixKeys(JSON.parse(text));
}

// JSON.parse restores lone surrogates in keys from their escapes; keys are rebuilt well-formed (the last
// of two colliding keys wins, in the value's own key order).
function fixKeys(v: unknown): unknown {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(fixKeys);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    // defineProperty, not assignment: an own `__proto__` key stays a key.
    Object.defineProperty(out, wellFormed(k), { value: fixKeys((v as Record<string, unknown>)[k]), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * The RFC 8785 canonical JSON of a value, as the audit log hashes it. Plain JSON data gives exactly what
 * `canonicalize` gives; other values are first written as JSON.stringify would (see {@link toPlainJson}).
 * `undefined` is `null`, as for the policy hash. Throws {@link AuditError} `invalid_audit` for a cycle or
 * a bigint.
 *
 * @example
 * canonicalJson({ b: [1, "x"], a: -0 }) // '{"a":0,"b":[1,"x"]}'
 */
export function canonicalJson(value: unknown): string {
  try {
    return fastValue(value, 0) ?? "null";
  } catch (e) {
    if (e !== BAIL) throw e;
  }
  return slowCanonicalJson(value);
}

/**
 * The slow path of {@link canonicalJson}: `canonicalize` over {@link toPlainJson}. Exported for the
 * record serialiser's fallback.
 *
 * @example
 * slowCanonicalJson(new Map()) // "{}"
 */
export function slowCanonicalJson(value: unknown): string {
  const plain = toPlainJson(value);
  try {
    return canonicalize(plain) ?? "null";
  } catch (e) {
    // Unreachable for plain JSON data, kept so that a library change fails loudly rather than silently.
    throw new AuditError("invalid_audit", `value cannot be canonicalised: ${String((e as Error).message).toLowerCase()}`, { cause: e });
  }
}

/**
 * Whether `e` is the fast path's fallback marker (for the record serialiser).
 *
 * @example
 * catch (e) { if (!isFallback(e)) throw e; }
 */
export function isFallback(e: unknown): boolean {
  return e === BAIL;
}
