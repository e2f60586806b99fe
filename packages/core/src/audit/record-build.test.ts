import canonicalize from "canonicalize";
import { describe, expect, it } from "vitest";
import { decision, hex, randomEntry, rng } from "./audit.test-support.js";
import { toPlainJson } from "./canonical.js";
import { buildCheckpoint, buildRecord, NotPlain } from "./record-build.js";

const TS = "2026-01-01T00:00:00.000Z";

describe("buildRecord", () => {
  it("builds records whose JSON.stringify is canonicalize's output (5,000 generated entries)", () => {
    let differs = 0;
    let plain = 0;
    for (let i = 0; i < 5_000; i++) {
      const e = randomEntry(rng(i), { indexKeys: i % 4 === 0 });
      const { record, explicit } = buildRecord(e, i, TS);
      record.prev = hex("d");
      const expected = canonicalize({ ...toPlainJson(e) as object, v: 1, seq: i, ts: TS, prev: hex("d") });
      if (explicit) {
        // Integer-like keys enumerate first: JSON.stringify may not give the canonical order, and the
        // chain serialises such a record field by field.
        if (JSON.stringify(record) !== expected) differs++;
      } else {
        plain++;
        expect(JSON.stringify(record)).toBe(expected);
      }
    }
    // Both kinds must have been generated for this test to mean anything.
    expect(differs).toBeGreaterThan(50);
    expect(plain).toBeGreaterThan(3_000);
  });

  it("marks a record explicit exactly when one of its objects has an array-index key", () => {
    expect(buildRecord(decision(1, { event: { "10": 1, "9": 2 } }), 0, TS).explicit).toBe(true);
    expect(buildRecord(decision(1, { event: { "01": 1, "-1": 2, "4294967295": 3, "1e3": 4 } }), 0, TS).explicit).toBe(false);
    expect(buildRecord(decision(1), 0, TS).explicit).toBe(false);
  });

  it("copies what it keeps: changing the entry afterwards changes nothing", () => {
    const e = decision(1, { matched: ["a"], event: { nested: { x: 1 } } });
    const { record } = buildRecord(e, 0, TS);
    const before = JSON.stringify(record);
    e.matched!.push("b");
    (e.event!.nested as { x: number }).x = 2;
    (e.action!.args as { amount: number }).amount = 99;
    e.action!.tool = "other";
    expect(JSON.stringify(record)).toBe(before);
  });

  it("keeps only the format's fields", () => {
    const e = { ...decision(1), extra: "x", action: { kind: "tool", tool: "t", line: "a" } };
    const { record } = buildRecord(e as never, 0, TS);
    expect(Object.keys(record)).not.toContain("extra");
    expect(record.action).toEqual({ kind: "tool", tool: "t" });
  });

  it("refuses values that are not plain data, for the caller to make plain first", () => {
    for (const event of [{ at: new Date(0) }, { m: new Map() }, { n: 1n }, { v: { toJSON: () => 1 } }]) {
      expect(() => buildRecord(decision(1, { event }), 0, TS)).toThrow(NotPlain);
    }
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 40; i++) deep = { d: deep };
    expect(() => buildRecord(decision(1, { event: deep }), 0, TS)).toThrow(NotPlain);
    expect(() => buildRecord(decision(1, { event: deep }), 0, TS, Infinity)).not.toThrow();
  });
});

describe("buildCheckpoint", () => {
  it("orders a checkpoint's keys canonically", () => {
    const r = buildCheckpoint(5, TS, 1767225600000);
    r.prev = hex("d");
    r.event = { head: hex("d"), key: "k", signature: "s" };
    expect(JSON.stringify(r)).toBe(canonicalize(r));
  });
});
