// Random patterns of the RE2 syntax that `matches()` accepts (docs/policy.md), each written twice: as RE2
// text for the policy, and as the JavaScript RegExp (flag `u`) that means the same, with a sample string
// the pattern is built to match, so that inputs match often.
//
// Where RE2 and JavaScript differ, the JavaScript side is written to mean what RE2 means, and the reason
// is given; the one thing left out altogether is listed in test/README.md ("Property tests").

import fc from "fast-check";

/** A pattern in both syntaxes, and strings it is built to match. */
export interface PatternPair {
  /** RE2 text, `(?i)` first when `fold`. */
  re2: string;
  /** JavaScript text, for flags `iu` when `fold`, else `u`. */
  js: string;
  fold: boolean;
  /** One string per sample the generator drew; the pattern matches each (a search, unanchored). */
  samples: string[];
}

interface Node {
  re2: string;
  js: string;
  /** Draws a string this node matches whole (anchors and boundaries give the empty string). */
  sample: (pick: (n: number) => number) => string;
}

/** The input alphabet: ASCII letters of both cases, a digit, punctuation, spaces, and multi-byte UTF-8. */
export const ALPHABET = ["a", "b", "c", "A", "B", "x", "k", "s", "S", "ſ", "\u212a", "0", "7", "_", "-", ".", " ", "\t", "\n", "\r", "é", "É", "日", "😀", "\u2028"] as const;

const lit = (c: string): Node => {
  // Both escape the same syntax characters; `-` needs none outside a class (and JavaScript's `u` refuses `\-`).
  const escaped = /[.*+?()[\]{}|^$\\]/.test(c) ? `\\${c}` : c;
  return { re2: escaped, js: escaped, sample: () => c };
};

const classOf = (re2: string, js: string, members: readonly string[]): Node => ({ re2, js, sample: (pick) => members[pick(members.length)]! });

const ATOMS: readonly Node[] = [
  ...["a", "b", "c", "A", "x", "k", "s", "0", "_", "-", ".", " ", "é", "日", "😀"].map(lit),
  // RE2's `.` is any character but `\n`; JavaScript's also refuses `\r`, U+2028 and U+2029, so it is
  // written out on the JavaScript side.
  classOf(".", "[^\\n]", ["a", "日", "😀", "\r", "\u2028", " "]),
  classOf("[abc]", "[abc]", ["a", "b", "c"]),
  classOf("[^ab]", "[^ab]", ["c", "x", "日", "\n"]),
  classOf("[a-c0-7]", "[a-c0-7]", ["a", "b", "0", "7"]),
  classOf("[日😀]", "[日😀]", ["日", "😀"]),
  classOf("\\d", "\\d", ["0", "7"]),
  classOf("\\w", "\\w", ["a", "B", "_", "0"]),
  classOf("\\W", "\\W", ["-", " ", "é", "日"]),
  // RE2's `\s` is `[\t\n\f\r ]`; JavaScript's adds `\v` and the Unicode spaces (U+2028 among them).
  classOf("\\s", "[\\t\\n\\f\\r ]", [" ", "\t", "\n"]),
  classOf("[[:alpha:]]", "[A-Za-z]", ["a", "B"]),
];

const ANCHORS: readonly Node[] = [
  // Without `(?m)`, RE2's `^`/`$` are the text's start and end, as JavaScript's without the `m` flag.
  { re2: "^", js: "^", sample: () => "" },
  { re2: "$", js: "$", sample: () => "" },
];

/**
 * `\b` and `\B` are ASCII word boundaries in RE2 always, in JavaScript only without `i`: under `iu` its
 * `\b` counts U+017F and U+212A as word characters (they fold to `s` and `k`), and no JavaScript syntax
 * of Node 20 turns folding off inside a pattern. So boundaries are generated only without `(?i)`.
 */
const BOUNDARIES: readonly Node[] = [
  { re2: "\\b", js: "\\b", sample: () => "" },
  { re2: "\\B", js: "\\B", sample: () => "" },
];

const QUANTIFIERS: readonly { q: string; min: number; extra: number }[] = [
  { q: "*", min: 0, extra: 2 },
  { q: "+", min: 1, extra: 2 },
  { q: "?", min: 0, extra: 1 },
  { q: "{2}", min: 2, extra: 0 },
  { q: "{1,3}", min: 1, extra: 2 },
  { q: "{2,}", min: 2, extra: 1 },
];

/** A random pattern tree, built from a stream of choices so that fast-check can shrink it. */
function build(pick: (n: number) => number, depth: number, fold: boolean): Node {
  const roll = pick(10);
  if (depth <= 0 || roll < 3) {
    const emptyWidth = fold ? ANCHORS : [...ANCHORS, ...BOUNDARIES];
    // One leaf in six is empty-width: enough to test anchors without anchoring most patterns away.
    return pick(6) === 0 ? emptyWidth[pick(emptyWidth.length)]! : ATOMS[pick(ATOMS.length)]!;
  }
  if (roll < 5) {
    const parts = Array.from({ length: 2 + pick(2) }, () => build(pick, depth - 1, fold));
    return { re2: parts.map((p) => p.re2).join(""), js: parts.map((p) => p.js).join(""), sample: (p) => parts.map((x) => x.sample(p)).join("") };
  }
  if (roll < 7) {
    const parts = Array.from({ length: 2 + pick(2) }, () => build(pick, depth - 1, fold));
    const wrap = (xs: string[]): string => `(?:${xs.join("|")})`;
    return { re2: wrap(parts.map((p) => p.re2)), js: wrap(parts.map((p) => p.js)), sample: (p) => parts[p(parts.length)]!.sample(p) };
  }
  if (roll < 8) {
    const inner = build(pick, depth - 1, fold);
    return { re2: `(${inner.re2})`, js: `(${inner.js})`, sample: inner.sample };
  }
  const inner = build(pick, depth - 1, fold);
  const { q, min, extra } = QUANTIFIERS[pick(QUANTIFIERS.length)]!;
  // Laziness changes which match is found, never whether one is: the search answer must not move.
  const lazy = pick(4) === 0 ? "?" : "";
  return {
    re2: `(?:${inner.re2})${q}${lazy}`,
    js: `(?:${inner.js})${q}${lazy}`,
    sample: (p) => Array.from({ length: min + p(extra + 1) }, () => inner.sample(p)).join(""),
  };
}

/** A pattern pair with `samples` strings it matches; `depth` bounds the tree. */
export function patternPair(depth: number, samples: number): fc.Arbitrary<PatternPair> {
  // The tree and its samples are drawn from fixed lists of integers: shrinking those shrinks the pattern.
  // One pattern in four is case-insensitive as a whole.
  const fold = fc.nat(3).map((n) => n === 0);
  return fc.tuple(fold, fc.array(fc.nat(), { minLength: 64, maxLength: 64 }), fc.array(fc.nat(), { minLength: 32, maxLength: 32 })).map(([fold, shape, draws]) => {
    let i = 0;
    const pick = (n: number): number => (shape[i++ % shape.length]! + i) % n;
    const node = build(pick, depth, fold);
    let j = 0;
    const pickSample = (n: number): number => (draws[j++ % draws.length]! + j) % n;
    return { re2: fold ? `(?i)${node.re2}` : node.re2, js: node.js, fold, samples: Array.from({ length: samples }, () => node.sample(pickSample)) };
  });
}

/**
 * Whether JavaScript's answer can be trusted for this pattern on this input. V8 (Node 20, and Chromium)
 * finds `\B` inside a surrogate pair even under `u`: `/\B/u.exec("a😀a").index` is 2, where no code point
 * boundary is, and no lookaround written in JavaScript keeps it out. RE2 and the engine (on UTF-8) have no
 * such position, so inputs with a character beyond U+FFFF are not compared for patterns with `\B`.
 */
export function jsComparable(pair: PatternPair, input: string): boolean {
  return !(pair.re2.includes("\\B") && /[\u{10000}-\u{10FFFF}]/u.test(input));
}

/** Inputs over {@link ALPHABET}: well-formed Unicode only (a lone surrogate has no UTF-8 form to give the engine). */
export const inputString: fc.Arbitrary<string> = fc.array(fc.constantFrom(...ALPHABET), { maxLength: 8 }).map((cs) => cs.join(""));
