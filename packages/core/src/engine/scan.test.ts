import { describe, it, expect } from "vitest";
import { toUtf16, utf8Length, type RedactSpan } from "./scan.js";
import { rng } from "../automata/dfa.test-support.js";

const enc = new TextEncoder();
const UNITS = ["a", "é", "日", "😀", "\ud800", "\udc00", "\n", "ß"];

function randomString(random: () => number, len: number): string {
  let s = "";
  for (let i = 0; i < len; i++) s += UNITS[Math.floor(random() * UNITS.length)];
  return s;
}

const isPairMiddle = (s: string, i: number) => i > 0 && i < s.length && (s.charCodeAt(i - 1) & 0xfc00) === 0xd800 && (s.charCodeAt(i) & 0xfc00) === 0xdc00;

describe("UTF-8 offsets and UTF-16 indices", () => {
  it("counts bytes as TextEncoder writes them, lone surrogates included", () => {
    const random = rng(99);
    for (let t = 0; t < 500; t++) {
      const s = randomString(random, Math.floor(random() * 20));
      expect(utf8Length(s), JSON.stringify(s)).toBe(enc.encode(s).length);
    }
  });

  it("maps boundaries exactly, and widens an offset inside a character to the whole character", () => {
    const random = rng(7);
    for (let t = 0; t < 120; t++) {
      const s = randomString(random, 1 + Math.floor(random() * 8));
      const n = utf8Length(s);
      // Byte offsets where a character starts (a lone surrogate is one character, U+FFFD), and the end.
      const bounds = [...s.matchAll(/[\ud800-\udbff][\udc00-\udfff]|[^]/gu)].map((m) => utf8Length(s.slice(0, m.index))).concat(n);
      for (let a = 0; a < n; a++) {
        for (let z = a + 1; z <= n; z++) {
          const spans: RedactSpan[] = [{ start: a, end: z, rule: 0 }];
          toUtf16(s, spans);
          const { start, end } = spans[0]!;
          // Never splits a surrogate pair, never shrinks the span, and is exact on boundaries.
          expect(isPairMiddle(s, start) || isPairMiddle(s, end)).toBe(false);
          const before = utf8Length(s.slice(0, start));
          const upto = utf8Length(s.slice(0, end));
          expect(before).toBe(Math.max(...bounds.filter((x) => x <= a)));
          expect(upto).toBe(Math.min(...bounds.filter((x) => x >= z)));
        }
      }
    }
  });

  it("maps several ordered spans in one pass", () => {
    const s = "aé😀b日";
    const spans: RedactSpan[] = [{ start: 1, end: 3, rule: 0 }, { start: 3, end: 7, rule: 1 }, { start: 8, end: 11, rule: 0 }];
    toUtf16(s, spans);
    expect(spans.map((x) => s.slice(x.start, x.end))).toEqual(["é", "😀", "日"]);
  });
});
