import { describe, it, expect } from "vitest";
import { createGuard } from "../guard/guard.js";
import { loadPolicy } from "../policy/load.js";
import { decisionTables, toDecision } from "../guard/decision.js";
import { Engine, InputTooLarge, type DecideInputs } from "./host.js";

// Each rule denies when its condition holds; the default allows, so `matched` shows exactly what held.
const POLICY = `
version: 1
default: allow
rules:
  - { id: in-list, when: '"b" in action.args.list', effect: deny }
  - { id: key-in-map, when: '"secret" in action.args.obj', effect: deny }
  - { id: map-size, when: 'size(action.args.obj) == 2', effect: deny }
  - { id: nested-eq, when: 'action.args.list[0] == "x"', effect: deny }
  - { id: num, when: 'action.args.n > 10', effect: deny }
  - { id: flag, when: 'action.args.flag == true', effect: deny }
  - { id: is-null, when: 'action.args.z == null', effect: deny }
`;
const INPUTS: DecideInputs = { now: 0, session: 0, agent: 0, valueLabels: 0n, lift: -1, explicit: -1, repeatKey: 0 };
const matched = async (args: Record<string, unknown>) => {
  const guard = await createGuard({ policy: POLICY });
  return guard.check({ kind: "tool", session: "s", tool: "t", args }).matched;
};

describe("field encoding", () => {
  it("writes lists, map keys, numbers, booleans and null", async () => {
    expect(await matched({ list: ["a", "b"] })).toEqual(["in-list"]);
    expect(await matched({ obj: { secret: 1, other: 2 } })).toEqual(["key-in-map", "map-size"]);
    expect(await matched({ n: 11, flag: true, z: null })).toEqual(["num", "flag", "is-null"]);
  });
  it("reads list items by index", async () => {
    expect(await matched({ list: ["x"] })).toEqual(["nested-eq"]);
  });
  it("treats values JSON cannot hold as incomparable in the engine: restrictive rules match", async () => {
    // The guard refuses such arguments before the engine (`invalid_action`, hostile.test.ts); the engine
    // still never lets one permit more: a bigint, a function or a non-plain object where a number is
    // expected makes `> 10` err, so the deny matches.
    const { policy } = loadPolicy(POLICY);
    const engine = await Engine.create(policy!);
    engine.ensure(1, 1);
    for (const n of [10n ** 30n, () => 11, { valueOf: () => 11 }, Symbol("x"), new Date(11)]) {
      const raw = engine.decide([{ kind: "tool", session: "s", tool: "t", args: { n } }], INPUTS);
      expect(toDecision(decisionTables(policy!), [], raw), typeof n).toMatchObject({ effect: "deny", rule: "num", code: "eval_error" });
    }
  });
  it("keeps nested objects inside lists incomparable: never a member, and comparing one errs", async () => {
    // `"b" in list` skips the nested items; `list[0] == "x"` compares a map with a string: an error, so
    // the deny rule matches.
    expect(await matched({ list: [{ 0: "b" }, ["b"]] })).toEqual(["nested-eq"]);
  });
  it("handles thousands of list items and very long strings", async () => {
    expect(await matched({ list: [...Array.from({ length: 10_000 }, (_, i) => `i${i}`), "b"] })).toEqual(["in-list"]);
    expect(await matched({ list: ["é".repeat(300_000), "b"] })).toEqual(["in-list"]);
  });
});

describe("field readers", () => {
  it("cover exactly the action fields, each reading its own field", async () => {
    const { FIELD_READERS } = await import("./host.js");
    const { ACTION_FIELDS } = await import("../compile/fields.js");
    expect(Object.keys(FIELD_READERS).sort()).toEqual(Object.keys(ACTION_FIELDS).sort());
    const action = Object.fromEntries(Object.keys(ACTION_FIELDS).map((k) => [k, `value of ${k}`]));
    for (const [k, read] of Object.entries(FIELD_READERS)) expect(read(action)).toBe(`value of ${k}`);
  });
});

describe("the engine's input limit", () => {
  const ECHO = `
version: 1
default: deny
rules:
  - { id: echo, when: 'action.tool == "echo" && action.args.text != ""', effect: allow }
`;
  const echo = (text: string, session = "s") => ({ kind: "tool" as const, session, tool: "echo", args: { text } });

  it("depends on the action alone, not on how large an earlier action made the string area", async () => {
    // 1,400,000 ASCII characters take 1.34 MiB: within the default 4 MiB. The engine once reserved 3
    // bytes per UTF-16 unit (4.2 MB) and checked the limit only when its area had to grow, so a fresh
    // guard refused this string and one that had decided a 1 MiB input first accepted it.
    const text = "x".repeat(1_400_000);
    const fresh = await createGuard({ policy: ECHO });
    const first = fresh.check(echo(text));
    const warmed = await createGuard({ policy: ECHO });
    expect(warmed.check(echo("y".repeat(1024 * 1024), "other")).effect).toBe("allow");
    expect(warmed.check(echo(text))).toEqual(first);
    expect(first).toMatchObject({ effect: "allow", rule: "echo" });
  });

  it("refuses a part exactly when its fields take more bytes than the limit (UTF-8 bytes, 16 per list item or key)", async () => {
    const { policy } = loadPolicy(ECHO);
    // The part writes `echo` (4 bytes) and the text; the limit is checked on what it takes, exactly.
    const limit = 100_000;
    for (const [label, unit, width] of [["ascii", "x", 1], ["two-byte", "é", 2], ["three-byte", "語", 3], ["surrogate pair", "😀", 4]] as const) {
      for (const warm of [false, true]) {
        const engine = await Engine.create(policy!, limit);
        engine.ensure(1, 1);
        // A warmed engine has grown its area to the limit already: the answer must not change.
        if (warm) expect(() => engine.decide([echo("z".repeat(limit - 4))], INPUTS)).not.toThrow();
        const fits = unit.repeat(Math.floor((limit - 4) / width));
        const over = `${fits}${"x".repeat(limit - 4 - fits.length / unit.length * width + 1)}`;
        expect(() => engine.decide([echo(fits)], INPUTS), `${label} fits, warm ${warm}`).not.toThrow();
        expect(() => engine.decide([echo(over)], INPUTS), `${label} over, warm ${warm}`).toThrow(InputTooLarge);
      }
    }
  });
});

describe("the engine's session records", () => {
  it("grow in place while they are the last allocation, keeping every record", async () => {
    const { injectEngineFaults } = await import("../guard/faults.test-support.js");
    const faults = injectEngineFaults();
    try {
      const { policy } = loadPolicy("version: 1\ndefault: allow\nlimits:\n  - { id: two, max: 2, effect: deny }\n");
      const engine = await Engine.create(policy!);
      const x = faults.instances[0] as { sessionRecord(i: number): number };
      const decide = (session: number) => toDecision(decisionTables(policy!), [], engine.decide([{ kind: "tool", session: "s", tool: "t" }], { ...INPUTS, session })).effect;
      engine.ensure(64, 1);
      // Session 0 uses up its limit; the first growth copies (the agents' area came after the sessions').
      expect([decide(0), decide(0), decide(0)]).toEqual(["allow", "allow", "deny"]);
      engine.ensure(128, 1);
      const base = x.sessionRecord(0);
      for (let n = 256; n <= 65_536; n *= 2) {
        engine.ensure(n, 1);
        expect(x.sessionRecord(0), `${n} sessions`).toBe(base);
      }
      // Records survived every growth: session 0 is still over its limit, the newest session is fresh.
      expect(decide(0)).toBe("deny");
      expect(decide(65_535)).toBe("allow");
    } finally {
      faults.restore();
    }
  });
});
