import canonicalize from "canonicalize";
import { describe, expect, it } from "vitest";
import { AuditError } from "../errors.js";
import { jsonValue, oddNumber, oddString, rng } from "./audit.test-support.js";
import { canonicalJson, jsonNumber, jsonString, slowCanonicalJson, toPlainJson, wellFormed } from "./canonical.js";

describe("canonicalJson", () => {
  it("equals canonicalize on 20,000 generated JSON values", () => {
    const r = rng(1);
    for (let i = 0; i < 20_000; i++) {
      const v = jsonValue(r, 5);
      expect(canonicalJson(v)).toBe(canonicalize(v));
    }
  });

  it("equals canonicalize on odd strings, one by one and as keys", () => {
    const r = rng(2);
    for (let i = 0; i < 5_000; i++) {
      const s = oddString(r);
      expect(jsonString(s)).toBe(canonicalize(s));
      expect(canonicalJson({ [s]: 1, [s + "x"]: 2 })).toBe(canonicalize({ [s]: 1, [s + "x"]: 2 }));
    }
  });

  it("equals canonicalize on edge-case and random numbers", () => {
    for (const n of [-0, 1e21, 1e-7, 1.5e-7, 2 ** 53, -(2 ** 53), 9007199254740993, Number.MIN_VALUE, Number.MAX_VALUE, 0.1 + 0.2]) {
      expect(jsonNumber(n)).toBe(canonicalize(n));
    }
    expect(jsonNumber(-0)).toBe("0");
    expect(jsonNumber(1e21)).toBe("1e+21");
    expect(jsonNumber(1.5e-7)).toBe("1.5e-7");
    const r = rng(3);
    for (let i = 0; i < 20_000; i++) {
      const n = oddNumber(r);
      expect(jsonNumber(n)).toBe(canonicalize(n));
    }
  });

  it("orders keys by UTF-16 code units, not code points", () => {
    // U+FF61 sorts after the surrogate pair of U+1F600 by code point, before it by code unit.
    const v = { "\uff61": 1, "\ud83d\ude00": 2, a: 3, "€": 4 };
    expect(canonicalJson(v)).toBe('{"a":3,"€":4,"😀":2,"｡":1}');
    expect(canonicalJson(v)).toBe(canonicalize(v));
  });

  it("writes what JSON writes where canonicalize refuses: lone surrogates as U+FFFD, non-finite numbers as null", () => {
    expect(canonicalJson("a\ud800b")).toBe('"a\ufffdb"');
    expect(canonicalJson(["\udc00", NaN, Infinity, -Infinity])).toBe('["\ufffd",null,null,null]');
    expect(() => canonicalize("a\ud800b")).toThrow();
    const r = rng(4);
    for (let i = 0; i < 5_000; i++) {
      const v = jsonValue(r, 4, { lone: true });
      expect(canonicalJson(v)).toBe(canonicalize(toPlainJson(v)));
    }
  });

  it("goes through JSON for values that are not plain data", () => {
    class Point {
      constructor(readonly y: number, readonly x: number) {}
    }
    const cases: [unknown, string][] = [
      [{ at: new Date(0) }, '{"at":"1970-01-01T00:00:00.000Z"}'],
      [new Map([["a", 1]]), "{}"],
      [{ n: Object(5), s: Object("x") }, '{"n":5,"s":"x"}'],
      [{ v: { toJSON: () => ({ b: 1, a: 2 }) } }, '{"v":{"a":2,"b":1}}'],
      [new Point(1, 2), '{"x":2,"y":1}'],
      [{ a: undefined, b: () => 1, c: [undefined, () => 1] }, '{"c":[null,null]}'],
      [undefined, "null"],
    ];
    for (const [v, out] of cases) {
      expect(canonicalJson(v)).toBe(out);
      expect(slowCanonicalJson(v)).toBe(out);
    }
  });

  it("keeps an own `__proto__` key as a key", () => {
    const v = JSON.parse('{"__proto__":{"x":1},"a":2}');
    expect(canonicalJson(v)).toBe('{"__proto__":{"x":1},"a":2}');
    expect(canonicalJson(v)).toBe(canonicalize(v));
  });

  it("hands deep nesting to the iterative serialiser, and refuses cycles and bigints", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200; i++) deep = { d: deep };
    expect(canonicalJson(deep)).toBe(canonicalize(deep));
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(AuditError);
    expect(() => canonicalJson({ n: 1n })).toThrow(/value cannot be written as JSON/);
  });
});

describe("wellFormed", () => {
  it("replaces lone surrogates only", () => {
    expect(wellFormed("a\ud83d\ude00b")).toBe("a\ud83d\ude00b");
    expect(wellFormed("\ud83d")).toBe("\ufffd");
    expect(wellFormed("\ude00\ud83d")).toBe("\ufffd\ufffd");
    expect(wellFormed("x\ud83dy\ude00")).toBe("x\ufffdy\ufffd");
  });
});
