import { describe, expect, it } from "vitest";
import { encodeRune, normalizeRanges, utf8Sequences, type ByteRange } from "./utf8.js";
import { rng } from "./dfa.test-support.js";

const matches = (seqs: ByteRange[][], bytes: readonly number[]): boolean =>
  seqs.some((seq) => seq.length === bytes.length && seq.every((r, i) => (bytes[i] ?? -1) >= r.lo && (bytes[i] ?? -1) <= r.hi));

describe("encodeRune", () => {
  it("agrees with TextEncoder on every encoding length", () => {
    for (const r of [0, 0x41, 0x7f, 0x80, 0xe9, 0x7ff, 0x800, 0x65e5, 0xd7ff, 0xe000, 0xffff, 0x10000, 0x1f600, 0x10ffff]) {
      expect(encodeRune(r)).toEqual([...new TextEncoder().encode(String.fromCodePoint(r))]);
    }
  });
});

describe("normalizeRanges", () => {
  it("sorts, merges adjacent and overlapping ranges, and drops surrogates", () => {
    expect(normalizeRanges([0x61, 0x7a, 0x41, 0x5a, 0x5b, 0x5b])).toEqual([0x41, 0x5b, 0x61, 0x7a]);
    expect(normalizeRanges([0, 0x10ffff])).toEqual([0, 0xd7ff, 0xe000, 0x10ffff]);
    expect(normalizeRanges([0xd800, 0xdfff])).toEqual([]);
    expect(normalizeRanges([0xd000, 0xd900, 0xdc00, 0xe100])).toEqual([0xd000, 0xd7ff, 0xe000, 0xe100]);
  });
});

describe("utf8Sequences", () => {
  it("covers exactly the encodings of a range, checked on boundaries and random runes", () => {
    const random = rng(7);
    const interesting = [0, 0x7f, 0x80, 0x7ff, 0x800, 0xfff, 0x1000, 0xd7ff, 0xe000, 0xffff, 0x10000, 0x3ffff, 0x40000, 0x10ffff];
    const valid = (r: number): boolean => r >= 0 && r <= 0x10ffff && (r < 0xd800 || r > 0xdfff);
    const wrong: string[] = [];
    for (let trial = 0; trial < 300; trial++) {
      const pick = (): number => (random() < 0.4 ? (interesting[Math.floor(random() * interesting.length)] ?? 0) : Math.floor(random() * 0x110000));
      let lo = pick();
      let hi = pick();
      if (lo > hi) [lo, hi] = [hi, lo];
      const ranges = normalizeRanges([lo, hi]);
      const seqs: ByteRange[][] = [];
      for (let i = 0; i < ranges.length; i += 2) seqs.push(...utf8Sequences(ranges[i] ?? 0, ranges[i + 1] ?? 0));
      const probes = [lo, hi, lo - 1, hi + 1, ...interesting, ...interesting.map((x) => x + 1), ...interesting.map((x) => x - 1)];
      for (let i = 0; i < 40; i++) probes.push(lo + Math.floor(random() * (hi - lo + 1)), Math.floor(random() * 0x110000));
      for (const r of probes) {
        if (!valid(r)) continue;
        if (matches(seqs, encodeRune(r)) !== (r >= lo && r <= hi)) wrong.push(`U+${r.toString(16)} vs [${lo.toString(16)}, ${hi.toString(16)}]`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("never accepts a surrogate encoding or an overlong form", () => {
    const seqs = utf8Sequences(0, 0xd7ff).concat(utf8Sequences(0xe000, 0x10ffff));
    expect(matches(seqs, [0xed, 0xa0, 0x80])).toBe(false); // U+D800
    expect(matches(seqs, [0xc0, 0x80])).toBe(false); // overlong NUL
    expect(matches(seqs, [0xe0, 0x80, 0x80])).toBe(false); // overlong 3-byte
    expect(matches(seqs, [0xf4, 0x90, 0x80, 0x80])).toBe(false); // above U+10FFFF
  });

  it("splits the whole code space into the classic nine sequences", () => {
    const seqs = utf8Sequences(0, 0xd7ff).concat(utf8Sequences(0xe000, 0x10ffff));
    expect(seqs.map((s) => s.map((r) => `${r.lo.toString(16)}-${r.hi.toString(16)}`).join(" "))).toEqual([
      "0-7f",
      "c2-df 80-bf",
      "e0-e0 a0-bf 80-bf",
      "e1-ec 80-bf 80-bf",
      "ed-ed 80-9f 80-bf",
      "ee-ef 80-bf 80-bf",
      "f0-f0 90-bf 80-bf 80-bf",
      "f1-f3 80-bf 80-bf 80-bf",
      "f4-f4 80-8f 80-bf 80-bf",
    ]);
  });
});
