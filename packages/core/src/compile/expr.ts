// CEL source → typed IR. Parsing is @marcbachmann/cel-js's; this file decides which of CEL the engine
// supports (DESIGN §4: literals, fields, comparisons, logic, `in`, `size`, string predicates, `matches`,
// `glob`, `has`, ternary), checks types where they are known, and reports every problem with its offset.

import { parse, type ASTNode } from "@marcbachmann/cel-js";
import { typeOfPath, type FieldPath, type Ty } from "./fields.js";

/** A constant the engine can hold. */
export type ConstValue = string | number | boolean | null | readonly ConstValue[];

/** The compiled form of an expression, one node per engine operation. */
export type Ir =
  | { k: "const"; ty: Ty; value: ConstValue }
  | { k: "load"; ty: Ty; slot: number; path: FieldPath }
  | { k: "has"; ty: "bool"; slot: number }
  | { k: "not"; ty: "bool"; x: Ir }
  | { k: "and" | "or"; ty: "bool"; a: Ir; b: Ir }
  | { k: "cmp"; ty: "bool"; op: CmpOp; a: Ir; b: Ir }
  | { k: "inDfa"; ty: "bool"; x: Ir; dfa: number; literals?: readonly string[] }
  | { k: "inList"; ty: "bool"; x: Ir; list: Ir }
  | { k: "size"; ty: "number"; x: Ir }
  | { k: "str"; ty: "bool"; op: "startsWith" | "endsWith" | "contains"; a: Ir; b: Ir }
  | { k: "match"; ty: "bool"; x: Ir; dfa: number }
  | { k: "tern"; ty: Ty; c: Ir; a: Ir; b: Ir };

/** Comparison operators. */
export type CmpOp = "==" | "!=" | "<" | "<=" | ">" | ">=";

/** What the expression compiler needs from the policy compiler. */
export interface ExprContext {
  slot(path: FieldPath): number;
  /** DFA index for a regex (search), glob (full match), string list or named set; or an error message. */
  regex(pattern: string): number | string;
  glob(pattern: string): number | string;
  stringSet(values: readonly string[]): number | string;
  namedSet(name: string): number | string;
  /** The entries of a named set when every one is an exact string (no glob), for the rule index. */
  setLiterals?(name: string): readonly string[] | undefined;
}

/** A problem at a character offset of the expression source. */
export interface ExprIssue {
  offset: number;
  message: string;
  code: string;
}

class Fail extends Error {
  constructor(readonly offset: number, message: string, readonly code = "type_error") {
    super(message);
  }
}

// A number literal past 2^53 would silently lose precision in the engine's f64.
const MAX_EXACT = 2 ** 53;
const BIG_EXACT = 2n ** 53n;

/**
 * Compiles one condition. Returns the IR or the problems found (all of them, where the parser allows).
 *
 * @example
 * const r = compileExpr('action.tool == "search"', ctx);
 * if ("ir" in r) emit(r.ir);
 */
export function compileExpr(source: string, ctx: ExprContext): { ir: Ir } | { issues: ExprIssue[] } {
  let ast: ASTNode;
  try {
    ast = parse(source).ast;
  } catch (e) {
    const err = e as { message?: string; range?: { start: number } };
    return { issues: [{ offset: err.range?.start ?? 0, message: `syntax error: ${firstLine(err.message ?? String(e))}`, code: "syntax_error" }] };
  }
  const issues: ExprIssue[] = [];
  const c = new ExprCompiler(ctx);
  let ir: Ir | undefined;
  try {
    ir = c.expr(ast);
    if (ir.ty !== "bool" && ir.ty !== "dyn") issues.push({ offset: 0, message: `a condition must be a boolean, not a ${ir.ty}`, code: "type_error" });
  } catch (e) {
    if (!(e instanceof Fail)) throw e;
    issues.push({ offset: e.offset, message: e.message, code: e.code });
  }
  return issues.length || !ir ? { issues } : { ir };
}

class ExprCompiler {
  constructor(private ctx: ExprContext) {}

  expr(n: ASTNode): Ir {
    switch (n.op) {
      case "value": return this.literal(n);
      case "id": throw new Fail(n.start, this.unknownName(n.args));
      case ".": case "[]": return this.field(n);
      case "!_": {
        const x = this.expr(n.args);
        this.expectBool(x, n.args);
        return { k: "not", ty: "bool", x };
      }
      case "&&": case "||": {
        const [l, r] = n.args;
        const a = this.expr(l);
        const b = this.expr(r);
        this.expectBool(a, l);
        this.expectBool(b, r);
        return { k: n.op === "&&" ? "and" : "or", ty: "bool", a, b };
      }
      case "==": case "!=": case "<": case "<=": case ">": case ">=": return this.compare(n.op, n.args[0], n.args[1], n.start);
      case "in": return this.membership(n.args[0], n.args[1]);
      case "?:": {
        const [cn, an, bn] = n.args;
        const c = this.expr(cn);
        this.expectBool(c, cn);
        const a = this.expr(an);
        const b = this.expr(bn);
        return { k: "tern", ty: a.ty === b.ty ? a.ty : "dyn", c, a, b };
      }
      case "call": return this.call(n.args[0], undefined, n.args[1], n);
      case "rcall": return this.call(n.args[0], n.args[1], n.args[2], n);
      case "list": throw new Fail(n.start, "a list literal may only appear on the right of `in`");
      case "-_": {
        const x = n.args;
        if (x.op === "value" && (typeof x.args === "number" || typeof x.args === "bigint")) {
          const big = typeof x.args === "bigint" && (x.args > BIG_EXACT || x.args < -BIG_EXACT);
          return this.number(big ? -Infinity : -Number(x.args), n.start, `-${String(x.args)}`);
        }
        throw new Fail(n.start, "arithmetic is not supported in conditions");
      }
      default:
        throw new Fail(n.start, `\`${n.op}\` is not supported in conditions`, "unsupported");
    }
  }

  private literal(n: ASTNode & { op: "value" }): Ir {
    const v = n.args;
    if (typeof v === "string") return { k: "const", ty: "string", value: v };
    if (typeof v === "boolean") return { k: "const", ty: "bool", value: v };
    if (v === null) return { k: "const", ty: "null", value: null };
    if (typeof v === "bigint") return this.number(v > BIG_EXACT || v < -BIG_EXACT ? Infinity : Number(v), n.start, v);
    if (typeof v === "number") return this.number(v, n.start);
    if (typeof v === "object" && v !== null && "value" in v) return this.number(Number((v as { value: unknown }).value), n.start);
    throw new Fail(n.start, "bytes literals are not supported in conditions", "unsupported");
  }

  private number(x: number, at: number, written: unknown = x): Ir {
    if (!Number.isFinite(x) || Math.abs(x) > MAX_EXACT) throw new Fail(at, `number \`${String(written)}\` is too large to compare exactly (limit 2^53)`);
    return { k: "const", ty: "number", value: x };
  }

  /** `action.a.b`, `action.args["k"]`, `action.argv[0]`, `session.id`. */
  private field(n: ASTNode): Ir {
    const path = this.path(n);
    const ty = typeOfPath(path);
    if (typeof ty === "object") throw new Fail(n.start, ty.error, "unknown_field");
    return { k: "load", ty, slot: this.ctx.slot(path), path };
  }

  private path(n: ASTNode): (string | number)[] {
    const segs: (string | number)[] = [];
    let cur: ASTNode = n;
    while (cur.op === "." || cur.op === "[]") {
      if (cur.op === ".") {
        segs.unshift(cur.args[1]);
        cur = cur.args[0];
      } else {
        const [obj, idx] = cur.args;
        if (idx.op !== "value" || !(typeof idx.args === "string" || typeof idx.args === "bigint" || typeof idx.args === "number")) {
          throw new Fail(idx.start, "an index must be a string or integer literal");
        }
        segs.unshift(typeof idx.args === "string" ? idx.args : Number(idx.args));
        cur = obj;
      }
    }
    if (cur.op !== "id") throw new Fail(cur.start, "only fields of `action` and `session` can be selected");
    if (cur.args === "action") {
      if (segs.length === 0) throw new Fail(cur.start, "`action` must be followed by a field, e.g. `action.tool`");
      return segs;
    }
    if (cur.args === "session") {
      if (segs.length === 1 && segs[0] === "id") return ["session"];
      throw new Fail(cur.start, `\`session.${segs.join(".")}\` is not supported yet; \`session.id\` is`, "unsupported");
    }
    if (cur.args === "sets") throw new Fail(cur.start, "a set may only appear on the right of `in`, e.g. `action.host in sets.internal`");
    throw new Fail(cur.start, this.unknownName(cur.args));
  }

  private compare(op: CmpOp, ln: ASTNode, rn: ASTNode, at: number): Ir {
    const a = this.expr(ln);
    const b = this.expr(rn);
    const known = (t: Ty) => t !== "dyn" && t !== "null";
    if (op === "==" || op === "!=") {
      if (known(a.ty) && known(b.ty) && a.ty !== b.ty) throw new Fail(at, `cannot compare a ${a.ty} with a ${b.ty} using \`${op}\``);
      if (a.ty === "list" || a.ty === "map" || b.ty === "list" || b.ty === "map") throw new Fail(at, `\`${op}\` compares strings, numbers, booleans and null, not a ${a.ty === "list" || a.ty === "map" ? a.ty : b.ty}`);
    } else {
      for (const x of [a, b]) {
        if (x.ty !== "dyn" && x.ty !== "number" && x.ty !== "string") throw new Fail(at, `\`${op}\` orders numbers or strings, not a ${x.ty}`);
      }
      if (a.ty !== "dyn" && b.ty !== "dyn" && a.ty !== b.ty) throw new Fail(at, `cannot order a ${a.ty} against a ${b.ty}`);
    }
    return { k: "cmp", ty: "bool", op, a, b };
  }

  private membership(ln: ASTNode, rn: ASTNode): Ir {
    const x = this.expr(ln);
    if (x.ty === "list" || x.ty === "map") throw new Fail(ln.start, `the left side of \`in\` must be a single value, not a ${x.ty}`);
    if (rn.op === "list") {
      const items = rn.args.map((item) => {
        const v = this.expr(item);
        if (v.k !== "const") throw new Fail(item.start, "list literals may hold only literals");
        return v.value;
      });
      if (items.length > 0 && items.every((v) => typeof v === "string")) {
        if (x.ty !== "dyn" && x.ty !== "string") throw new Fail(ln.start, `a ${x.ty} is never in a list of strings`);
        const dfa = this.automaton(this.ctx.stringSet(items as string[]), rn.start);
        return { k: "inDfa", ty: "bool", x, dfa, literals: items as string[] };
      }
      return { k: "inList", ty: "bool", x, list: { k: "const", ty: "list", value: items } };
    }
    if (rn.op === "." && rn.args[0].op === "id" && rn.args[0].args === "sets") {
      if (x.ty !== "dyn" && x.ty !== "string") throw new Fail(ln.start, `sets hold strings; a ${x.ty} is never in one`);
      const dfa = this.automaton(this.ctx.namedSet(rn.args[1]), rn.start);
      const literals = this.ctx.setLiterals?.(rn.args[1]);
      return literals ? { k: "inDfa", ty: "bool", x, dfa, literals } : { k: "inDfa", ty: "bool", x, dfa };
    }
    const list = this.expr(rn);
    if (list.ty !== "list" && list.ty !== "map" && list.ty !== "dyn") throw new Fail(rn.start, `the right side of \`in\` must be a list, a map or a set, not a ${list.ty}`);
    return { k: "inList", ty: "bool", x, list };
  }

  private call(name: string, recv: ASTNode | undefined, args: ASTNode[], n: ASTNode): Ir {
    const arity = (want: number) => {
      if (args.length !== want) throw new Fail(n.start, `\`${name}\` takes ${want} argument${want === 1 ? "" : "s"}`);
    };
    switch (name) {
      case "size": {
        const target = recv ?? (arity(1), args[0]!);
        if (recv) arity(0);
        const x = this.expr(target);
        if (x.ty !== "string" && x.ty !== "list" && x.ty !== "map" && x.ty !== "dyn") throw new Fail(target.start, `\`size\` needs a string, list or map, not a ${x.ty}`);
        return { k: "size", ty: "number", x };
      }
      case "has": {
        arity(1);
        const target = args[0]!;
        if (recv || (target.op !== "." && target.op !== "[]")) throw new Fail(n.start, "`has` takes a field, e.g. `has(action.args.path)`");
        const f = this.field(target) as Ir & { k: "load" };
        return { k: "has", ty: "bool", slot: f.slot };
      }
      case "startsWith": case "endsWith": case "contains": {
        if (!recv) throw new Fail(n.start, `\`${name}\` is a method: \`x.${name}("…")\``);
        arity(1);
        const a = this.expr(recv);
        const b = this.expr(args[0]!);
        this.expectString(a, recv, name);
        this.expectString(b, args[0]!, name);
        return { k: "str", ty: "bool", op: name, a, b };
      }
      case "matches": case "glob": {
        // Both `x.matches("re")` and `matches(x, "re")` are CEL; the same for `glob`.
        const target = recv ?? args[0];
        const pat = recv ? args[0] : args[1];
        if (!target || !pat || args.length !== (recv ? 1 : 2)) throw new Fail(n.start, `\`${name}\` takes a string and a pattern literal`);
        const x = this.expr(target);
        this.expectString(x, target, name);
        if (pat.op !== "value" || typeof pat.args !== "string") throw new Fail(pat.start, `the pattern of \`${name}\` must be a string literal, so it can be compiled at load`);
        const dfa = this.automaton(name === "matches" ? this.ctx.regex(pat.args) : this.ctx.glob(pat.args), pat.start, "pattern");
        return name === "matches" ? { k: "match", ty: "bool", x, dfa } : { k: "inDfa", ty: "bool", x, dfa };
      }
      default:
        throw new Fail(n.start, `unknown function \`${name}\`; conditions support size, has, startsWith, endsWith, contains, matches, glob`, "unsupported");
    }
  }

  private automaton(r: number | string, at: number, code = "invalid_set"): number {
    if (typeof r === "string") throw new Fail(at, r, code === "pattern" ? "invalid_pattern" : code);
    return r;
  }

  private expectBool(x: Ir, n: ASTNode): void {
    if (x.ty !== "bool" && x.ty !== "dyn") throw new Fail(n.start, `expected a boolean, found a ${x.ty}`);
  }

  private expectString(x: Ir, n: ASTNode, fn: string): void {
    if (x.ty !== "string" && x.ty !== "dyn") throw new Fail(n.start, `\`${fn}\` works on strings, not a ${x.ty}`);
  }

  private unknownName(name: string): string {
    return `unknown name \`${name}\`; conditions read \`action.*\`, \`session.id\` and \`sets.*\``;
  }
}

function firstLine(s: string): string {
  return (s.split("\n")[0] ?? s).replace(/\.$/, "").replace(/^./, (c) => c.toLowerCase());
}
