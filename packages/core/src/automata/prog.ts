/**
 * The bridge to `@bufbuild/re2`: it parses RE2 syntax (so our accepted language is exactly
 * RE2's) and hands back its rune-level program, which `nfa.ts` lowers to bytes.
 */
import { RE2JS, RE2JSSyntaxException } from "@bufbuild/re2";
import { normalizeRanges } from "./utf8.js";

// Opcodes of `Inst` in @bufbuild/re2 0.6.1 (dist/esm/Inst.js). The class is not exported from the
// package entry point, so they are mirrored here; prog.test.ts pins them against real programs.
export const OP_ALT = 1;
export const OP_ALT_MATCH = 2;
export const OP_CAPTURE = 3;
export const OP_EMPTY_WIDTH = 4;
export const OP_FAIL = 5;
export const OP_MATCH = 6;
export const OP_NOP = 7;
export const OP_RUNE = 8;
export const OP_RUNE1 = 9;
export const OP_RUNE_ANY = 10;
export const OP_RUNE_ANY_NOT_NL = 11;

// EMPTY_WIDTH flag bits (dist/esm/Utils.js EMPTY_*); an instruction's `arg` may combine several.
export const EMPTY_BEGIN_LINE = 1;
export const EMPTY_END_LINE = 2;
export const EMPTY_BEGIN_TEXT = 4;
export const EMPTY_END_TEXT = 8;
export const EMPTY_WORD_BOUNDARY = 16;
export const EMPTY_NO_WORD_BOUNDARY = 32;

/** RE2Flags.FOLD_CASE: set in `arg` of a single-rune RUNE instruction compiled under `(?i)`. */
const FOLD_CASE = 1;
/** A code point with no case mapping, used as a sentinel class member in `foldOrbit`. */
const CASELESS_SENTINEL = 0x10ffff;
/** The largest simple case-fold orbit in Unicode has 4 members; more means we misread the parser. */
const MAX_ORBIT = 4;

/** The shape of `@bufbuild/re2`'s `Inst` that we rely on. */
export interface RuneInst {
  readonly op: number;
  readonly out: number;
  readonly arg: number;
  /** One rune (a literal, case-folded if `arg & FOLD_CASE`) or inclusive `[lo, hi, lo, hi, …]` pairs. */
  readonly runes: readonly number[];
  matchRune(r: number): boolean;
}

/** The shape of `@bufbuild/re2`'s `Prog`. */
export interface RuneProg {
  readonly inst: readonly RuneInst[];
  readonly start: number;
}

export type ParseResult = { ok: true; prog: RuneProg } | { ok: false; error: string };

/**
 * Parses an RE2 pattern into its rune-level program, turning the library's exceptions into
 * our error messages; constructs that need backtracking get a message saying so.
 *
 * @example parseRe2("a+b").ok // true
 * @example parseRe2("(?=a)") // { ok: false, error: "pattern `(?=a)` is not supported: lookahead needs backtracking, …" }
 */
export function parseRe2(pattern: string): ParseResult {
  try {
    return { ok: true, prog: RE2JS.compile(pattern).re2().prog };
  } catch (e) {
    const backtracking = backtrackingConstruct(pattern);
    if (backtracking !== null) {
      return {
        ok: false,
        error:
          `pattern \`${pattern}\` is not supported: ${backtracking} needs backtracking; ` +
          "RE2 syntax leaves out lookaround and backreferences so that matching stays linear-time",
      };
    }
    if (e instanceof RE2JSSyntaxException) {
      const where = e.input !== null && e.input !== "" ? ` at \`${e.input}\`` : "";
      return { ok: false, error: `pattern \`${pattern}\` is invalid: ${e.error}${where}` };
    }
    return { ok: false, error: `pattern \`${pattern}\` is invalid: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/**
 * Names the first backtracking-only construct (lookaround, backreference, atomic group,
 * recursion) in a pattern the parser rejected, or null. Only consulted after a parse error, so
 * a false positive can only reword an error, never refuse a valid pattern.
 *
 * @example backtrackingConstruct("(?<=a)b") // "lookbehind"
 * @example backtrackingConstruct("[(?=]") // null
 */
export function backtrackingConstruct(p: string): string | null {
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === "\\") {
      const n = p[i + 1] ?? "";
      if (n === "Q") {
        // \Q…\E quotes metacharacters; nothing inside can be a construct.
        const end = p.indexOf("\\E", i + 2);
        if (end < 0) return null;
        i = end + 1;
        continue;
      }
      if (!inClass && (/[1-9]/.test(n) || n === "k" || n === "g")) return "a backreference";
      i++;
      continue;
    }
    if (inClass) {
      if (p.startsWith("[:", i)) {
        const end = p.indexOf(":]", i + 2);
        if (end >= 0) i = end + 1;
      } else if (c === "]") {
        inClass = false;
      }
      continue;
    }
    if (c === "[") {
      inClass = true;
      // A leading `^` negates, and a `]` right after the opening bracket is a literal.
      if (p[i + 1] === "^") i++;
      if (p[i + 1] === "]") i++;
      continue;
    }
    if (c !== "(" || p[i + 1] !== "?") continue;
    const rest = p.slice(i + 2);
    if (rest.startsWith("=") || rest.startsWith("!")) return "lookahead";
    if (rest.startsWith("<=") || rest.startsWith("<!")) return "lookbehind";
    if (rest.startsWith("P=")) return "a backreference";
    if (rest.startsWith(">")) return "an atomic group";
    if (/^(?:R|[+-]?[0-9]|P>|&)/.test(rest)) return "recursion";
  }
  return null;
}

const orbitCache = new Map<number, readonly number[]>();

/**
 * The simple case-fold orbit of `r` exactly as `@bufbuild/re2` defines it (`(?i)k` matches k,
 * K and U+212A KELVIN SIGN). The library folds character classes at parse time, so we ask its
 * parser for `(?i)[r<sentinel>]`: the sentinel keeps the parser from collapsing the class back
 * into a case-folded literal, and is removed again.
 *
 * @example foldOrbit(0x6b) // [0x4b, 0x6b, 0x212a]
 */
export function foldOrbit(r: number): readonly number[] {
  const cached = orbitCache.get(r);
  if (cached !== undefined) return cached;
  const hex = (x: number): string => `\\x{${x.toString(16)}}`;
  const prog = RE2JS.compile(`(?i)[${hex(r)}${hex(CASELESS_SENTINEL)}]`).re2().prog;
  const inst = prog.inst.find((i) => i.op === OP_RUNE);
  if (inst === undefined) throw new Error(`internal: no character class when folding U+${r.toString(16)}`);
  const orbit: number[] = [];
  for (let i = 0; i + 1 < inst.runes.length; i += 2) {
    const lo = inst.runes[i] ?? 0;
    const hi = inst.runes[i + 1] ?? -1;
    if (hi - lo >= MAX_ORBIT) throw new Error(`internal: oversized fold orbit for U+${r.toString(16)}`);
    for (let x = lo; x <= hi; x++) if (x !== CASELESS_SENTINEL || r === CASELESS_SENTINEL) orbit.push(x);
  }
  if (!orbit.includes(r) || orbit.length > MAX_ORBIT) {
    throw new Error(`internal: unexpected fold orbit for U+${r.toString(16)}`);
  }
  orbitCache.set(r, orbit);
  return orbit;
}

/**
 * The set of runes a rune instruction consumes, as sorted, merged, surrogate-free inclusive
 * pairs `[lo, hi, …]`.
 *
 * @example runeRanges(RE2JS.compile("(?i)k").re2().prog.inst[1]) // [0x4b, 0x4b, 0x6b, 0x6b, 0x212a, 0x212a]
 */
export function runeRanges(inst: RuneInst): number[] {
  const r0 = inst.runes[0];
  if (inst.runes.length === 1 && r0 !== undefined) {
    if ((inst.arg & FOLD_CASE) === 0) return r0 <= 0x7f ? [r0, r0] : normalizeRanges([r0, r0]);
    // Keep only runes the library itself accepts, so a parser surprise can shrink but never widen the set.
    const orbit = foldOrbit(r0).filter((x) => inst.matchRune(x));
    return normalizeRanges(orbit.flatMap((x) => [x, x]));
  }
  const lo = inst.runes[0] ?? 0;
  const hi = inst.runes[1] ?? -1;
  // One pair clear of the surrogates is already normal (the common case for literals).
  if (inst.runes.length === 2 && lo <= hi && (hi < 0xd800 || lo > 0xdfff)) return [lo, hi];
  return normalizeRanges(inst.runes);
}
