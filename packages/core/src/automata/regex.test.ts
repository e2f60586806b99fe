import { RE2JS } from "@bufbuild/re2";
import { describe, expect, it } from "vitest";
import { dfaByteSize, runDfa, validateDfa, type Dfa } from "./dfa.js";
import { compileRegex } from "./regex.js";
import { ok, rng, utf8 } from "./dfa.test-support.js";

const compiled = (pattern: string, options?: { maxStates?: number }): Dfa => ok(compileRegex(pattern, options));

/**
 * A generated pattern: its RE2 text, an equivalent JavaScript `u`-mode pattern (null where
 * JavaScript's semantics differ: RE2's `.`/`\s`/`(?m)` lines are \n-only, and `(?i)` widens
 * JavaScript's `\w`/`\b` to ſ and K), and a sampler of strings it probably matches.
 */
interface Gen {
  re2: string;
  js: string | null;
  sample: () => string;
}

function generator(random: () => number, fold: boolean) {
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const jsIf = (ok: boolean, js: string | null): string | null => (ok ? js : null);
  const literals = ["a", "b", "c", "k", "K", "s", "S", "é", "É", "日", "😀", "\u212A", "ſ", "Σ", "σ", "ς", "_", "0", "-", " "];
  const escaped: Array<[string, string]> = [
    ["\\.", "."],
    ["\\n", "\n"],
    ["\\*", "*"],
    ["\\x{65e5}", "日"],
  ];
  // [RE2 class item, JS class item (null: no faithful JS form under the current flags), sample]
  const classItems: Array<[string, string | null, string]> = [
    ["a-c", "a-c", "b"],
    ["x-z", "x-z", "y"],
    ["0-9", "0-9", "7"],
    ["é", "é", "é"],
    ["K", "K", "K"],
    ["k", "k", "k"],
    ["_", "_", "_"],
    ["日-本", "日-本", "日"],
    ["α-ω", "α-ω", "λ"],
    ["\\d", "\\d", "3"],
    ["\\w", fold ? null : "\\w", "w"],
    ["\\s", "\\t\\n\\f\\r ", " "],
    ["\\n", "\\n", "\n"],
  ];
  const atom = (): Gen => {
    const roll = random();
    if (roll < 0.3) {
      const l = pick(literals);
      return { re2: l, js: l, sample: () => l };
    }
    if (roll < 0.36) {
      const [re, s] = pick(escaped);
      const js = re === "\\x{65e5}" ? "\\u{65e5}" : re;
      return { re2: re, js, sample: () => s };
    }
    if (roll < 0.55) {
      const items = Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(classItems));
      const negated = random() < 0.3;
      const js = items.every((i) => i[1] !== null) ? `[${negated ? "^" : ""}${items.map((i) => i[1]).join("")}]` : null;
      return {
        re2: `[${negated ? "^" : ""}${items.map((i) => i[0]).join("")}]`,
        js,
        sample: () => (negated ? pick(["Q", "🙂", "ü", "."]) : pick(items)[2]),
      };
    }
    if (roll < 0.62) return { re2: ".", js: "[^\\n]", sample: () => pick(["x", "日", "😀", "\n"]) };
    if (roll < 0.66) return { re2: "(?s:.)", js: "[\\s\\S]", sample: () => pick(["x", "\n", "😀"]) };
    if (roll < 0.76) {
      const [re, js, s] = pick<[string, string | null, string]>([
        ["\\d", "\\d", "5"],
        ["\\D", "\\D", "x"],
        ["\\w", jsIf(!fold, "\\w"), "w"],
        ["\\W", jsIf(!fold, "\\W"), "-"],
        ["\\s", "[\\t\\n\\f\\r ]", " "],
        ["\\S", "[^\\t\\n\\f\\r ]", "x"],
      ]);
      return { re2: re, js, sample: () => s };
    }
    if (roll < 0.83) {
      const [re, js, s] = pick<[string, string | null, string]>([
        ["\\pL", jsIf(!fold, "\\p{L}"), "é"],
        ["\\p{Lu}", jsIf(!fold, "\\p{Lu}"), "É"],
        ["\\p{Greek}", jsIf(!fold, "\\p{Script=Greek}"), "σ"],
        ["\\PL", jsIf(!fold, "\\P{L}"), "1"],
        ["\\p{N}", jsIf(!fold, "\\p{N}"), "٣"],
        ["\\p{Han}", jsIf(!fold, "\\p{Script=Han}"), "本"],
      ]);
      return { re2: re, js, sample: () => s };
    }
    // Empty-width assertions, grouped so that they may be quantified in both syntaxes.
    const [re, js] = pick<[string, string | null]>([
      ["^", "^"],
      ["$", "$"],
      ["\\A", "^"],
      ["\\z", "$"],
      ["(?m:^)", "(?<![^\\n])"],
      ["(?m:$)", "(?![^\\n])"],
      ["\\b", jsIf(!fold, "\\b")],
      ["\\B", jsIf(!fold, "\\B")],
    ]);
    return { re2: `(?:${re})`, js: js === null ? null : `(?:${js})`, sample: () => pick(["", " ", "\n"]) };
  };
  const join = (parts: Gen[], sep: string, wrap: (s: string) => string): Gen => ({
    re2: wrap(parts.map((p) => p.re2).join(sep)),
    js: parts.every((p) => p.js !== null) ? wrap(parts.map((p) => p.js).join(sep)) : null,
    sample: () => (sep === "|" ? pick(parts).sample() : parts.map((p) => p.sample()).join("")),
  });
  const node = (depth: number): Gen => {
    const roll = random();
    if (depth <= 0 || roll < 0.3) return atom();
    if (roll < 0.5) return join(Array.from({ length: 2 + Math.floor(random() * 2) }, () => node(depth - 1)), "", (s) => s);
    if (roll < 0.65) return join(Array.from({ length: 2 + Math.floor(random() * 2) }, () => node(depth - 1)), "|", (s) => `(?:${s})`);
    if (roll < 0.72) return join([node(depth - 1)], "", (s) => `(${s})`);
    if (roll < 0.75) {
      const inner = node(depth - 1);
      return { re2: `(?i:${inner.re2})`, js: null, sample: () => inner.sample().toUpperCase() };
    }
    const inner = node(depth - 1);
    const [min, max] = pick<[number, number]>([
      [0, -1],
      [1, -1],
      [0, 1],
      [2, 2],
      [1, 3],
      [0, 2],
      [2, -1],
    ]);
    const lazy = random() < 0.2 ? "?" : "";
    const q =
      (min === 0 && max === -1 ? "*" : min === 1 && max === -1 ? "+" : min === 0 && max === 1 ? "?" : max === -1 ? `{${min},}` : min === max ? `{${min}}` : `{${min},${max}}`) + lazy;
    return {
      re2: `(?:${inner.re2})${q}`,
      js: inner.js === null ? null : `(?:${inner.js})${q}`,
      sample: () => Array.from({ length: min + Math.floor(random() * 2) }, () => inner.sample()).join(""),
    };
  };
  return node;
}

const inputChars = ["a", "b", "c", "k", "K", "s", "S", "ſ", "\u212A", "é", "É", "e\u0301", "日", "本", "😀", "Σ", "σ", "ς", "_", "0", "9", " ", "\n", "\t", "\r", ".", "-", "x", "w", "Q", "/", "*", "λ", "٣"];

describe("compileRegex against RE2JS and JavaScript RegExp", () => {
  it("agrees on a few hundred generated patterns and random and sampled inputs", () => {
    const random = rng(20240601);
    const pickChar = (): string => inputChars[Math.floor(random() * inputChars.length)] ?? "";
    const randomString = (): string => Array.from({ length: Math.floor(random() * 8) }, pickChar).join("");
    const mismatches: string[] = [];
    let comparedWithJs = 0;
    let patterns = 0;
    let positives = 0;
    for (let i = 0; i < 400; i++) {
      const fold = random() < 0.2;
      const gen = generator(random, fold)(3);
      const re2Pattern = (fold ? "(?i)" : "") + gen.re2;
      const r = compileRegex(re2Pattern);
      if (!r.ok) {
        // Only state blow-up is an acceptable refusal of generated (RE2-valid) syntax.
        expect(r.error).toContain("automaton states");
        continue;
      }
      expect(validateDfa(r.dfa)).toBeNull();
      patterns++;
      const re2 = RE2JS.compile(re2Pattern);
      const js = gen.js === null ? null : new RegExp(gen.js, fold ? "iu" : "u");
      if (js !== null) comparedWithJs++;
      const inputs = [""];
      for (let j = 0; j < 25; j++) inputs.push(randomString());
      for (let j = 0; j < 10; j++) inputs.push(randomString() + gen.sample() + (random() < 0.5 ? randomString() : ""));
      for (const input of inputs) {
        const got = runDfa(r.dfa, utf8(input));
        const want = re2.test(input);
        if (got) positives++;
        if (got !== want) mismatches.push(`${re2Pattern} on ${JSON.stringify(input)}: dfa ${got}, RE2JS ${want}`);
        if (js !== null && got !== js.test(input)) mismatches.push(`${gen.js} (JS) on ${JSON.stringify(input)}: dfa ${got}, RegExp ${!got}`);
      }
      if (mismatches.length > 20) break;
    }
    expect(mismatches).toEqual([]);
    // Guard the generator itself: it must exercise both answers and the JavaScript comparison.
    expect(patterns).toBeGreaterThan(350);
    expect(comparedWithJs).toBeGreaterThan(150);
    expect(positives).toBeGreaterThan(2000);
  });

  it.each([
    ["(?i)k", ["k", "K", "\u212A"], ["x", "ķ"]],
    ["(?i)σ", ["Σ", "σ", "ς"], ["s"]],
    ["(?i)s", ["s", "S", "ſ"], ["ß"]],
    ["(?i)é", ["é", "É"], ["e"]],
    ["^.$", ["😀", "日", "a"], ["", "ab", "\n", "e\u0301"]],
    ["^\\x{10FFFF}$", ["\u{10FFFF}"], ["\u{10FFFE}"]],
    ["\\bword\\b", ["a word.", "word"], ["words", "sword", "_word"]],
    ["\\Bor\\B", ["word"], ["or", "a or b"]],
    ["(?m)^b$", ["a\nb\nc", "b"], ["ab\nc", "a\nbc"]],
    ["a$", ["a", "ba"], ["a\n", "ab"]],
    ["^a", ["ab"], ["ba", "\na"]],
    ["a\\z", ["a"], ["a\n"]],
    ["(?s)a.b", ["a\nb"], ["ab"]],
    ["a.b", ["a-b", "a日b"], ["a\nb"]],
    ["x*", ["", "y"], []],
    ["[^a]", ["b", "日"], ["", "a", "aa"]],
    ["\\pL", ["é", "日"], ["1", " ", "😀"]],
    ["é\\B", ["é", "éé"], ["éa"]],
  ])("%s", (pattern, yes, no) => {
    const dfa = compiled(pattern);
    const re2 = RE2JS.compile(pattern);
    for (const s of yes) expect([runDfa(dfa, utf8(s)), re2.test(s)], JSON.stringify(s)).toEqual([true, true]);
    for (const s of no) expect([runDfa(dfa, utf8(s)), re2.test(s)], JSON.stringify(s)).toEqual([false, false]);
  });

  it("does not let an empty \\B match start inside a multi-byte character", () => {
    // Between "a" and "b" only byte offsets inside é are free of word boundaries.
    expect(RE2JS.compile("\\B").test("aéb")).toBe(false);
    expect(runDfa(compiled("\\B"), utf8("aéb"))).toBe(false);
  });
});

describe("table shape", () => {
  it("keeps DEAD and MATCHED at 0 and 1 and minimises", () => {
    const dfa = compiled("abc");
    // Minimal search DFA for "abc": start, saw "a", saw "ab", plus DEAD and MATCHED.
    expect(dfa.stateCount).toBe(5);
    expect(dfa.acceptAtEnd[0]).toBe(0);
    expect(dfa.acceptAtEnd[1]).toBe(1);
    expect(dfaByteSize(dfa)).toBe(256 + 2 * dfa.stateCount * dfa.classCount + dfa.stateCount);
  });

  it("starts in MATCHED when the empty string matches and in DEAD when nothing can", () => {
    expect(compiled("a*").start).toBe(1);
    const never = compiled("[^\\x00-\\x{10FFFF}]");
    expect(never.start).toBe(0);
    expect(runDfa(never, utf8(""))).toBe(false);
  });

  it("merges byte classes that behave alike", () => {
    expect(compiled("[a-z]+!").classCount).toBe(3); // [a-z], "!", everything else
  });
});

describe("linear time", () => {
  const mib = new Uint8Array(1 << 20).fill(0x61); // 1 MiB of "a"

  it.each([
    ["(a+)+$", true],
    ["(a|a)*b", false],
    ["(a|aa)*c", false],
    ["^(a+)+b", false],
    ["(.*a){10}x", false],
    ["(?:a*)*\\bz", false],
  ])("runs the ReDoS pattern %s over 1 MiB quickly", (pattern, expected) => {
    const t0 = performance.now();
    const dfa = compiled(pattern);
    const t1 = performance.now();
    expect(runDfa(dfa, mib)).toBe(expected);
    const t2 = performance.now();
    expect(t2 - t1).toBeLessThan(100);
    expect(t1 - t0).toBeLessThan(1000);
  });
});

describe("refusals", () => {
  it.each([
    ["(a)\\1", "backreference"],
    ["(?P<x>a)(?P=x)", "backreference"],
    ["(?=a)b", "lookahead"],
    ["a(?!b)", "lookahead"],
    ["(?<=a)b", "lookbehind"],
    ["(?<!a)b", "lookbehind"],
  ])("refuses %s (%s)", (pattern, what) => {
    const r = compileRegex(pattern);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(new RegExp(`^pattern \`.*\` is not supported: .*${what} needs backtracking`));
  });

  it("refuses a pattern whose DFA would blow up", () => {
    const t0 = performance.now();
    expect(compileRegex("(a|b)*a(a|b){20}")).toEqual({
      ok: false,
      error: "pattern `(a|b)*a(a|b){20}` needs more than 4096 automaton states; simplify it or anchor it",
    });
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it("honours and validates maxStates", () => {
    expect(compileRegex("abcdef", { maxStates: 5 })).toMatchObject({ ok: false, error: expect.stringContaining("needs more than 5 automaton states") });
    expect(compileRegex("abcdef", { maxStates: 8 }).ok).toBe(true);
    expect(compileRegex("a", { maxStates: 70000 })).toMatchObject({ ok: false, error: expect.stringContaining("maxStates") });
    expect(compileRegex("a", { maxStates: 1.5 }).ok).toBe(false);
  });

  it("reports syntax errors", () => {
    expect(compileRegex("a(b")).toEqual({ ok: false, error: "pattern `a(b` is invalid: missing closing ) at `a(b`" });
  });
});
