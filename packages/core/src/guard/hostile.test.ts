// Hostile input (issue 8): actions an agent can shape to exhaust time or memory, or to be read one way by
// the policy and another by the audit log. Each is denied with a stable code before any canonicaliser,
// hash or the engine reads it, and leaves the guard deciding exactly as a fresh one would.

import { describe, it, expect } from "vitest";
import { createGuard, type Guard } from "./guard.js";
import { memorySink } from "../audit/sinks.js";
import { verifyChain } from "../audit/verify.js";
import { MAX_ID_LENGTH, MAX_INPUT_DEPTH, inputProblem } from "./input-bounds.js";
import type { Action } from "./action.js";

// Reads a field of every kind, and has state (a limit, a sequence, a kill) for hostile input to corrupt.
const POLICY = `
version: 1
default: deny
rules:
  - { id: search, when: 'action.tool == "search"', effect: allow }
  - { id: echo, when: 'action.tool == "echo" && action.args.text != ""', effect: allow }
  - { id: charge, when: 'action.tool == "charge" && action.args.amount <= 1000', effect: allow }
  - { id: wide, when: 'action.tool == "keys" && size(action.args) > 1000', effect: deny }
  - { id: keys, when: 'action.tool == "keys"', effect: allow }
  - { id: web, when: 'action.kind == "http" && action.host == "example.com"', effect: allow }
  - { id: ls, when: 'action.program == "ls"', effect: allow }
  - { id: tmp, when: 'action.kind == "fs.read" && action.file.startsWith("/tmp/")', effect: allow }
  - { id: select, when: 'action.verb == "SELECT" && !("secrets" in action.tables)', effect: allow }
  - { id: stop, when: 'action.tool == "self_destruct"', effect: kill }
sequences:
  - id: shell-then-web
    steps: [{ when: 'action.kind == "shell"' }, { when: 'action.kind == "http"' }]
    within: 5
    effect: deny
limits:
  - { id: searches, when: 'action.tool == "search"', max: 3, effect: deny }
`;

const MiB = 1024 * 1024;
const HUGE = "x".repeat(10 * MiB);

/** An object nested `levels` deep (`{a: {a: … "x"}}`), or a list (`[[… "x"]]`). */
function nested(levels: number, list = false): unknown {
  let v: unknown = "x";
  for (let i = 0; i < levels; i++) v = list ? [v] : { a: v };
  return v;
}

const tool = (session: string, t: string, args?: unknown): Action => ({ kind: "tool", session, tool: t, ...(args !== undefined ? { args: args as Record<string, unknown> } : {}) });

/**
 * Actions whose decisions depend on everything a guard keeps: rules, a limit (three searches), a
 * sequence (shell then http) and a kill, in two sessions.
 */
function reference(session: string, other: string): Action[] {
  return [
    tool(session, "search"), tool(session, "charge", { amount: 5 }), tool(session, "charge", { amount: 5000 }),
    { kind: "shell", session, command: "ls -la /tmp" }, { kind: "http", session, url: "https://example.com/a" },
    tool(other, "search"), { kind: "fs.read", session: other, file: "/tmp/../etc/passwd" },
    { kind: "db", session: other, statement: "SELECT * FROM users; SELECT * FROM secrets" },
    tool(session, "search"), tool(session, "search"), tool(session, "search"),
    tool(other, "self_destruct"), tool(other, "search"), tool(session, "echo", { text: "é日本😀" }),
  ];
}

/** The decisions a guard gives for the reference actions, at fixed times. */
function decide(guard: Guard, session: string, other: string) {
  return reference(session, other).map((a, i) => guard.check(a, { now: 1_000 + i }));
}

async function freshDecisions(session: string, other: string) {
  return decide(await createGuard({ policy: POLICY }), session, other);
}

interface Case {
  name: string;
  action: () => Action;
  code: "input_too_large" | "invalid_action";
  /** A part of the reason that says why. */
  why: string;
}

const cyclic = () => {
  const o: Record<string, unknown> = { x: 1 };
  o.self = o;
  return o;
};
const cyclicList = () => {
  const l: unknown[] = [1];
  l.push({ back: l });
  return l;
};
/** A list that holds the same list twice, 60 levels down: 2^60 values as JSON, a few objects in memory. */
const bomb = () => {
  let v: unknown = "x";
  for (let i = 0; i < 60; i++) v = [v, v];
  return v;
};
class Money {
  constructor(readonly cents: number) {}
}

const CASES: Case[] = [
  // Huge strings: every field a canonicaliser or the engine reads.
  { name: "a 10 MiB argument", action: () => tool("h", "echo", { text: HUGE }), code: "input_too_large", why: "more than 4194304 bytes" },
  { name: "a 10 MiB argument key", action: () => tool("h", "search", { [HUGE]: 1 }), code: "input_too_large", why: "more than 4194304 bytes" },
  { name: "a 10 MiB url", action: () => ({ kind: "http", session: "h", url: `https://example.com/${HUGE}` }), code: "input_too_large", why: "`url`" },
  { name: "a 10 MiB shell command", action: () => ({ kind: "shell", session: "h", command: `ls ${HUGE}` }), code: "input_too_large", why: "`command`" },
  { name: "a 10 MiB file path", action: () => ({ kind: "fs.read", session: "h", file: `/tmp/${HUGE}` }), code: "input_too_large", why: "`file`" },
  { name: "a 10 MiB SQL statement", action: () => ({ kind: "db", session: "h", statement: `SELECT '${HUGE}' FROM t` }), code: "input_too_large", why: "`statement`" },
  { name: "a 10 MiB tool name", action: () => tool("h", HUGE), code: "input_too_large", why: "`tool`" },
  { name: "a 10 MiB session id", action: () => tool(HUGE, "search"), code: "input_too_large", why: `at most ${MAX_ID_LENGTH}` },
  { name: "a 2 KiB agent id", action: () => ({ ...tool("h", "search"), agent: "a".repeat(2048) }), code: "input_too_large", why: "`agent` is 2048 characters" },
  // Deep nesting and many values.
  { name: "objects nested 10,000 levels", action: () => tool("h", "search", { deep: nested(10_000) }), code: "input_too_large", why: `deeper than ${MAX_INPUT_DEPTH} levels` },
  { name: "lists nested 10,000 levels", action: () => tool("h", "search", { deep: nested(10_000, true) }), code: "input_too_large", why: `deeper than ${MAX_INPUT_DEPTH} levels` },
  { name: "usage nested 10,000 levels", action: () => ({ ...tool("h", "search"), usage: { tokens: nested(10_000) as number } }), code: "input_too_large", why: "`usage.tokens.a" },
  { name: "300,000 argument keys", action: () => tool("h", "keys", Object.fromEntries(Array.from({ length: 300_000 }, (_, i) => [`k${i}`, i]))), code: "input_too_large", why: "more than 4194304 bytes" },
  { name: "a list of 1,000,000 nulls", action: () => tool("h", "search", { list: new Array(1_000_000).fill(null) }), code: "input_too_large", why: "more than 4194304 bytes" },
  { name: "a list shared 2^60 times", action: () => tool("h", "search", { bomb: bomb() }), code: "input_too_large", why: "more than 4194304 bytes" },
  // Invalid UTF-16: the engine and the audit log would read each lone surrogate as U+FFFD.
  { name: "a lone high surrogate in an argument", action: () => tool("h", "echo", { text: "a\ud800b" }), code: "invalid_action", why: "`args.text` is not well-formed UTF-16" },
  { name: "a lone low surrogate in an argument key", action: () => tool("h", "search", { "\udc00": 1 }), code: "invalid_action", why: "not well-formed UTF-16" },
  { name: "a reversed surrogate pair deep in a list", action: () => tool("h", "search", { l: [["ok", "\ude00\ud83d"]] }), code: "invalid_action", why: "`args.l[0][1]` is not well-formed UTF-16" },
  { name: "a lone surrogate in a url", action: () => ({ kind: "http", session: "h", url: "https://example.com/\ud800" }), code: "invalid_action", why: "`url` is not well-formed UTF-16" },
  { name: "a lone surrogate in a shell command", action: () => ({ kind: "shell", session: "h", command: "ls \udfff" }), code: "invalid_action", why: "`command` is not well-formed UTF-16" },
  { name: "a lone surrogate in a file path", action: () => ({ kind: "fs.read", session: "h", file: "/tmp/\ud800" }), code: "invalid_action", why: "`file` is not well-formed UTF-16" },
  { name: "a lone surrogate in a SQL statement", action: () => ({ kind: "db", session: "h", statement: "SELECT '\ud800' FROM t" }), code: "invalid_action", why: "`statement` is not well-formed UTF-16" },
  { name: "a lone surrogate in the session id", action: () => tool("h\ud800", "search"), code: "invalid_action", why: "`session` is not well-formed UTF-16" },
  // Values JSON cannot hold: the policy, the audit log and the tool would each see something else.
  { name: "a function", action: () => tool("h", "search", { f: () => 1 }), code: "invalid_action", why: "`args.f` is a function" },
  { name: "a bigint", action: () => tool("h", "charge", { amount: 10n }), code: "invalid_action", why: "`args.amount` is a bigint" },
  { name: "a symbol", action: () => tool("h", "search", { s: Symbol("s") }), code: "invalid_action", why: "`args.s` is a symbol" },
  { name: "NaN (never greater than a limit)", action: () => tool("h", "charge", { amount: NaN }), code: "invalid_action", why: "`args.amount` is NaN" },
  { name: "Infinity", action: () => tool("h", "charge", { amount: -Infinity }), code: "invalid_action", why: "`args.amount` is -Infinity" },
  { name: "an object that refers to itself", action: () => tool("h", "search", cyclic()), code: "invalid_action", why: "(a cycle)" },
  { name: "a cycle through a list", action: () => tool("h", "search", { l: cyclicList() }), code: "invalid_action", why: "(a cycle)" },
  { name: "a Date", action: () => tool("h", "search", { at: new Date(0) }), code: "invalid_action", why: "`args.at` is a Date, not JSON data" },
  { name: "a Map", action: () => tool("h", "search", { m: new Map([["k", "v"]]) }), code: "invalid_action", why: "`args.m` is a Map" },
  { name: "a class instance", action: () => tool("h", "charge", { amount: new Money(5) }), code: "invalid_action", why: "`args.amount` is a Money" },
  { name: "a bigint in usage", action: () => ({ ...tool("h", "search"), usage: { tokens: 5n as unknown as number } }), code: "invalid_action", why: "`usage.tokens` is a bigint" },
];

describe("hostile input", () => {
  for (const c of CASES) {
    it(`denies ${c.name} (${c.code}) and leaves every session deciding as in a fresh guard`, async () => {
      const sink = memorySink();
      const guard = await createGuard({ policy: POLICY, audit: { sinks: [sink] } });
      // Decided before: the hostile action must neither undo nor add to it.
      expect(guard.check(tool("h", "search"), { now: 1 })).toMatchObject({ effect: "allow", rule: "search" });
      const d = guard.check(c.action(), { now: 2 });
      expect(d).toMatchObject({ effect: "deny", code: c.code, matched: [] });
      expect(d.reason).toContain(c.why);
      // The reason is read by a model and written to the log: it never carries the input itself.
      expect(d.reason!.length).toBeLessThan(400);
      // The same session and another one go on exactly as in a guard that never saw the hostile action
      // (the earlier search counts towards the limit in both).
      const fresh = await createGuard({ policy: POLICY });
      fresh.check(tool("h", "search"), { now: 1 });
      expect(decide(guard, "h", "o")).toEqual(decide(fresh, "h", "o"));
      // And the audit log holds the refusal, its chain whole.
      await guard.flush();
      expect(sink.records[1]).toMatchObject({ effect: "deny", code: c.code });
      expect(verifyChain(sink.lines.map((text, i) => ({ text, file: "memory", line: i + 1 })))).toMatchObject({ ok: true, records: sink.lines.length });
    });
  }

  it("decides inputs just within each bound by the policy", async () => {
    const guard = await createGuard({ policy: POLICY });
    const within: [Action, string][] = [
      [tool("w", "echo", { text: "x".repeat(4 * MiB - 100) }), "echo"],
      [tool("w", "search", { deep: nested(MAX_INPUT_DEPTH - 1) }), "search"],
      [tool("w", "search", { deep: nested(MAX_INPUT_DEPTH - 1, true) }), "search"],
      [tool("w", "keys", Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`k${i}`, i]))), "wide"],
      [tool("w", "echo", { text: "😀 é 日本 \u{10FFFF}" }), "echo"],
      [tool("s".repeat(MAX_ID_LENGTH), "search"), "search"],
      // A shared (not cyclic) object is JSON: written twice.
      [tool("w2", "search", (() => { const o = { a: 1 }; return { x: o, y: [o, o] }; })()), "search"],
    ];
    for (const [a, rule] of within) expect(guard.check(a, { now: 1 }), rule).toMatchObject({ rule });
  });

  it("skips symbol keys, as JSON, the engine and the audit log do", async () => {
    const guard = await createGuard({ policy: POLICY });
    // `size(args) > 1000` cannot be reached through keys nobody reads; the decision is the one without them.
    const hidden = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [Symbol(String(i)), i]));
    expect(guard.check(tool("y", "keys", { ...hidden, a: 1 }), { now: 1 })).toEqual(guard.check(tool("y", "keys", { a: 1 }), { now: 2 }));
  });

  it("refuses one level past the depth bound, for objects and lists", async () => {
    const guard = await createGuard({ policy: POLICY });
    for (const list of [false, true]) {
      // `args` is the first level: `{ deep: nested(MAX_INPUT_DEPTH - 1) }` is MAX_INPUT_DEPTH levels.
      expect(guard.check(tool("d", "search", { deep: nested(MAX_INPUT_DEPTH - 1, list) }), { now: 1 }).effect).toBe("allow");
      expect(guard.check(tool("d", "search", { deep: nested(MAX_INPUT_DEPTH, list) }), { now: 2 })).toMatchObject({ effect: "deny", code: "input_too_large" });
    }
  });

  it("counts the input in a defined unit: UTF-8 bytes of strings plus 8 per value and key", () => {
    // { kind, session, args: { t: text } }: kind 8 + 4, session 8 + 1, args 8, key `t` 8 + 1, value 8.
    const fixed = 8 + 4 + 8 + 1 + 8 + 8 + 1 + 8;
    const at = (text: string, max: number) => inputProblem({ kind: "tool", session: "s", args: { t: text } }, max);
    for (const [unit, width] of [["x", 1], ["é", 2], ["日", 3], ["😀", 4]] as const) {
      const text = unit.repeat(100);
      expect(at(text, fixed + 100 * width), unit).toBeUndefined();
      expect(at(text, fixed + 100 * width - 1), unit).toMatchObject({ tooLarge: true });
    }
  });

  it("refuses a maxInputBytes that would bound nothing", async () => {
    for (const maxInputBytes of [Infinity, NaN, 0, -1]) {
      await expect(createGuard({ policy: POLICY, maxInputBytes }), String(maxInputBytes)).rejects.toThrow(/`maxInputBytes` must be a finite number > 0/);
    }
  });

  it("decides hostile input the same way whatever came before it", async () => {
    const hostile = CASES.map((c) => c.action());
    const a = await createGuard({ policy: POLICY });
    const b = await createGuard({ policy: POLICY });
    // `b` first decides large inputs within the bound, which grow the engine's areas.
    b.check(tool("warm", "echo", { text: "x".repeat(4 * MiB - 100) }), { now: 1 });
    b.check(tool("warm", "keys", Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`k${i}`, i]))), { now: 2 });
    expect(hostile.map((h) => b.check(h, { now: 3 }))).toEqual(hostile.map((h) => a.check(h, { now: 3 })));
    expect(decide(b, "h", "o")).toEqual(await freshDecisions("h", "o"));
  });
});
