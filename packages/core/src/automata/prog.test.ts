import { RE2JS } from "@bufbuild/re2";
import { describe, expect, it } from "vitest";
import {
  EMPTY_BEGIN_LINE,
  EMPTY_BEGIN_TEXT,
  EMPTY_END_LINE,
  EMPTY_END_TEXT,
  EMPTY_NO_WORD_BOUNDARY,
  EMPTY_WORD_BOUNDARY,
  OP_ALT,
  OP_CAPTURE,
  OP_EMPTY_WIDTH,
  OP_FAIL,
  OP_MATCH,
  OP_NOP,
  OP_RUNE,
  OP_RUNE1,
  OP_RUNE_ANY,
  OP_RUNE_ANY_NOT_NL,
  backtrackingConstruct,
  foldOrbit,
  parseRe2,
  runeRanges,
} from "./prog.js";

const ops = (pattern: string): number[] => RE2JS.compile(pattern).re2().prog.inst.map((i) => i.op);
const emptyArgs = (pattern: string): number[] =>
  RE2JS.compile(pattern)
    .re2()
    .prog.inst.filter((i) => i.op === OP_EMPTY_WIDTH)
    .map((i) => i.arg);

describe("the @bufbuild/re2 program shape we mirror", () => {
  it("has the opcodes we hard-code", () => {
    expect(ops("a")).toEqual([OP_FAIL, OP_RUNE1, OP_MATCH]);
    expect(ops("[ab]")).toEqual([OP_FAIL, OP_RUNE, OP_MATCH]);
    expect(ops("(?s).")).toEqual([OP_FAIL, OP_RUNE_ANY, OP_MATCH]);
    expect(ops(".")).toEqual([OP_FAIL, OP_RUNE_ANY_NOT_NL, OP_MATCH]);
    expect(ops("(a)")).toEqual([OP_FAIL, OP_CAPTURE, OP_RUNE1, OP_CAPTURE, OP_MATCH]);
    expect(ops("ab|cd")).toContain(OP_ALT);
    expect(ops("")).toEqual([OP_FAIL, OP_NOP, OP_MATCH]);
  });

  it("has the empty-width flags we hard-code", () => {
    expect(emptyArgs("(?m)^")).toEqual([EMPTY_BEGIN_LINE]);
    expect(emptyArgs("(?m)$")).toEqual([EMPTY_END_LINE]);
    expect(emptyArgs("\\A")).toEqual([EMPTY_BEGIN_TEXT]);
    expect(emptyArgs("\\z")).toEqual([EMPTY_END_TEXT]);
    expect(emptyArgs("\\b")).toEqual([EMPTY_WORD_BOUNDARY]);
    expect(emptyArgs("\\B")).toEqual([EMPTY_NO_WORD_BOUNDARY]);
    // Without (?m), ^ and $ are text anchors: $ does not match before a final newline.
    expect(emptyArgs("^$")).toEqual([EMPTY_BEGIN_TEXT, EMPTY_END_TEXT]);
  });
});

describe("case folding", () => {
  it("finds RE2's simple-fold orbits, including the non-ASCII members of ASCII letters", () => {
    expect(foldOrbit(0x6b)).toEqual([0x4b, 0x6b, 0x212a]); // k K KELVIN SIGN
    expect(foldOrbit(0x212a)).toEqual([0x4b, 0x6b, 0x212a]);
    expect(foldOrbit(0x73)).toEqual([0x53, 0x73, 0x17f]); // s S LONG S
    expect(foldOrbit(0x3c3)).toEqual([0x3a3, 0x3c2, 0x3c3]); // Σ ς σ
    expect(foldOrbit(0xe9)).toEqual([0xc9, 0xe9]); // É é
  });

  it("agrees with the library's own matcher for every rune of the folding range it tests", () => {
    const wrong: string[] = [];
    // The library folds runes between U+0041 and U+1E943; sample that range densely.
    for (let r = 0x41; r <= 0x1e943; r += r < 0x3000 ? 1 : 37) {
      if (r >= 0xd800 && r <= 0xdfff) continue; // surrogates have no UTF-8 form
      const inst = RE2JS.compile(`(?i)\\x{${r.toString(16)}}`).re2().prog.inst[1];
      if (inst === undefined) continue;
      const ranges = runeRanges(inst);
      const members: number[] = [];
      for (let i = 0; i < ranges.length; i += 2) for (let x = ranges[i] ?? 0; x <= (ranges[i + 1] ?? -1); x++) members.push(x);
      for (const m of members) if (!inst.matchRune(m)) wrong.push(`U+${r.toString(16)} ∌ U+${m.toString(16)}`);
      // Every case variant JavaScript knows of must be in the orbit too (if the library folds it).
      const s = String.fromCodePoint(r);
      for (const v of [s.toLowerCase(), s.toUpperCase()]) {
        const cp = v.codePointAt(0) ?? 0;
        if ([...v].length === 1 && inst.matchRune(cp) && !members.includes(cp)) wrong.push(`U+${r.toString(16)} misses U+${cp.toString(16)}`);
      }
      if (wrong.length > 10) break;
    }
    expect(wrong).toEqual([]);
  });
});

describe("parseRe2 errors", () => {
  it.each([
    ["(?=a)", "lookahead"],
    ["(?!a)", "lookahead"],
    ["(?<=a)b", "lookbehind"],
    ["(?<!a)b", "lookbehind"],
    ["(a)\\1", "a backreference"],
    ["(?P<n>a)(?P=n)", "a backreference"],
    ["(?<n>a)\\k<n>", "a backreference"],
    ["(?>a+)b", "an atomic group"],
    ["(a(?R)?b)", "recursion"],
  ])("refuses %s as needing backtracking", (pattern, what) => {
    const r = parseRe2(pattern);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toContain(`pattern \`${pattern}\` is not supported: ${what} needs backtracking`);
    }
  });

  it("reports ordinary syntax errors with the offending text", () => {
    expect(parseRe2("[a")).toEqual({ ok: false, error: "pattern `[a` is invalid: missing closing ] at `[a`" });
    expect(parseRe2("a{1001}")).toEqual({ ok: false, error: "pattern `a{1001}` is invalid: invalid repeat count at `{1001}`" });
    expect(parseRe2("\\C")).toMatchObject({ ok: false, error: expect.stringContaining("invalid escape sequence") });
  });

  it("does not mistake escaped or bracketed text for a construct", () => {
    expect(backtrackingConstruct("\\(?=")).toBeNull();
    expect(backtrackingConstruct("[(?=]")).toBeNull();
    expect(backtrackingConstruct("[]\\1]")).toBeNull();
    expect(backtrackingConstruct("\\Q(?=\\E")).toBeNull();
    expect(backtrackingConstruct("(?-i:a)[")).toBeNull();
    expect(backtrackingConstruct("[[:alpha:]](?=")).toBe("lookahead");
  });
});
