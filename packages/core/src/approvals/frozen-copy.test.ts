import { describe, expect, it } from "vitest";
import { CopyError, frozenCopy, isPlainObject } from "./frozen-copy.js";

describe("frozenCopy", () => {
  it("copies JSON values deeply and freezes every level", () => {
    const value = { a: 1, b: [true, null, "x", { c: 2.5 }], d: { e: {} } };
    const copy = frozenCopy(value, "v") as typeof value;
    expect(copy).toEqual(value);
    expect(copy).not.toBe(value);
    expect(copy.b[3]).not.toBe(value.b[3]);
    for (const part of [copy, copy.b, copy.b[3], copy.d, copy.d.e]) expect(Object.isFrozen(part)).toBe(true);
    expect(Object.isFrozen(value.b)).toBe(false);
  });

  it("drops undefined properties and turns undefined array entries into null, as JSON does", () => {
    expect(frozenCopy({ a: undefined, b: [undefined, 1] }, "v")).toEqual({ b: [null, 1] });
    expect(Object.keys(frozenCopy({ a: undefined }, "v") as object)).toEqual([]);
  });

  it("keeps a `__proto__` key as data, never as a prototype", () => {
    const parsed: unknown = JSON.parse('{"__proto__": {"polluted": true}}');
    const copy = frozenCopy(parsed, "v") as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.hasOwn(copy, "__proto__")).toBe(true);
    expect((copy as { polluted?: unknown }).polluted).toBeUndefined();
  });

  const refused: [string, unknown, string][] = [
    ["a function", { f: () => 1 }, "`v.f` is a function, not a json value"],
    ["a symbol", [Symbol("s")], "`v[0]` is a symbol, not a json value"],
    ["a bigint", { n: 1n }, "`v.n` is a bigint, not a json value"],
    ["NaN", { n: NaN }, "`v.n` is NaN, not a finite number"],
    ["Infinity", { n: -Infinity }, "`v.n` is -Infinity, not a finite number"],
    ["a date", { d: new Date(0) }, "`v.d` is a Date, not a json value"],
    ["a map", new Map(), "`v` is a Map, not a json value"],
  ];
  for (const [name, value, message] of refused) {
    it(`refuses ${name}, naming the path`, () => {
      expect(() => frozenCopy(value, "v")).toThrow(new CopyError(message));
    });
  }

  it("refuses a cycle", () => {
    const cyclic: Record<string, unknown> = { a: [] };
    (cyclic.a as unknown[]).push(cyclic);
    expect(() => frozenCopy(cyclic, "v")).toThrow("`v.a[0]` contains itself");
  });

  it("copies a value shared by two branches (not a cycle)", () => {
    const shared = { x: 1 };
    expect(frozenCopy({ a: shared, b: shared }, "v")).toEqual({ a: { x: 1 }, b: { x: 1 } });
  });

  it("refuses nesting beyond 64 levels and accepts 64", () => {
    const nest = (levels: number): unknown => {
      let v: unknown = 1;
      for (let i = 0; i < levels; i++) v = [v];
      return v;
    };
    expect(() => frozenCopy(nest(64), "v")).not.toThrow();
    expect(() => frozenCopy(nest(65), "v")).toThrow(/nested deeper than 64 levels/);
  });

  it("refuses a value that would take exponential work to copy", () => {
    let v: unknown = { leaf: 1 };
    for (let i = 0; i < 40; i++) v = { a: v, b: v };
    expect(() => frozenCopy(v, "v")).toThrow(/holds more than 100000 values/);
  });
});

describe("isPlainObject", () => {
  it("accepts literals, parsed and prototype-less objects only", () => {
    expect([{}, JSON.parse("{}"), Object.create(null), Object.fromEntries([])].map(isPlainObject)).toEqual([true, true, true, true]);
    expect([[], null, "x", new Date(), new (class A {})(), new Map()].map(isPlainObject)).toEqual([false, false, false, false, false, false]);
  });
});
