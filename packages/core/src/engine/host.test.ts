import { describe, it, expect } from "vitest";
import { createGuard } from "../guard/guard.js";

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
  it("treats values JSON cannot hold as incomparable: restrictive rules match", async () => {
    // A bigint, a function or a nested object where a number is expected: `> 10` errs, so the deny matches.
    for (const n of [10n ** 30n, () => 11, { valueOf: () => 11 }, Symbol("x")]) {
      const guard = await createGuard({ policy: POLICY });
      const d = guard.check({ kind: "tool", session: "s", tool: "t", args: { n } });
      expect(d, String(typeof n)).toMatchObject({ effect: "deny", rule: "num", code: "eval_error" });
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
