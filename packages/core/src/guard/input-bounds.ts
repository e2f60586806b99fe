// Bounds on an action before anything reads it deeply. Canonicalisers, the audit's canonical JSON, value
// taint and `repeat` hashing all walk an action's strings and arguments; an agent chooses that input, so
// it is measured first, in one pass whose cost is bounded by the limit itself (the walk stops as soon as
// the budget is spent, so a structure that shares one list a million times costs no more than the limit).
// What is refused here is refused for the input alone: the policy, the session's history and how large
// the engine's areas have grown play no part.

/** The default of `maxInputBytes`: large enough for a long document as an argument, small enough that a guard's memory per decision stays bounded. */
export const DEFAULT_MAX_INPUT_BYTES = 4 * 1024 * 1024;

/**
 * How deep arguments may nest (an object or list inside another counts one level). Deep enough for any
 * real tool arguments (JSON Schema documents nest a few dozen levels); shallow enough that every
 * recursive walk of them on the host (JSON text for the audit and taint) stays far from the call stack's
 * limit, which differs between runtimes and would otherwise decide where an action starts to fail.
 */
export const MAX_INPUT_DEPTH = 128;

/**
 * Longest `session` and `agent` id, in UTF-16 code units. The guard keeps every id it has seen (sessions
 * until evicted, their tombstones, agents for good): an id is a name, and a megabyte one would make each
 * of those entries cost a megabyte.
 */
export const MAX_ID_LENGTH = 1024;

/**
 * What every value and every object key counts towards `maxInputBytes` besides a string's UTF-8 bytes:
 * the size of a number, so that a list of a million empty strings or nulls is not free.
 */
export const VALUE_BYTES = 8;

/** Why an action's input was refused: too large (`input_too_large`) or not JSON data (`invalid_action`). */
export interface InputProblem {
  tooLarge: boolean;
  message: string;
}

/**
 * The input size of an action's fields as `maxInputBytes` counts it: the UTF-8 bytes of every string
 * (field values, argument keys and values, at any depth) plus {@link VALUE_BYTES} per value and per key.
 *
 * Checks, in one walk: every string is well-formed UTF-16 (a lone surrogate would be read as U+FFFD by
 * the engine and the audit log, so two different strings would be decided and recorded as one); every
 * value is JSON data (plain objects, lists, strings, finite numbers, booleans, null; `undefined` is
 * absent, symbol keys are skipped as JSON skips them); nothing nests deeper than {@link MAX_INPUT_DEPTH}; nothing refers to itself; `session` and
 * `agent` are at most {@link MAX_ID_LENGTH} long; the total is at most `maxBytes`.
 *
 * @example
 * inputProblem({ kind: "tool", session: "s", args: { n: 10n } }, 4 * 1024 * 1024)
 * // { tooLarge: false, message: "`args.n` is a bigint, which JSON cannot hold" }
 */
export function inputProblem(fields: Readonly<Record<string, unknown>>, maxBytes: number): InputProblem | undefined {
  // First a walk that counts each string's UTF-16 units, a lower bound of its UTF-8 bytes, and what it
  // could take at most (3 bytes per unit). Only when the most could exceed the limit is the input walked
  // again counting exact bytes: the answer is the exact one either way, and most actions never need it.
  const w: Walk = { left: maxBytes, slack: 0, exact: false };
  const p = walk(fields, w, maxBytes);
  if (p !== undefined || w.slack <= w.left) return p;
  return walk(fields, { left: maxBytes, slack: 0, exact: true }, maxBytes);
}

function walk(fields: Readonly<Record<string, unknown>>, w: Walk, maxBytes: number): InputProblem | undefined {
  for (const k in fields) {
    const v = fields[k];
    if (v === undefined) continue;
    if ((k === "session" || k === "agent") && typeof v === "string" && v.length > MAX_ID_LENGTH) {
      return { tooLarge: true, message: `\`${k}\` is ${v.length} characters long; an id may have at most ${MAX_ID_LENGTH}` };
    }
    const p = value(w, v, 0);
    if (p) {
      p.path.push(k);
      return describe(p, maxBytes);
    }
  }
  return undefined;
}

/**
 * The state of one walk: the bytes of budget left (after a lower bound of what was taken, or the exact
 * bytes when `exact`), and, when not exact, how many more bytes the strings so far could take.
 */
interface Walk {
  left: number;
  slack: number;
  exact: boolean;
}

/**
 * What a walk found wrong; `path` is filled in innermost first while the walk unwinds. For `deep`,
 * `at` is the object one level too deep: an object the walk unwinds through that is `at` is a cycle.
 */
interface Found {
  kind: "large" | "deep" | "invalid";
  what: string;
  path: (string | number)[];
  at?: object;
}

const found = (kind: Found["kind"], what = ""): Found => ({ kind, what, path: [] });
const CYCLE = "refers to itself (a cycle), which JSON cannot hold";
const LONE = "is not well-formed UTF-16 (it has a lone surrogate)";

function value(w: Walk, v: unknown, depth: number): Found | undefined {
  if ((w.left -= VALUE_BYTES) < 0) return found("large");
  switch (typeof v) {
    case "string": return string(w, v);
    case "boolean": case "undefined": return undefined;
    case "number": return Number.isFinite(v) ? undefined : found("invalid", `is ${String(v)}, which JSON cannot hold`);
    case "object": break;
    default: return found("invalid", `is a ${typeof v}, which JSON cannot hold`);
  }
  if (v === null) return undefined;
  const o = v as object;
  if (depth >= MAX_INPUT_DEPTH) return { kind: "deep", what: "", path: [], at: o };
  const p = Array.isArray(o) ? list(w, o, depth) : object(w, o, depth);
  // A cycle shorter than the depth limit comes round to an object it is inside before the limit: that
  // object is met again while the walk unwinds (the path is cut back at each meeting, so it names the
  // outermost). Checking only then keeps the common path free of it.
  if (p !== undefined && p.at === o) {
    p.kind = "invalid";
    p.what = CYCLE;
    p.path.length = 0;
  }
  return p;
}

function list(w: Walk, a: readonly unknown[], depth: number): Found | undefined {
  // Every item counts at least VALUE_BYTES: a list longer than what is left is too large unread.
  if (a.length * VALUE_BYTES > w.left) return found("large");
  for (let i = 0; i < a.length; i++) {
    const p = value(w, a[i], depth + 1);
    if (p) {
      p.path.push(i);
      return p;
    }
  }
  return undefined;
}

function object(w: Walk, o: object, depth: number): Found | undefined {
  const proto = Object.getPrototypeOf(o);
  if (proto !== Object.prototype && proto !== null) {
    const name: unknown = proto?.constructor?.name;
    return found("invalid", `is ${typeof name === "string" && name !== "" ? `a ${name}` : "an object with a prototype"}, not JSON data (a plain object, a list, a string, a number, a boolean or null)`);
  }
  // Symbol keys are skipped, as JSON, the engine and the audit log skip them: no rule can read one and
  // no serialised call carries one (and a model's JSON output cannot make one).
  const keys = Object.keys(o);
  // Every key counts VALUE_BYTES, and so does its value.
  if (keys.length * 2 * VALUE_BYTES > w.left) return found("large");
  const rec = o as Record<string, unknown>;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    w.left -= VALUE_BYTES;
    const p = string(w, k) ?? value(w, rec[k], depth + 1);
    if (p) {
      p.path.push(k);
      return p;
    }
  }
  return undefined;
}

function string(w: Walk, s: string): Found | undefined {
  // UTF-8 takes at least one byte per UTF-16 unit: a string longer than what is left is too large
  // without being read.
  if (s.length > w.left) return found("large");
  if (!w.exact) {
    if (!wellFormed(s)) return found("invalid", LONE);
    w.left -= s.length;
    // At most 3 bytes per unit, so at most 2 more than counted.
    w.slack += 2 * s.length;
    return undefined;
  }
  const bytes = utf8Bytes(s);
  if (bytes < 0) return found("invalid", LONE);
  w.left -= bytes;
  return w.left < 0 ? found("large") : undefined;
}

function describe(f: Found, maxBytes: number): InputProblem {
  const at = where(f.path.reverse());
  if (f.kind === "large") return { tooLarge: true, message: `the action takes more than ${maxBytes} bytes (the UTF-8 bytes of its strings and ${VALUE_BYTES} per value and key), at \`${at}\`` };
  if (f.kind === "deep") return { tooLarge: true, message: `\`${at}\` nests deeper than ${MAX_INPUT_DEPTH} levels` };
  return { tooLarge: false, message: `\`${at}\` ${f.what}` };
}

function where(keys: readonly (string | number)[]): string {
  // A path as deep as the limit would make the message kilobytes long: its start and its end say where.
  const path = keys.length > 8 ? [...keys.slice(0, 4), "…", ...keys.slice(-3)] : keys;
  let out = "";
  for (const k of path) {
    if (typeof k === "number") out += `[${k}]`;
    // A hostile key can be as long as the limit; the message names only its start.
    else out += `${out === "" ? "" : "."}${k.length > 40 ? `${k.slice(0, 40)}…` : k}`;
  }
  return out;
}

// Past this length the native scans (ES2024's isWellFormed where the runtime has it, an ASCII test)
// beat a loop in JS; below it the loop's one pass beats two calls.
const NATIVE_FROM = 256;
const ASCII = /^[\x00-\x7f]*$/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?:^|[^\ud800-\udbff])[\udc00-\udfff]/;
const wellFormed: (s: string) => boolean = typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === "function"
  ? (s) => (s as unknown as { isWellFormed(): boolean }).isWellFormed()
  : (s) => !LONE_SURROGATE.test(s);

/**
 * UTF-8 bytes of a string, without encoding it; -1 when it is not well-formed UTF-16 (a lone surrogate).
 *
 * @example
 * utf8Bytes("é😀") // 6
 */
export function utf8Bytes(s: string): number {
  const n = s.length;
  if (n >= NATIVE_FROM) {
    if (!wellFormed(s)) return -1;
    if (ASCII.test(s)) return n;
  }
  let bytes = n;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    // From U+0080 a unit takes 2 bytes, from U+0800 3; a surrogate pair (two units) takes 4.
    if (c < 0x800) bytes += 1;
    else if (c < 0xd800 || c > 0xdfff) bytes += 2;
    else {
      const d = c <= 0xdbff && i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (d < 0xdc00 || d > 0xdfff) return -1;
      bytes += 2;
      i++;
    }
  }
  return bytes;
}

/**
 * The guard's `maxInputBytes` option, checked: a positive finite number (an unbounded limit would let one
 * action's size decide how long a decision takes), or the default.
 *
 * @example
 * inputLimit(undefined) // 4194304
 */
export function inputLimit(option: number | undefined): number {
  if (option === undefined) return DEFAULT_MAX_INPUT_BYTES;
  if (typeof option !== "number" || !Number.isFinite(option) || option <= 0) throw new TypeError(`\`maxInputBytes\` must be a finite number > 0, not \`${String(option)}\``);
  return option;
}
