// The ReDoS benchmark's own logic: what it builds from the data, how it asks trailguard, and how it
// counts. Inline rows only: the tests must not need ../shared.
import { describe, it, expect } from "vitest";
import { createGuard } from "@trailguard/core";
import { attackString, everyNth, javaUnescape, parseAttacks, parsePatternList, pumpCount, utf8Length } from "./redos/data.mjs";
import { accept, actionFor, crossCheck, policyYaml, reasonBucket, refusedAt } from "./redos/accept.mjs";
import { disagreements, smallInputs } from "./redos/attacks.mjs";
import { RegExpRunner } from "./redos/js-regexp.mjs";
import { histogram, quantile, stringify, table } from "./redos/report.mjs";

describe("attack recipes", () => {
  it("undoes the Java string escapes of prefix, pump and suffix, and only those", () => {
    expect(javaUnescape("\\t")).toBe("\t");
    expect(javaUnescape("\\\\0 0")).toBe("\\0 0");
    expect(javaUnescape("\\\\\\\\1\\\\1\\\\")).toBe("\\\\1\\1\\");
    expect(javaUnescape("a\\n\\r\\u00e9")).toBe("a\n\ré");
    // Not a Java escape: kept as written.
    expect(javaUnescape("\\d\\/")).toBe("\\d\\/");
  });

  it("reads a jsonl row as the upstream tool wrote it", () => {
    const line = JSON.stringify({ id: 13, regex: "^\\s*a$", attacks: [{ kind: "POLYNOMIAL", raw: "", prefix: "", pump: "\\t", repeat: 10000, suffix: "!_1" }] });
    expect(parseAttacks(`${line}\n\n`)).toEqual([{ id: 13, pattern: "^\\s*a$", kind: "POLYNOMIAL", prefix: "", pump: "\t", suffix: "!_1", hasAttack: true }]);
  });

  it("grows the pump to the size in UTF-8 bytes, never past it unless the recipe alone is longer", () => {
    const r = { prefix: "a:", pump: "◎1", suffix: "!" }; // ◎ is 3 bytes in UTF-8
    for (const bytes of [1024, 4096, 1 << 20]) {
      const s = attackString(r, bytes);
      expect(utf8Length(s)).toBeLessThanOrEqual(bytes);
      expect(utf8Length(s)).toBeGreaterThan(bytes - 4);
      expect(s.startsWith("a:◎1") && s.endsWith("◎1!")).toBe(true);
    }
    expect(attackString({ prefix: "long prefix", pump: "x", suffix: "!" }, 4)).toBe("long prefixx!");
    expect(pumpCount({ prefix: "", pump: "", suffix: "!" }, 1024)).toBe(0);
  });

  it("reads pattern lists without blank lines, carriage returns or repeats", () => {
    expect(parsePatternList("a+\r\n\nb*\na+\n")).toEqual({ lines: ["a+", "b*", "a+"], unique: ["a+", "b*"] });
    expect(everyNth([1, 2, 3, 4, 5], 2)).toEqual([1, 3, 5]);
  });

  it("compares small inputs with and without the suffix", () => {
    expect(smallInputs({ prefix: "<", pump: "a", suffix: "!" })).toEqual(["<a!", "<a", "<aa!", "<aa", "<aaa!", "<aaa"]);
  });
});

describe("acceptance through loadPolicy", () => {
  // Characters that YAML or CEL would read as syntax if the quoting let them through.
  const cases: [string, string, string][] = [
    ['say "hi"', 'they say "hi"', "say hi"],
    ["\\d+\\.\\d", "v1.2", "v12"],
    ["it's: #1", "it's: #1!", "its: #1"],
    ["a\nb", "xa\nb", "ab"],
    ["^\ufeffx", "\ufeffx", "x"],
    ["a\u2028b", "a\u2028b", "ab"],
    ["a\u0085b", "a\u0085b", "a b"],
    ["^😀+$", "😀😀", "x😀"],
    ["\\\\u", "a\\u", "au"],
  ];
  for (const [pattern, yes, no] of cases) {
    it(`spells ${JSON.stringify(pattern)} so the rule matches what the pattern matches`, async () => {
      const r = accept(pattern);
      expect(r.ok, r.ok ? "" : r.message).toBe(true);
      expect(crossCheck(pattern, r)).toBe(true);
      const guard = await createGuard({ policy: (r as { policy: never }).policy });
      expect(guard.check(actionFor(yes)).effect).toBe("deny");
      expect(guard.check(actionFor(no)).effect).toBe("allow");
    });
  }

  it("buckets refusals by cause, whatever the pattern's own text", () => {
    const bucket = (p: string) => {
      const r = accept(p);
      expect(r.ok).toBe(false);
      expect(crossCheck(p, r)).toBe(true);
      return (r as { reason: string }).reason;
    };
    expect(bucket("a(?=b)")).toBe("lookahead needs backtracking");
    expect(bucket("`x` (?=b) at `y`")).toBe("lookahead needs backtracking");
    expect(bucket("(a)\\1")).toBe("a backreference needs backtracking");
    expect(bucket("a{2,1}")).toBe("invalid repeat count");
    expect(bucket("\\u0041")).toBe("invalid escape sequence");
    // 2^13 subsets of the last 13 letters: past the default cap of 4096 states.
    expect(bucket("(a|b)*a(a|b){12}")).toBe("needs more than 4096 dfa states");
    expect(reasonBucket("syntax_error", "syntax error: unexpected token", "x")).toBe("syntax_error: syntax error: unexpected token");
  });

  it("names the construct only where the parser quotes one", () => {
    const at = (p: string) => {
      const r = accept(p);
      return r.ok ? "accepted" : refusedAt(r.message, p);
    };
    expect(at("(?'n'a)")).toBe("(?'");
    expect(at("x\\uABCD")).toBe("\\u");
    expect(at("a**+")).toBe("**");
    expect(at("(a")).toBeUndefined();
    expect(at("a(?=b)")).toBeUndefined();
  });

  it("writes one rule over the field the action carries", () => {
    expect(policyYaml("x")).toContain('when: "action.args.text.matches(\\"x\\")"');
    expect(actionFor("t").args.text).toBe("t");
  });
});

describe("javascript RegExp under a cap", () => {
  it("times out on catastrophic backtracking and keeps working after it", async () => {
    const js = new RegExpRunner();
    try {
      // 2^40 ways to split the a's: hours, far past a 100 ms cap.
      expect(await js.run("^(a+)+$", [{ prefix: "", pump: "a", n: 40, suffix: "!" }], { capMs: 100 })).toEqual({ timedOut: true });
      const ok = await js.run("^a+$", [{ prefix: "", pump: "a", n: 40, suffix: "" }, "b"], { capMs: 1000, reps: 2 });
      expect(ok.out.map((o: { matched: boolean }) => o.matched)).toEqual([true, false]);
      expect((await js.run("(", ["x"], { capMs: 1000 })).syntax).toMatch(/invalid regular expression/i);
      expect(js.started).toBe(2);
    } finally {
      js.close();
    }
  });
});

describe("counting", () => {
  it("lists every difference between the engine, the DFA runner and RegExp", () => {
    const rows = [{ id: 1, prefix: "", pump: "a", suffix: "!" }];
    const small = smallInputs(rows[0]!).map(() => ({ engine: false, dfa: false, js: false }));
    small[1] = { engine: true, dfa: false, js: true };
    const results = [{ id: 1, ok: true, small, effects: ["deny", "allow"], jsMatched: [false, false] }];
    expect(disagreements(results, rows, [1024, 4096])).toEqual({
      list: [
        { id: 1, against: "dfa", input: "a", engine: true, other: false },
        { id: 1, against: "regexp", input: "attack at 1024 bytes", engine: true, other: false },
      ],
      compared: { dfa: 6, regexp: 8 },
    });
  });

  it("computes quantiles, histograms and tables deterministically", () => {
    expect(quantile([5, 1, 4, 2, 3], 0.5)).toBe(3);
    expect(quantile([5, 1, 4, 2, 3], 0.9)).toBe(5);
    expect(histogram(["b", "a", "b", "c", "a"])).toEqual([["a", 2], ["b", 2], ["c", 1]]);
    expect(table(["x", "yy"], [["10", "2"]])).toBe("x   yy\n--  --\n10  2");
  });

  it("writes JSON that reads back the same, arrays of plain values on one line", () => {
    const v = { a: [1, "x]", null], b: [["missing closing ]", 2], { c: NaN, g: [1] }], d: {}, e: [], f: undefined, h: { i: { j: 1 } } };
    const text = stringify(v);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(v)));
    expect(text).toContain('"a": [1,"x]",null]');
    expect(text).toContain('{"c":null,"g":[1]}');
    expect(text).toContain('"h": {\n');
  });
});
