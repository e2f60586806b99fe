// The condition subset of the reference evaluator: a small syntax tree, its CEL text, and its value under
// the rules of docs/policy.md ("Absent fields, errors and the fail-closed rule"), written as plainly as
// possible so that it can be read against the documentation line by line. Test-only; not public API.

/** A field the reference reads: two host-typed strings and four dynamic arguments. */
export type FieldName = "kind" | "tool" | "args.s" | "args.t" | "args.n" | "args.ok";

/** A literal of the subset: strings and numbers (CEL doubles). */
export type Literal = string | number;

/** A boolean condition. */
export type Cond =
  | { op: "cmp"; field: FieldName; cmp: "==" | "!=" | "<" | "<=" | ">" | ">="; lit: Literal }
  | { op: "in"; field: FieldName; list: Literal[] }
  | { op: "str"; field: FieldName; fn: "startsWith" | "endsWith" | "contains" | "matches"; arg: string }
  | { op: "has"; field: FieldName }
  | { op: "bare"; field: FieldName }
  | { op: "and" | "or"; a: Cond; b: Cond }
  | { op: "not"; a: Cond };

/** What a condition evaluates to: a boolean, or an evaluation error (DESIGN §4). */
export type Truth = true | false | "error";

/** An argument value as an action carries it; `undefined` is an absent field. */
export type ArgValue = string | number | boolean | undefined;

/** The fields of one action, as the reference reads them. */
export type Fields = Record<FieldName, ArgValue>;

/** A CEL string literal: JSON's escapes (`\"`, `\\`, `\n`, `\uXXXX`) are all CEL escapes too. */
const celString = (s: string): string => JSON.stringify(s);
const celLiteral = (l: Literal): string => (typeof l === "string" ? celString(l) : String(l));
const celField = (f: FieldName): string => `action.${f}`;

/**
 * The CEL text of a condition, fully parenthesised so that CEL's own precedence never matters.
 *
 * @example
 * toCel({ op: "not", a: { op: "has", field: "args.n" } }) // "!(has(action.args.n))"
 */
export function toCel(c: Cond): string {
  switch (c.op) {
    case "cmp": return `${celField(c.field)} ${c.cmp} ${celLiteral(c.lit)}`;
    case "in": return `${celField(c.field)} in [${c.list.map(celLiteral).join(", ")}]`;
    case "str": return `${celField(c.field)}.${c.fn}(${celString(c.arg)})`;
    case "has": return `has(${celField(c.field)})`;
    case "bare": return celField(c.field);
    case "and": return `(${toCel(c.a)}) && (${toCel(c.b)})`;
    case "or": return `(${toCel(c.a)}) || (${toCel(c.b)})`;
    case "not": return `!(${toCel(c.a)})`;
  }
}

/** Two values of the same comparable type, or `"error"` (a string compared with a number, say). */
function compare(v: Exclude<ArgValue, undefined>, cmp: Extract<Cond, { op: "cmp" }>["cmp"], lit: Literal): Truth {
  if (typeof v !== typeof lit) return "error";
  switch (cmp) {
    case "==": return v === lit;
    case "!=": return v !== lit;
    // The generators keep strings to ASCII, where code-unit order (JS) and byte order (the engine) agree.
    case "<": return v < lit;
    case "<=": return v <= lit;
    case ">": return v > lit;
    case ">=": return v >= lit;
  }
}

/**
 * The value of `c` for an action's fields, following docs/policy.md: any comparison with an absent field
 * is false (not an error); values of different types compare as an error; `in` skips list items of another
 * type; a string function on a non-string errs; a bare field must be a boolean (absent counts as false);
 * `&&` is false if either side is false and `||` true if either side is true, whatever the other side;
 * otherwise an error propagates, through `!` too.
 *
 * @example
 * evaluate({ op: "cmp", field: "args.n", cmp: ">", lit: 5 }, { ...fields, "args.n": "9" }) // "error"
 */
export function evaluate(c: Cond, fields: Fields, matches: (pattern: string, text: string) => boolean): Truth {
  switch (c.op) {
    case "cmp": {
      const v = fields[c.field];
      return v === undefined ? false : compare(v, c.cmp, c.lit);
    }
    case "in": {
      const v = fields[c.field];
      return v !== undefined && c.list.some((item) => typeof item === typeof v && item === v);
    }
    case "str": {
      const v = fields[c.field];
      if (v === undefined) return false;
      if (typeof v !== "string") return "error";
      switch (c.fn) {
        case "startsWith": return v.startsWith(c.arg);
        case "endsWith": return v.endsWith(c.arg);
        case "contains": return v.includes(c.arg);
        case "matches": return matches(c.arg, v);
      }
      break;
    }
    case "has": return fields[c.field] !== undefined;
    case "bare": {
      const v = fields[c.field];
      if (v === undefined) return false;
      return typeof v === "boolean" ? v : "error";
    }
    case "and": {
      const a = evaluate(c.a, fields, matches);
      const b = evaluate(c.b, fields, matches);
      if (a === false || b === false) return false;
      return a === "error" || b === "error" ? "error" : true;
    }
    case "or": {
      const a = evaluate(c.a, fields, matches);
      const b = evaluate(c.b, fields, matches);
      if (a === true || b === true) return true;
      return a === "error" || b === "error" ? "error" : false;
    }
    case "not": {
      const a = evaluate(c.a, fields, matches);
      return a === "error" ? "error" : !a;
    }
  }
}
