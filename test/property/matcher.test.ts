// Differential test: `matches()` as the engine runs it (RE2 pattern → byte DFA at load, run in Wasm over
// the UTF-8 of the value) against JavaScript's RegExp on the same pattern, written in JS syntax to mean what
// RE2 means (regex-arbitraries.ts says where the two differ and how).
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { createGuard, loadPolicy } from "@trailguard/core";
import { inputString, jsComparable, patternPair } from "./regex-arbitraries.js";
import { propertyParams } from "./settings.js";

/** What the engine answers for `value.matches(pattern)`, per value; `refused` when the pattern does not load. */
async function engineMatches(pattern: string, values: readonly string[]): Promise<boolean[] | { refused: string }> {
  const policy = JSON.stringify({
    version: 1,
    default: "allow",
    rules: [{ id: "m", when: `action.args.v.matches(${JSON.stringify(pattern)})`, effect: "deny" }],
  });
  const loaded = loadPolicy(policy);
  if (!loaded.policy) return { refused: loaded.errors.map((e) => e.message).join("; ") };
  const guard = await createGuard({ policy: loaded.policy });
  return values.map((v) => {
    const d = guard.check({ kind: "tool", session: "s", tool: "t", args: { v } }, { now: 0 });
    // Anything but the rule or the default deciding would be a fault, not an answer.
    if (d.code !== "rule" && d.code !== "default") throw new Error(`unexpected decision ${JSON.stringify(d)}`);
    return d.code === "rule";
  });
}

describe("matches() agrees with JavaScript RegExp", () => {
  it("on random RE2 patterns and inputs biased toward matching", async () => {
    let compared = 0;
    let positives = 0;
    let refusedForSize = 0;
    let patterns = 0;
    await fc.assert(
      fc.asyncProperty(patternPair(3, 4), fc.array(inputString, { minLength: 4, maxLength: 4 }), fc.array(inputString, { minLength: 8, maxLength: 8 }), async (pair, affixes, randoms) => {
        patterns++;
        const re2 = pair.re2;
        const js = new RegExp(pair.js, pair.fold ? "iu" : "u");
        // Samples of the pattern, inside random text, and random text alone.
        const values = [...pair.samples.map((s, i) => `${affixes[i]}${s}${affixes[(i + 1) % affixes.length]}`), ...randoms, ""].filter((v) => jsComparable(pair, v));
        const got = await engineMatches(re2, values);
        if (!Array.isArray(got)) {
          // A pattern beyond the automaton's state cap is refused at load by design; nothing else may be.
          expect(got.refused).toContain("automaton states");
          refusedForSize++;
          return;
        }
        const want = values.map((v) => js.test(v));
        compared += values.length;
        positives += got.filter(Boolean).length;
        expect(got, `pattern ${re2} (JS /${pair.js}/${js.flags}) on ${JSON.stringify(values)}`).toEqual(want);
      }),
      propertyParams(150),
    );
    // The generator must produce loadable patterns, inputs of both answers, and few refusals.
    expect(refusedForSize / patterns).toBeLessThan(0.05);
    expect(positives / compared).toBeGreaterThan(0.25);
    expect(positives / compared).toBeLessThan(0.9);
  });

  it("agrees on the minimal cases of each translated difference", async () => {
    // Where the JavaScript side is rewritten, the rewrite must be right: these pin RE2's meaning.
    const cases: [string, string, boolean][] = [
      ["^.$", "\r", true], // RE2's `.` takes `\r`; JavaScript's does not
      ["^.$", "\u2028", true],
      ["^.$", "\n", false],
      ["\\s", "\u000b", false], // RE2's `\s` has no `\v`
      ["\\s", "\u2028", false],
      ["\\s", "\f", true],
      ["a$", "a\n", false], // `$` is the end of text, not of a line
      ["\\B", "a😀a", false], // no position inside a code point (V8's `/\B/u` finds one inside the emoji's surrogate pair: see jsComparable)
      ["(?i)\\w", "\u212a", true], // both fold `\w` (K, the Kelvin sign, is a `k`)…
      ["(?i)\\b", "\u212a", false], // …but only JavaScript folds `\b`: the generator keeps `\b` out of `(?i)`
      ["(?i)\\w", "\u017f", true],
    ];
    for (const [pattern, value, want] of cases) {
      expect(await engineMatches(pattern, [value]), `${pattern} on ${JSON.stringify(value)}`).toEqual([want]);
    }
  });
});
