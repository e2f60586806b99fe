// Random policies and traces for the differential test, over a small shared vocabulary of kinds, tools,
// argument names and values, so that conditions actually match (a differential test where everything
// falls to `default` proves nothing; the test measures how often each effect decides).

import fc from "fast-check";
import type { ArgValue, Cond, FieldName, Literal } from "./conditions.js";
import type { RefAction, RefLimit, RefPolicy, RefRule } from "./decide.js";

export const KINDS = ["tool", "mcp"] as const;
export const TOOLS = ["search", "read_file", "pay", "send"] as const;
const STRINGS = ["", "a", "ab", "ba", "abc", "b", "x"] as const;
const NUMBERS = [0, 1, 2, 10, -1.5] as const;
/** Simple RE2 patterns on which RE2 and JavaScript agree (ASCII, no flags, `$` at the end of text only). */
export const PATTERNS = ["^a", "b$", "a.c", "^(a|b)+$", "[ab]c", "x*", "^$", "^[a-c]{2}$"] as const;

const ARG_FIELDS: readonly FieldName[] = ["args.s", "args.t", "args.n", "args.ok"];

const stringLit = fc.constantFrom(...STRINGS);
const numberLit = fc.constantFrom(...NUMBERS);
const anyLit: fc.Arbitrary<Literal> = fc.oneof(stringLit, numberLit);
const cmpOp = fc.constantFrom("==", "!=", "<", "<=", ">", ">=" as const);

/** `kind` and `tool` are host-typed strings: the compiler refuses other types and ordering on `kind`. */
const hostAtom: fc.Arbitrary<Cond> = fc.oneof(
  fc.record({ op: fc.constant("cmp" as const), field: fc.constant("kind" as const), cmp: fc.constantFrom("==", "!=" as const), lit: fc.constantFrom<string>(...KINDS) }),
  fc.record({ op: fc.constant("in" as const), field: fc.constant("kind" as const), list: fc.subarray([...KINDS] as Literal[], { minLength: 1 }) }),
  fc.record({ op: fc.constant("cmp" as const), field: fc.constant("tool" as const), cmp: cmpOp, lit: fc.constantFrom<string>(...TOOLS, "r") }),
  fc.record({ op: fc.constant("in" as const), field: fc.constant("tool" as const), list: fc.subarray([...TOOLS] as Literal[], { minLength: 1 }) }),
  fc.record({ op: fc.constant("str" as const), field: fc.constant("tool" as const), fn: fc.constantFrom("startsWith", "endsWith", "contains" as const), arg: fc.constantFrom("s", "e", "read", "d", "") }),
);

/** Below `action.args` nothing is typed until run time: every operator, literals of every type. */
const argAtom: fc.Arbitrary<Cond> = fc.constantFrom(...ARG_FIELDS).chain((field) =>
  fc.oneof(
    fc.record({ op: fc.constant("cmp" as const), field: fc.constant(field), cmp: cmpOp, lit: anyLit }),
    fc.record({ op: fc.constant("in" as const), field: fc.constant(field), list: fc.oneof(fc.subarray([...STRINGS] as Literal[], { minLength: 1 }), fc.subarray([...NUMBERS] as Literal[], { minLength: 1 })) }),
    fc.record({ op: fc.constant("str" as const), field: fc.constant(field), fn: fc.constantFrom("startsWith", "endsWith", "contains" as const), arg: stringLit }),
    fc.record({ op: fc.constant("str" as const), field: fc.constant(field), fn: fc.constant("matches" as const), arg: fc.constantFrom(...PATTERNS) }),
    fc.record({ op: fc.constant("has" as const), field: fc.constant(field) }),
    fc.record({ op: fc.constant("bare" as const), field: fc.constant(field) }),
  ),
);

/** A condition of at most `depth` levels of `&&`, `||` and `!` above its atoms. */
export function condition(depth: number): fc.Arbitrary<Cond> {
  const atom = fc.oneof(hostAtom, argAtom);
  if (depth <= 0) return atom;
  const sub = condition(depth - 1);
  return fc.oneof(
    // Atoms are twice as likely as each connective, which keeps conditions small enough to match often.
    { arbitrary: atom, weight: 4 },
    { arbitrary: fc.record({ op: fc.constantFrom("and", "or" as const), a: sub, b: sub }), weight: 2 },
    { arbitrary: fc.record({ op: fc.constant("not" as const), a: sub }), weight: 1 },
  );
}

const effect = fc.constantFrom("allow", "flag", "ask", "deny", "kill" as const);

const rule = (id: string): fc.Arbitrary<RefRule> =>
  fc.record({ when: condition(2), unless: fc.option(condition(1), { nil: undefined, freq: 3 }), effect }).map((r) => ({
    id, when: r.when, effect: r.effect, ...(r.unless ? { unless: r.unless } : {}),
  }));

const limit = (id: string): fc.Arbitrary<RefLimit> =>
  fc.record({ when: fc.option(condition(1), { nil: undefined }), max: fc.integer({ min: 0, max: 2 }), effect: fc.constantFrom("ask", "deny", "kill" as const) }).map((l) => ({
    id, max: l.max, effect: l.effect, ...(l.when ? { when: l.when } : {}),
  }));

/** A policy of 1–6 rules and 0–2 lifetime count limits. */
export const policy: fc.Arbitrary<RefPolicy> = fc.record({
  default: fc.constantFrom("allow", "deny" as const),
  rules: fc.integer({ min: 1, max: 6 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => rule(`r${i}`)))),
  limits: fc.integer({ min: 0, max: 2 }).chain((n) => (n === 0 ? fc.constant([]) : fc.tuple(...Array.from({ length: n }, (_, i) => limit(`l${i}`))))),
});

/** An argument value: absent, or a string, number or boolean from the vocabulary. */
const argValue = (likely: fc.Arbitrary<ArgValue>): fc.Arbitrary<ArgValue> =>
  fc.oneof({ arbitrary: likely, weight: 4 }, { arbitrary: fc.constant(undefined), weight: 2 }, { arbitrary: fc.oneof(stringLit, numberLit, fc.boolean()), weight: 1 });

const args = fc.record({ s: argValue(stringLit), t: argValue(stringLit), n: argValue(numberLit), ok: argValue(fc.boolean()) }).map((a) => {
  const out: Record<string, ArgValue> = {};
  for (const [k, v] of Object.entries(a)) if (v !== undefined) out[k] = v;
  return out;
});

export const action: fc.Arbitrary<RefAction> = fc.record({
  session: fc.constantFrom("s1", "s2"),
  kind: fc.constantFrom(...KINDS),
  tool: fc.option(fc.constantFrom<string>(...TOOLS), { nil: undefined, freq: 8 }),
  args: fc.option(args, { nil: undefined, freq: 8 }),
}).map((a) => ({ session: a.session, kind: a.kind, ...(a.tool !== undefined ? { tool: a.tool } : {}), ...(a.args !== undefined ? { args: a.args } : {}) }));

/** A trace of 1–8 actions, in one or two sessions. */
export const trace: fc.Arbitrary<RefAction[]> = fc.array(action, { minLength: 1, maxLength: 8 });
