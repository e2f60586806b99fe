/**
 * Globs and sets of exact strings/globs → full-match DFAs.
 *
 * A glob is parsed into tokens (one rune from a set, or a run of them); the tokens of all
 * entries go into one suffix-shared trie (`trie.ts`) and through the same NFA → DFA pipeline
 * as regexes, in anchored mode. `globToRe2` renders the same tokens as RE2 syntax; the tests
 * check that both routes accept the same inputs.
 */
import { DEFAULT_MAX_STATES, HARD_MAX_STATES, constructionBudget, neverDfa, resolveMaxStates, type CompileOptions, type DfaResult } from "./dfa.js";
import { compileProgram } from "./regex.js";
import { exactSetDfa } from "./set-dfa.js";
import { setProgram, type Token } from "./trie.js";
import { MAX_RUNE, normalizeRanges } from "./utf8.js";

const SLASH = 0x2f;
/** In a `u` regex a surrogate half only matches when it is unpaired. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
/** Any character except `/`: what `?` and `*` range over. */
const NOT_SLASH: readonly number[] = [0, SLASH - 1, SLASH + 1, MAX_RUNE];
/** Any character at all: what `**` ranges over. */
const ANY: readonly number[] = [0, MAX_RUNE];

export type GlobTranslation = { ok: true; pattern: string } | { ok: false; error: string };

/** Characters that may stand for themselves in RE2 syntax; everything else is written `\x{…}`. */
const PLAIN = /^[0-9A-Za-z_]$/u;

function re2Rune(r: number): string {
  const ch = String.fromCodePoint(r);
  return PLAIN.test(ch) ? ch : `\\x{${r.toString(16)}}`;
}

const oneCache = new Map<number, Token>();

/** The token for exactly the rune r (shared, as sets repeat the same characters endlessly). */
function one(r: number): Token {
  let t = oneCache.get(r);
  if (t === undefined) {
    // normalizeRanges drops a lone surrogate, leaving a token that matches nothing.
    t = { star: false, ranges: normalizeRanges([r, r]) };
    oneCache.set(r, t);
  }
  return t;
}

/**
 * Parses a glob into tokens:
 * `*` → any run of characters except `/`, `**` (or more stars) → any run including `/`,
 * `?` → one character except `/`, `[abc]`, `[a-z]` → one of the listed characters,
 * `[!abc]`/`[^abc]` → one character not listed and not `/` (like `?`), `\x` → the literal x;
 * anything else is literal. Returns an error message for malformed globs.
 *
 * @example parseGlob("a?") // [{ star: false, ranges: [0x61, 0x61] }, { star: false, ranges: [0, 0x2e, 0x30, 0x10ffff] }]
 */
export function parseGlob(glob: string): Token[] | string {
  const chars = Array.from(glob); // code points, so `?` and escapes work on whole characters
  const out: Token[] = [];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] ?? "";
    if (ch === "*") {
      let run = 1;
      while (chars[i + 1] === "*") {
        run++;
        i++;
      }
      out.push({ star: true, ranges: run >= 2 ? ANY : NOT_SLASH });
    } else if (ch === "?") {
      out.push({ star: false, ranges: NOT_SLASH });
    } else if (ch === "\\") {
      const next = chars[++i];
      if (next === undefined) return `glob \`${glob}\` is invalid: it ends with a lone backslash`;
      out.push(one(next.codePointAt(0) ?? 0));
    } else if (ch === "[") {
      const cls = parseClass(chars, i + 1);
      if (typeof cls === "string") return `glob \`${glob}\` is invalid: ${cls}`;
      out.push({ star: false, ranges: cls.ranges });
      i = cls.end;
    } else {
      out.push(one(ch.codePointAt(0) ?? 0));
    }
  }
  return out;
}

/** Parses the class starting after `[` at `from`: its rune ranges and the index of its `]`, or an error. */
function parseClass(chars: readonly string[], from: number): { ranges: number[]; end: number } | string {
  const unterminated = "unterminated character class `[`";
  let i = from;
  const negated = chars[i] === "!" || chars[i] === "^";
  if (negated) i++;
  const items: number[] = [];
  for (let first = true; ; first = false, i++) {
    let ch = chars[i];
    if (ch === undefined) return unterminated;
    // A `]` right after `[` or `[!` is a member, as in POSIX globs.
    if (ch === "]" && !first) break;
    if (ch === "\\") ch = chars[++i];
    if (ch === undefined) return unterminated;
    const lo = ch.codePointAt(0) ?? 0;
    let hi = lo;
    if (chars[i + 1] === "-" && chars[i + 2] !== undefined && chars[i + 2] !== "]") {
      i += 2;
      let end = chars[i];
      if (end === "\\") end = chars[++i];
      if (end === undefined) return unterminated;
      hi = end.codePointAt(0) ?? 0;
      if (hi < lo) return `character class range \`${ch}-${end}\` is reversed`;
    }
    items.push(lo, hi);
  }
  if (!negated) return { ranges: normalizeRanges(items), end: i };
  // Complement of the members plus `/` within all code points.
  const excluded = normalizeRanges([...items, SLASH, SLASH]);
  const ranges: number[] = [];
  let next = 0;
  for (let j = 0; j + 1 < excluded.length; j += 2) {
    if ((excluded[j] ?? 0) > next) ranges.push(next, (excluded[j] ?? 0) - 1);
    next = (excluded[j + 1] ?? 0) + 1;
  }
  if (next <= MAX_RUNE) ranges.push(next, MAX_RUNE);
  return { ranges: normalizeRanges(ranges), end: i };
}

/**
 * Renders a glob as an equivalent unanchored RE2 pattern (for display, and to cross-check the
 * direct construction against RE2's parser).
 *
 * @example globToRe2("*.corp.example") // { ok: true, pattern: "[^/]*\\x{2e}corp\\x{2e}example" }
 */
export function globToRe2(glob: string): GlobTranslation {
  const tokens = parseGlob(glob);
  if (typeof tokens === "string") return { ok: false, error: tokens };
  const render = (t: Token): string => {
    const r = t.ranges;
    let body: string;
    if (r.join() === NOT_SLASH.join()) body = "[^/]";
    else if (r.join() === ANY.join()) body = "(?s:.)";
    else if (r.length === 2 && r[0] === r[1]) body = re2Rune(r[0] ?? 0);
    else if (r.length === 0) body = "[^\\x{0}-\\x{10ffff}]"; // matches nothing, like an empty class
    else {
      body = "[";
      for (let i = 0; i + 1 < r.length; i += 2) body += `${re2Rune(r[i] ?? 0)}-${re2Rune(r[i + 1] ?? 0)}`;
      body += "]";
    }
    return t.star ? `${body}*` : body;
  };
  return { ok: true, pattern: tokens.map(render).join("") };
}

/**
 * Compiles a glob for full matching of the whole input (syntax: see {@link parseGlob}).
 *
 * @example
 * const r = compileGlob("*.corp.example");
 * // matches "a.corp.example" and "a.b.corp.example", not "corp.example" or "a/b.corp.example"
 */
export function compileGlob(glob: string, options?: CompileOptions): DfaResult {
  const max = resolveMaxStates(options);
  if (typeof max === "string") return { ok: false, error: max };
  const tokens = parseGlob(glob);
  if (typeof tokens === "string") return { ok: false, error: tokens };
  return compileProgram(setProgram([tokens]), "anchored", max, `glob \`${glob}\``, "simplify it");
}

/**
 * True if `entry` is written in glob syntax: it has a glob metacharacter (`*`, `?`, `[`) or an escape
 * (`\`). A set entry in glob syntax is matched as a glob; any other entry as the exact string.
 *
 * @example isGlob("*.example.com") // true
 * @example isGlob("a\\*b") // true: the escape makes it the glob for the exact string `a*b`
 * @example isGlob("api.example.com") // false
 */
export function isGlob(entry: string): boolean {
  return /[*?[\\]/.test(entry);
}

/**
 * Compiles a set of entries into one full-match DFA that accepts an input iff it equals an
 * exact entry or matches a glob entry. An entry with an unescaped `*`, `?` or `[` is a glob;
 * any other entry is compared verbatim, backslashes included (so `C:\tmp` is an exact string).
 *
 * An exact-string set needs about one state per byte of its entries, so when `maxStates` is
 * not given the cap is the larger of 4096 and the total UTF-8 length of the entries plus 2
 * (DEAD and MATCHED), up to 65535.
 *
 * @example
 * const r = compileSet(["api.github.com", "*.corp.example", "**.internal"]);
 * // matches "api.github.com", "x.corp.example", "a/b.internal"; not "github.com"
 */
export function compileSet(entries: readonly string[], options?: CompileOptions): DfaResult {
  const unique = [...new Set(entries)];
  const encoder = new TextEncoder();
  // +2 for DEAD and MATCHED; a trie of exact strings has at most one state per byte beyond the start.
  const natural = unique.reduce((n, e) => n + encoder.encode(e).length, 2);
  const max = resolveMaxStates(options, Math.min(HARD_MAX_STATES, Math.max(DEFAULT_MAX_STATES, natural)));
  if (typeof max === "string") return { ok: false, error: max };
  if (unique.length === 0) return { ok: true, dfa: neverDfa() };
  const subject = `set of ${unique.length} entr${unique.length === 1 ? "y" : "ies"}`;
  // Exact, well-formed strings take the direct route: it builds the very table the NFA route would. It
  // must also refuse exactly what that route refuses, which is only "more than `max` states" as long as
  // subset construction cannot run out of budget first: it visits at most one state per distinct byte
  // prefix (natural - 1, plus DEAD and MATCHED), so `natural + 1` within the budget rules that out. A
  // lone surrogate (UTF-8 has no encoding for it) and the refusal itself are left to the NFA route.
  if (natural + 1 <= constructionBudget(max) && !unique.some((e) => isGlob(e) || LONE_SURROGATE.test(e))) {
    const dfa = exactSetDfa(unique, max);
    if (dfa !== null) return { ok: true, dfa };
  }
  return compileSetViaNfa(unique, max, subject);
}

/**
 * The general route of {@link compileSet}: tokens → suffix-shared trie program → NFA → DFA → minimal DFA.
 * Exported for the tests that check the direct route against it.
 *
 * @example compileSetViaNfa(["a", "*.b"], 4096, "set of 2 entries")
 */
export function compileSetViaNfa(unique: readonly string[], max: number, subject: string): DfaResult {
  if (unique.length === 0) return { ok: true, dfa: neverDfa() };
  const all: Token[][] = [];
  for (const entry of unique) {
    const tokens = isGlob(entry) ? parseGlob(entry) : Array.from(entry, (ch) => one(ch.codePointAt(0) ?? 0));
    if (typeof tokens === "string") return { ok: false, error: `set entry: ${tokens}` };
    all.push(tokens);
  }
  return compileProgram(setProgram(all), "anchored", max, subject, "split it or use fewer globs");
}
