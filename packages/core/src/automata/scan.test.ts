import { describe, expect, it } from "vitest";
import { compileScanPattern, longestMatch, matchStarts, scanBudget, scanText, validateScanDfa, type ScanPattern } from "./scan.js";
import { rng, utf8 } from "./dfa.test-support.js";

const compiled = (pattern: string): ScanPattern => {
  const r = compileScanPattern(pattern);
  if (!r.ok) throw new Error(r.error);
  expect(validateScanDfa(r.pattern.forward)).toBeNull();
  expect(validateScanDfa(r.pattern.reverse)).toBeNull();
  return r.pattern;
};

/** Byte offset of UTF-16 index `i` of `s`. */
const byteAt = (s: string, i: number): number => utf8(s.slice(0, i)).length;

/** UTF-16 indices of the code point boundaries of `s`, 0 and s.length included. */
const boundaries = (s: string): number[] => {
  const out = [0];
  let i = 0;
  for (const ch of s) {
    i += ch.length;
    out.push(i);
  }
  return out;
};

/**
 * JavaScript's answer to "does the pattern match exactly s[i, j)?", with the text around it in view
 * (for `^`, `$` and `\b`): a sticky match at i whose end is pinned to j by a lookahead that counts the code
 * points left. Backtracking tries every way, so this is exact, if slow.
 */
function exactly(js: RegExp, s: string, i: number, j: number): boolean {
  const rest = [...s.slice(j)].length;
  const pinned = new RegExp(`(?:${js.source})(?=[^]{${rest}}(?![^]))`, `${js.flags}y`);
  pinned.lastIndex = i;
  return pinned.test(s);
}

/** Leftmost-longest, non-overlapping matches by brute force over JavaScript's RegExp, as byte spans. */
function reference(js: RegExp, s: string): [number, number][] {
  const b = boundaries(s);
  const spans: [number, number][] = [];
  let pos = 0;
  outer: while (pos < b.length - 1) {
    for (let a = pos; a < b.length - 1; a++) {
      for (let z = b.length - 1; z > a; z--) {
        if (exactly(js, s, b[a]!, b[z]!)) {
          spans.push([byteAt(s, b[a]!), byteAt(s, b[z]!)]);
          pos = z;
          continue outer;
        }
      }
    }
    break;
  }
  return spans;
}

// RE2 pattern, the same in JavaScript (`u` mode; RE2's `\s` is ASCII, `.` excludes only \n here because
// the alphabet has no \r or \u2028), and an alphabet to draw texts from.
const CASES: [string, RegExp, string][] = [
  ["sk-[A-Za-z0-9]{20,}", /sk-[A-Za-z0-9]{20,}/u, "sk-Ab9 _"],
  ["(?i)aws_secret_access_key\\s*=\\s*\\S+", /aws_secret_access_key[\t\n\f\r ]*=[\t\n\f\r ]*[^\t\n\f\r ]+/iu, "aws_secret_access_keyAWS= \nx"],
  ["a|a*b", /a|a*b/u, "ab "],
  ["ab|abc|abcd", /ab|abc|abcd/u, "abcd"],
  ["\\bfoo\\b", /\bfoo\b/u, "fo _-"],
  ["\\Bb+", /\Bb+/u, "ab é"],
  ["^ab", /^ab/u, "ab\n"],
  ["ab$", /ab$/u, "ab\n"],
  ["(?m)^x+$", /^x+$/mu, "x\ny"],
  ["é+|日本", /é+|日本/u, "éeé日本 "],
  ["😀+x?", /😀+x?/u, "😀xy"],
  ["[a-c]+x?", /[a-c]+x?/u, "abcx d"],
  ["\\d{3}-\\d{4}", /\d{3}-\d{4}/u, "12-3 "],
  ["x(yz)*", /x(yz)*/u, "xyz"],
  ["(?s).b", /[^]b/u, "ab\n😀"],
  [".+", /.+/u, "a\né"],
  ["(a|ab)(c|bcd)", /(a|ab)(c|bcd)/u, "abcd"],
  ["\\w+@\\w+\\.com", /\w+@\w+\.com/u, "a@b.com x"],
];

describe("scan tables against JavaScript's RegExp", () => {
  for (const [re2, js, alphabet] of CASES) {
    it(`finds the leftmost-longest matches of \`${re2}\``, () => {
      const p = compiled(re2);
      const random = rng(re2.length * 7919);
      const letters = [...alphabet];
      for (let t = 0; t < 60; t++) {
        const len = Math.floor(random() * 14);
        let s = "";
        for (let i = 0; i < len; i++) s += letters[Math.floor(random() * letters.length)];
        if (t % 5 === 0) s += re2 === "sk-[A-Za-z0-9]{20,}" ? "sk-" + "A".repeat(20 + t % 3) : "";
        const bytes = utf8(s);
        // The reverse table alone: a start is marked exactly where some match starts.
        const starts = matchStarts(p, bytes);
        const b = boundaries(s);
        for (let a = 0; a < b.length - 1; a++) {
          const want = b.slice(a + 1).some((z) => exactly(js, s, b[a]!, z));
          expect(starts[byteAt(s, b[a]!)], `start at ${a} of ${JSON.stringify(s)}`).toBe(want ? 1 : 0);
          // The forward table alone: the longest match from there.
          let longest = -1;
          for (let z = b.length - 1; z > a; z--) if (exactly(js, s, b[a]!, b[z]!)) { longest = byteAt(s, b[z]!); break; }
          expect(longestMatch(p, bytes, byteAt(s, b[a]!), 1e9).end, `end from ${a} of ${JSON.stringify(s)}`).toBe(longest);
        }
        expect(scanText(p, bytes).spans, JSON.stringify(s)).toEqual(reference(js, s));
      }
    });
  }

  it("never marks a position inside a multi-byte character", () => {
    const p = compiled("(?s).");
    const bytes = utf8("a é 日 😀");
    const starts = matchStarts(p, bytes);
    bytes.forEach((b, i) => expect(starts[i]).toBe((b & 0xc0) === 0x80 ? 0 : 1));
  });
});

describe("compileScanPattern", () => {
  it("refuses patterns that can match the empty string, in any context", () => {
    for (const p of ["x*", "a?", "\\b", "^", "$", "(?m)^$", "(a|)", "\\B"]) {
      const r = compileScanPattern(p);
      expect(r.ok, p).toBe(false);
      if (!r.ok) expect(r.error).toBe(`pattern \`${p}\` can match the empty string; a redaction pattern must match at least one character`);
    }
  });

  it("refuses what the matcher refuses, naming the pattern", () => {
    const r = compileScanPattern("(?=a)b");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/^pattern `\(\?=a\)b` is not supported: lookahead needs backtracking/);
    const big = compileScanPattern("[a-q][^u-z]{13}x", { maxStates: 64 });
    expect(big.ok).toBe(false);
    if (!big.ok) expect(big.error).toBe("pattern `[a-q][^u-z]{13}x` needs more than 64 automaton states; simplify it");
  });

  it("keeps the tables of the design's example small", () => {
    for (const p of ["(?i)aws_secret_access_key\\s*=\\s*\\S+", "sk-[A-Za-z0-9]{20,}"]) {
      const { forward, reverse } = compiled(p);
      expect(forward.stateCount).toBeLessThan(100);
      expect(reverse.stateCount).toBeLessThan(200);
    }
  });
});

describe("the step budget", () => {
  it("stays linear on a pattern that makes forward runs rescan the text", () => {
    // `ab|a[ab ]*c` matches every "ab", and from each one the forward run reads to the end looking for c.
    const p = compiled("ab|a[ab ]*c");
    const n = 1 << 20;
    const text = utf8("ab ".repeat(Math.ceil(n / 3)).slice(0, n));
    const r = scanText(p, text);
    expect(r.exhausted).toBe(true);
    // One backward pass plus at most the budget forward.
    expect(r.steps).toBeLessThanOrEqual(n + scanBudget(n));
    // Exact up to where the budget ran out, then everything from that match's start to the end.
    const last = r.spans[r.spans.length - 1]!;
    expect(last[1]).toBe(n);
    expect(last[0] % 3).toBe(0);
    r.spans.slice(0, -1).forEach(([a, b], i) => expect([a, b]).toEqual([3 * i, 3 * i + 2]));
    expect(r.spans.length).toBeGreaterThan(1);
  });

  it("is not touched by ordinary patterns on large inputs", () => {
    const p = compiled("sk-[A-Za-z0-9]{20,}");
    const filler = "lorem ipsum sk-short dolor 0123456789abcdef ";
    const key = "sk-" + "Q".repeat(40);
    const s = (filler.repeat(400) + key + " ").repeat(60);
    const r = scanText(p, utf8(s));
    expect(r.exhausted).toBe(false);
    expect(r.spans.length).toBe(60);
    expect(r.steps).toBeLessThan(2 * s.length);
  });
});
