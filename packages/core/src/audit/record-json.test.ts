import canonicalize from "canonicalize";
import { describe, expect, it } from "vitest";
import { hex, randomEntry, rng } from "./audit.test-support.js";
import { recordBody, recordLine, recordLineFrom } from "./record-json.js";
import type { AuditRecord } from "./record.js";

function record(seed: number, opts: { indexKeys?: boolean } = {}): Record<string, unknown> {
  const r = rng(seed);
  const e = randomEntry(r, opts);
  return { ...e, v: 1, seq: Math.floor(r() * 1e6), ts: new Date(e.now).toISOString(), prev: hex("d") };
}

describe("recordBody", () => {
  it("equals canonicalize over 5,000 generated records, in any key order", () => {
    for (let i = 0; i < 5_000; i++) {
      const r = record(i, { indexKeys: i % 2 === 0 });
      expect(recordBody(r)).toBe(canonicalize(r));
      // Reversed insertion order: the serialiser must not depend on it.
      const reversed = Object.fromEntries(Object.entries(r).reverse());
      expect(recordBody(reversed)).toBe(canonicalize(r));
    }
  });

  it("ignores `hash`, so the body is what was hashed", () => {
    const r = record(1);
    expect(recordBody({ ...r, hash: hex("e") })).toBe(recordBody(r));
  });

  it("writes only the format's keys (the caller checks there are no others)", () => {
    const r = record(2);
    expect(recordBody({ ...r, extra: 1 })).toBe(canonicalize(r));
  });
});

describe("recordLineFrom", () => {
  it("adds `hash` as the last member of the canonical body", () => {
    const r = record(3);
    const line = recordLineFrom(recordBody(r), hex("e"));
    expect(line.endsWith(`,"hash":"${hex("e")}"}`)).toBe(true);
    expect(JSON.parse(line)).toEqual({ ...JSON.parse(canonicalize(r)!), hash: hex("e") });
    expect(recordLineFrom("{}", hex("e"))).toBe(`{"hash":"${hex("e")}"}`);
  });
});

describe("recordLine", () => {
  it("serialises a record that holds values only JSON can write", () => {
    const r = { ...record(4), event: { at: new Date(0) }, hash: hex("e") } as unknown as AuditRecord;
    const line = recordLine(r);
    expect(JSON.parse(line).event).toEqual({ at: "1970-01-01T00:00:00.000Z" });
    expect(line).toBe(recordLineFrom(canonicalize(JSON.parse(JSON.stringify({ ...r, hash: undefined })))!, hex("e")));
  });
});
