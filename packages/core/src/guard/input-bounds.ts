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
 * absent); nothing nests deeper than {@link MAX_INPUT_DEPTH}; nothing refers to itself; `session` and
 * `agent` are at most {@link MAX_ID_LENGTH} long; the total is at most `maxBytes`.
 *
 * @example
 * inputProblem({ kind: "tool", session: "s", args: { n: 10n } }, 4 * 1024 * 1024)
 * // { tooLarge: false, message: "`args.n` is a bigint, which JSON cannot hold" }
 */
export function inputProblem(fields: Readonly<Record<string, unknown>>, maxBytes: number): InputProblem | undefined {
  for (const id of ["session", "agent"] as const) {
    const v = fields[id];
    if (typeof v === "string" && v.length > MAX_ID_LENGTH) return { tooLarge: true, message: `\`${id}\` is ${v.length} characters long; an id may have at most ${MAX_ID_LENGTH}` };
  }
  const walk = new Walk(maxBytes);
  for (const k in fields) {
    const v = fields[k];
    if (v === undefined) continue;
    walk.path.push(k);
    const p = walk.value(v, 0);
    if (p) return p;
    walk.path.pop();
  }
  return undefined;
}

class Walk {
  /** Keys from the action down to the value being walked, for messages. */
  readonly path: (string | number)[] = [];
  /** The objects and lists the value being walked is inside, outermost first. */
  private readonly inside: object[] = [];
  private left: number;

  constructor(private readonly maxBytes: number) {
    this.left = maxBytes;
  }

  value(v: unknown, depth: number): InputProblem | undefined {
    if ((this.left -= VALUE_BYTES) < 0) return this.tooLarge();
    switch (typeof v) {
      case "string": return this.string(v);
      case "boolean": case "undefined": return undefined;
      case "number": return Number.isFinite(v) ? undefined : this.invalid(`is ${String(v)}, which JSON cannot hold`);
      case "bigint": case "symbol": case "function": return this.invalid(`is a ${typeof v}, which JSON cannot hold`);
      default: break;
    }
    if (v === null) return undefined;
    const o = v as object;
    if (depth >= MAX_INPUT_DEPTH) {
      // A cycle shorter than the limit has come round to an object it is inside by now.
      if (this.inside.includes(o)) return this.invalid("refers to itself (a cycle), which JSON cannot hold");
      return { tooLarge: true, message: `\`${this.where()}\` nests deeper than ${MAX_INPUT_DEPTH} levels` };
    }
    this.inside.push(o);
    const p = Array.isArray(o) ? this.list(o, depth) : this.object(o, depth);
    this.inside.pop();
    return p;
  }

  private list(a: readonly unknown[], depth: number): InputProblem | undefined {
    // Every item counts at least VALUE_BYTES: a list longer than what is left is too large unread.
    if (a.length * VALUE_BYTES > this.left) return this.tooLarge();
    for (let i = 0; i < a.length; i++) {
      this.path.push(i);
      const p = this.value(a[i], depth + 1);
      if (p) return p;
      this.path.pop();
    }
    return undefined;
  }

  private object(o: object, depth: number): InputProblem | undefined {
    const proto = Object.getPrototypeOf(o);
    if (proto !== Object.prototype && proto !== null) {
      const name: unknown = proto?.constructor?.name;
      return this.invalid(`is ${typeof name === "string" && name !== "" ? `a ${name}` : "an object with a prototype"}, not JSON data (a plain object, a list, a string, a number, a boolean or null)`);
    }
    // Keys that JSON, the engine and the audit log all skip: data no rule could see.
    if (Object.getOwnPropertySymbols(o).length > 0) return this.invalid("has a symbol key, which JSON cannot hold");
    const rec = o as Record<string, unknown>;
    const keys = Object.keys(rec);
    // Every key counts VALUE_BYTES, and so does its value.
    if (keys.length * 2 * VALUE_BYTES > this.left) return this.tooLarge();
    for (const k of keys) {
      this.path.push(k);
      if ((this.left -= VALUE_BYTES) < 0) return this.tooLarge();
      const p = this.string(k) ?? this.value(rec[k], depth + 1);
      if (p) return p;
      this.path.pop();
    }
    return undefined;
  }

  private string(s: string): InputProblem | undefined {
    // UTF-8 takes at least one byte per UTF-16 unit: a string longer than what is left is too large
    // without being read.
    if (s.length > this.left) return this.tooLarge();
    if (!isWellFormed(s)) return this.invalid("is not well-formed UTF-16 (it has a lone surrogate)");
    this.left -= utf8Length(s);
    return this.left < 0 ? this.tooLarge() : undefined;
  }

  private tooLarge(): InputProblem {
    return { tooLarge: true, message: `the action takes more than ${this.maxBytes} bytes (the UTF-8 bytes of its strings and ${VALUE_BYTES} per value and key), at \`${this.where()}\`` };
  }

  private invalid(what: string): InputProblem {
    return { tooLarge: false, message: `\`${this.where()}\` ${what}` };
  }

  private where(): string {
    // A path as deep as the limit would make the message kilobytes long: its start and its end say where.
    const path = this.path.length > 8 ? [...this.path.slice(0, 4), "…", ...this.path.slice(-3)] : this.path;
    let out = "";
    for (const k of path) {
      if (typeof k === "number") out += `[${k}]`;
      // A hostile key can be as long as the limit; the message names only its start.
      else out += `${out === "" ? "" : "."}${k.length > 40 ? `${k.slice(0, 40)}…` : k}`;
    }
    return out;
  }
}

// ES2024's own check where the runtime has it (native, and in every current browser); else a scan.
const nativeWellFormed = (String.prototype as { isWellFormed?: () => boolean }).isWellFormed;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?:^|[^\ud800-\udbff])[\udc00-\udfff]/;

function isWellFormed(s: string): boolean {
  return nativeWellFormed ? nativeWellFormed.call(s) : !LONE_SURROGATE.test(s);
}

const ASCII = /^[\x00-\x7f]*$/;

/** UTF-8 bytes of a well-formed string, without encoding it. */
export function utf8Length(s: string): number {
  const n = s.length;
  // Most strings are ASCII: one native scan says so for long ones.
  if (n > 32 && ASCII.test(s)) return n;
  let bytes = n;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    // A BMP unit from U+0080 takes 2 bytes, from U+0800 3; a surrogate pair (two units) takes 4.
    if (c >= 0x80) bytes += c >= 0x800 && (c < 0xd800 || c > 0xdfff) ? 2 : 1;
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
