import { describe, it, expect } from "vitest";
import { hash53, hashEnd, hashStep, hashValue, SEQUENCE_SEED } from "./hash.js";

describe("hashValue", () => {
  it("ignores object key order, at every depth", () => {
    expect(hashValue({ a: 1, b: { c: [1, "x"], d: null } })).toBe(hashValue({ b: { d: null, c: [1, "x"] }, a: 1 }));
  });
  it("tells apart values JSON tells apart", () => {
    const values = [1, "1", true, null, undefined, [1], [[1]], { a: 1 }, { a: "1" }, { b: 1 }, [1, 2], [2, 1], "", 0, 1.5, "ab", ["a", "b"]];
    expect(new Set(values.map(hashValue)).size).toBe(values.length);
  });
  it("is bounded on deep nesting", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(Number.isSafeInteger(hashValue(deep))).toBe(true);
  });
  it("never returns 0 (fresh engine records use 0 for no previous action)", () => {
    for (const s of ["", "a", "session-1"]) expect(hash53(s)).toBeGreaterThan(0);
  });
});

describe("sequence hashing", () => {
  it("equals hashing the values as one list, and depends on their order", () => {
    const values = ["http", undefined, { a: [1, 2] }, 3.5, null];
    let h = SEQUENCE_SEED;
    for (const v of values) h = hashStep(h, v);
    expect(hashEnd(h, values.length)).toBe(hashValue(values));
    let r = SEQUENCE_SEED;
    for (const v of [...values].reverse()) r = hashStep(r, v);
    expect(hashEnd(r, values.length)).not.toBe(hashValue(values));
  });
});
