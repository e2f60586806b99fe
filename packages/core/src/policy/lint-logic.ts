// The reasoning lint does about conditions: a condition (compiled to the compiler's IR) becomes the set of
// ways it can be *true*, as a disjunction of conjunctions of literals ("this test is true", "this test is
// false"). CEL is three-valued here (true, false, error; absent values compare false), so a literal says
// which outcome it needs and never stands for "not true": `!(x == 1)` is true exactly when `x == 1` is
// false, which is not when it errs. Everything below is sound and incomplete: "unsatisfiable" and
// "implies" are answered yes only when they are certain; anything it cannot follow (argument values,
// patterns, ternaries) is an opaque test that only matches itself.

import { compileExpr, type Ir, type ExprContext } from "../compile/expr.js";
import { ACTION_KINDS } from "./types.js";

/** One test of a condition, on a typed action field or opaque. */
export interface Atom {
  /** Identity: two atoms with the same key are the same test. */
  key: string;
  /** False when the test may end in an error at run time (argument values, mixed types). */
  total: boolean;
  /** The field a test reads, when it is a comparison the analysis understands. */
  field?: string;
  test?: Test;
  /** Human form, for messages. */
  text: string;
}

/** A test lint can evaluate on a concrete value of the field. */
type Test =
  | { op: "==" | "!=" | "<" | "<=" | ">" | ">="; value: string | number | boolean | null }
  | { op: "in"; values: readonly string[] }
  | { op: "startsWith" | "endsWith" | "contains"; value: string };

/** A literal: the atom's outcome that a branch needs. */
export interface Literal {
  atom: Atom;
  /** true: the test is true; false: the test is false (never: errs). */
  truth: boolean;
}

/** A conjunction of literals; `false` stands for a branch that can never hold. */
export type Branch = Literal[];

// Past this many branches the analysis gives up (and reports nothing): conditions are small, and
// a blow-up must not make lint slow.
const MAX_BRANCHES = 256;

/** A compiled condition as lint sees it. */
export interface Condition {
  /** The ways the condition is true, or undefined when there are too many to follow. */
  whenTrue: Branch[] | undefined;
  /** The ways it is false. */
  whenFalse: Branch[] | undefined;
  /** True when no action can make the condition err. */
  total: boolean;
}

/**
 * Compiles `text` with `ctx` and turns it into branches; undefined when it does not compile (load
 * reports why).
 *
 * @example
 * const c = analyse('action.kind == "http" && action.kind == "shell"', ctx);
 * c?.whenTrue?.every((b) => contradiction(b) !== undefined) // true
 */
export function analyse(text: string, ctx: ExprContext): Condition | undefined {
  const r = compileExpr(text, ctx);
  if (!("ir" in r)) return undefined;
  return { whenTrue: branches(r.ir, true), whenFalse: branches(r.ir, false), total: isTotal(r.ir) };
}

/** The conjunction of two branch sets (each branch of `a` with each of `b`). */
export function both(a: Branch[] | undefined, b: Branch[] | undefined): Branch[] | undefined {
  if (!a || !b) return undefined;
  if (a.length * b.length > MAX_BRANCHES) return undefined;
  const out: Branch[] = [];
  for (const x of a) for (const y of b) out.push([...x, ...y]);
  return out;
}

function branches(ir: Ir, truth: boolean): Branch[] | undefined {
  switch (ir.k) {
    case "const":
      if (typeof ir.value === "boolean") return ir.value === truth ? [[]] : [];
      break;
    case "not":
      return branches(ir.x, !truth);
    case "and":
    case "or": {
      // true of `and` / false of `or`: both sides; the other two: either side.
      const conj = (ir.k === "and") === truth;
      const a = branches(ir.a, truth);
      const b = branches(ir.b, truth);
      if (!a || !b) return undefined;
      if (conj) return both(a, b);
      return a.length + b.length > MAX_BRANCHES ? undefined : [...a, ...b];
    }
  }
  return [[{ atom: atomOf(ir), truth }]];
}

function atomOf(ir: Ir): Atom {
  // Slots and automata are interned by the one context lint compiles every condition with, so equal
  // numbers are equal fields and patterns.
  const key = JSON.stringify(ir);
  const total = isTotal(ir);
  const typed = (x: Ir) => x.k === "load" && x.ty !== "dyn" && x.path.length === 1 ? String(x.path[0]) : undefined;
  if (ir.k === "cmp") {
    const [f, c, op] = ir.a.k === "const" ? [typed(ir.b), ir.a, flip(ir.op)] : [typed(ir.a), ir.b, ir.op];
    if (f && c.k === "const" && !Array.isArray(c.value)) {
      return { key, total, field: f, test: { op, value: c.value as string | number | boolean | null }, text: `action.${f} ${op} ${JSON.stringify(c.value)}` };
    }
  }
  if (ir.k === "inDfa" && ir.literals) {
    const f = typed(ir.x);
    if (f) return { key, total, field: f, test: { op: "in", values: ir.literals }, text: `action.${f} in [${ir.literals.map((v) => JSON.stringify(v)).join(", ")}]` };
  }
  if (ir.k === "str") {
    const f = typed(ir.a);
    if (f && ir.b.k === "const" && typeof ir.b.value === "string") {
      return { key, total, field: f, test: { op: ir.op, value: ir.b.value }, text: `action.${f}.${ir.op}(${JSON.stringify(ir.b.value)})` };
    }
  }
  return { key, total, text: "a test" };
}

function flip(op: "==" | "!=" | "<" | "<=" | ">" | ">="): "==" | "!=" | "<" | "<=" | ">" | ">=" {
  return op === "<" ? ">" : op === ">" ? "<" : op === "<=" ? ">=" : op === ">=" ? "<=" : op;
}

/**
 * Whether no action can make `ir` err. Only typed fields of the action (never `args`, whose values the
 * agent chooses) compared with constants of their own type: the compiler has already refused a typed
 * field against a constant of another type, and a comparison with an absent value is false, not an error.
 */
function isTotal(ir: Ir): boolean {
  switch (ir.k) {
    case "const": return true;
    case "load": return ir.ty !== "dyn" && ir.path[0] !== "args";
    case "has": return true;
    case "not": return isTotal(ir.x) && ir.x.ty === "bool";
    case "and": case "or": return isTotal(ir.a) && isTotal(ir.b) && ir.a.ty === "bool" && ir.b.ty === "bool";
    case "cmp": return isTotal(ir.a) && isTotal(ir.b);
    case "inDfa": return isTotal(ir.x);
    case "inList": return isTotal(ir.x) && isTotal(ir.list) && ir.x.ty !== "list" && ir.x.ty !== "map";
    case "size": return isTotal(ir.x);
    case "str": return isTotal(ir.a) && isTotal(ir.b);
    case "match": return isTotal(ir.x);
    case "tern": return false;
  }
}

/** Evaluates a test on a present value of its field; undefined when lint cannot tell. */
function evaluate(t: Test, v: string | number): boolean | undefined {
  switch (t.op) {
    case "==": return typeof t.value === typeof v ? t.value === v : undefined;
    case "!=": return typeof t.value === typeof v ? t.value !== v : undefined;
    case "<": case "<=": case ">": case ">=": {
      if (typeof t.value !== typeof v || (typeof v !== "number" && typeof v !== "string")) return undefined;
      const c = t.value as string | number;
      return t.op === "<" ? v < c : t.op === "<=" ? v <= c : t.op === ">" ? v > c : v >= c;
    }
    case "in": return typeof v === "string" ? t.values.includes(v) : undefined;
    case "startsWith": return typeof v === "string" ? v.startsWith(t.value) : undefined;
    case "endsWith": return typeof v === "string" ? v.endsWith(t.value) : undefined;
    case "contains": return typeof v === "string" ? v.includes(t.value) : undefined;
  }
}

/** The values a branch pins its field to (`==` and `in` tests that must be true), or undefined. */
function pinned(b: Branch, field: string): (string | number)[] | undefined {
  let set: (string | number)[] | undefined;
  for (const l of b) {
    if (!l.truth || l.atom.field !== field || !l.atom.test) continue;
    const t = l.atom.test;
    const vals = t.op === "==" && (typeof t.value === "string" || typeof t.value === "number") ? [t.value] : t.op === "in" ? [...t.values] : undefined;
    if (!vals) continue;
    set = set ? set.filter((v) => vals.includes(v)) : vals;
  }
  return set;
}

/**
 * Why a present value `v` of `field` is one the guard never hands to the rules, or undefined. Only what
 * the canonical form guarantees (docs/policy.md, "Actions and their canonical fields").
 */
function impossible(field: string, v: string | number): string | undefined {
  if (field === "kind" && !(ACTION_KINDS as readonly unknown[]).includes(v)) return `\`${String(v)}\` is not an action kind (the guard denies unknown kinds before any rule runs)`;
  // Upper-casing leaves no ASCII lower-case letter behind.
  if (field === "method" && typeof v === "string" && /[a-z]/.test(v)) return `\`${v}\` is not upper-case, and the guard upper-cases \`action.method\``;
  if (field === "file" && typeof v === "string" && !v.startsWith("/")) return `\`${v}\` is not absolute, and the guard makes \`action.file\` absolute`;
  if (field === "port" && typeof v === "number" && !(Number.isInteger(v) && v >= 0 && v <= 65535)) return `\`${v}\` is not a port number (an integer from 0 to 65535)`;
  return undefined;
}

/**
 * Why no action satisfies every literal of the branch, or undefined when lint cannot show it.
 *
 * @example
 * contradiction(branch) // "`action.kind` cannot be both `http` and `shell`"
 */
export function contradiction(b: Branch): string | undefined {
  const seen = new Map<string, boolean>();
  for (const l of b) {
    const other = seen.get(l.atom.key);
    if (other !== undefined && other !== l.truth) return `it needs \`${l.atom.text}\` both true and false`;
    seen.set(l.atom.key, l.truth);
  }
  const fields = new Set(b.map((l) => l.atom.field).filter((f): f is string => f !== undefined));
  for (const f of fields) {
    const mine = b.filter((l) => l.atom.field === f);
    const values = pinned(b, f);
    if (values) {
      const left = values.filter((v) => impossible(f, v) === undefined && mine.every((l) => {
        const r = evaluate(l.atom.test!, v);
        // A value makes a false-literal hold when its test is false on it; unknown keeps the value.
        return r === undefined || r === l.truth;
      }));
      if (left.length === 0) {
        const why = values.length === 1 ? impossible(f, values[0]!) : undefined;
        return why ?? `no value of \`action.${f}\` meets ${mine.map((l) => `${l.truth ? "" : "!"}(${l.atom.text})`).join(" and ")}`;
      }
      continue;
    }
    // Without a pinned value: a single test that no canonical value can pass.
    for (const l of mine) {
      const t = l.atom.test!;
      if (!l.truth) continue;
      if (f === "file" && t.op === "startsWith" && !t.value.startsWith("/") && t.value !== "") return `\`action.file\` is absolute, so it never starts with \`${t.value}\``;
      if (f === "method" && (t.op === "startsWith" || t.op === "endsWith" || t.op === "contains") && /[a-z]/.test(t.value)) return `\`action.method\` is upper-cased, so it never ${t.op === "contains" ? "contains" : t.op === "startsWith" ? "starts with" : "ends with"} \`${t.value}\``;
    }
    const range = interval(mine);
    if (range && (range.lo > range.hi || (range.lo === range.hi && (range.loOpen || range.hiOpen)))) return `no number meets ${mine.filter((l) => l.truth).map((l) => l.atom.text).join(" and ")}`;
  }
  return undefined;
}

/** The interval that true ordering tests on a number field allow; undefined when there are none. */
function interval(ls: Literal[]): { lo: number; hi: number; loOpen: boolean; hiOpen: boolean } | undefined {
  let r: { lo: number; hi: number; loOpen: boolean; hiOpen: boolean } | undefined;
  for (const l of ls) {
    const t = l.atom.test;
    if (!l.truth || !t || typeof (t as { value?: unknown }).value !== "number") continue;
    const c = (t as { value: number }).value;
    r ??= { lo: -Infinity, hi: Infinity, loOpen: false, hiOpen: false };
    if ((t.op === ">" || t.op === ">=" || t.op === "==") && (c > r.lo || (c === r.lo && t.op === ">"))) { r.lo = c; r.loOpen = t.op === ">"; }
    if ((t.op === "<" || t.op === "<=" || t.op === "==") && (c < r.hi || (c === r.hi && t.op === "<"))) { r.hi = c; r.hiOpen = t.op === "<"; }
  }
  return r;
}

/**
 * Whether every action that satisfies branch `x` satisfies branch `y` (each literal of `y` follows from
 * `x`): `x` holds the same literal, or pins the field to values that all pass it, or bounds a number
 * within it.
 *
 * @example
 * implies(branchOf('action.tool == "rm"'), branchOf('action.tool in ["rm", "mv"]')) // true
 */
export function implies(x: Branch, y: Branch): boolean {
  return y.every((l) => follows(x, l));
}

function follows(x: Branch, l: Literal): boolean {
  if (x.some((m) => m.atom.key === l.atom.key && m.truth === l.truth)) return true;
  const f = l.atom.field;
  const t = l.atom.test;
  if (!f || !t) return false;
  const values = pinned(x, f);
  if (values) return values.length > 0 && values.every((v) => evaluate(t, v) === l.truth);
  if (!l.truth || typeof (t as { value?: unknown }).value !== "number") return false;
  const r = interval(x.filter((m) => m.atom.field === f));
  if (!r) return false;
  const c = (t as { value: number }).value;
  switch (t.op) {
    case ">": return r.lo > c || (r.lo === c && r.loOpen);
    case ">=": return r.lo >= c;
    case "<": return r.hi < c || (r.hi === c && r.hiOpen);
    case "<=": return r.hi <= c;
    default: return false;
  }
}
