import { describe, expect, it } from "vitest";
import { runDfa, validateDfa, type Dfa } from "./dfa.js";
import { compileGlob, compileSet, globToRe2, isGlob } from "./glob.js";
import { compileRegex } from "./regex.js";
import { ok, rng, utf8 } from "./dfa.test-support.js";

/** An independent backtracking glob matcher over code points: the reference for the DFA. */
function refGlob(glob: string, input: string): boolean {
  const g = Array.from(glob);
  const s = Array.from(input);
  const classAt = (i: number): { member: (c: string) => boolean; next: number } => {
    let j = i + 1;
    const negated = g[j] === "!" || g[j] === "^";
    if (negated) j++;
    const tests: Array<(c: string) => boolean> = [];
    for (let first = true; first || g[j] !== "]"; first = false) {
      let lo = g[j++] ?? "";
      if (lo === "\\") lo = g[j++] ?? "";
      if (g[j] === "-" && g[j + 1] !== undefined && g[j + 1] !== "]") {
        let hi = g[j + 1] ?? "";
        j += 2;
        if (hi === "\\") hi = g[j++] ?? "";
        const [a, b] = [lo.codePointAt(0) ?? 0, hi.codePointAt(0) ?? 0];
        tests.push((c) => (c.codePointAt(0) ?? -1) >= a && (c.codePointAt(0) ?? -1) <= b);
      } else {
        tests.push((c) => c === lo);
      }
    }
    const inClass = (c: string): boolean => tests.some((t) => t(c));
    return { member: negated ? (c) => c !== "/" && !inClass(c) : inClass, next: j + 1 };
  };
  const match = (gi: number, si: number): boolean => {
    if (gi === g.length) return si === s.length;
    const c = g[gi];
    if (c === "*") {
      let gj = gi;
      while (g[gj] === "*") gj++;
      const crossesSlash = gj - gi >= 2;
      for (let k = si; k <= s.length; k++) {
        if (match(gj, k)) return true;
        if (k < s.length && s[k] === "/" && !crossesSlash) return false;
      }
      return false;
    }
    if (si === s.length) return false;
    if (c === "?") return s[si] !== "/" && match(gi + 1, si + 1);
    if (c === "[") {
      const cls = classAt(gi);
      return cls.member(s[si] ?? "") && match(cls.next, si + 1);
    }
    if (c === "\\") return s[si] === g[gi + 1] && match(gi + 2, si + 1);
    return s[si] === c && match(gi + 1, si + 1);
  };
  return match(0, 0);
}

describe("compileGlob", () => {
  it.each([
    ["*.corp.example", ["a.corp.example", "a.b.corp.example", ".corp.example"], ["corp.example", "a/b.corp.example", "a.corp.example\n", "a.corp.examplex"]],
    ["**.internal", ["a.internal", "a/b/c.internal", ".internal"], ["a.internal/x"]],
    ["/tmp/**", ["/tmp/", "/tmp/a", "/tmp/a/b/c"], ["/tmp", "/var/tmp/a"]],
    ["/home/*/.ssh/*", ["/home/al/.ssh/id_rsa"], ["/home/a/b/.ssh/id_rsa", "/home/al/.ssh/keys/x"]],
    ["file?.txt", ["file1.txt", "file日.txt", "file😀.txt"], ["file.txt", "file12.txt", "file/.txt"]],
    ["[abc]x", ["ax", "cx"], ["dx", "x", "abx"]],
    ["[a-c]x", ["bx"], ["dx"]],
    ["[!a-c]x", ["dx", "日x"], ["ax", "/x", "x"]],
    ["[^a]x", ["bx"], ["ax", "/x"]],
    ["[]]", ["]"], ["[", ""]],
    ["[!]]", ["a"], ["]"]],
    ["[\\]a]", ["]", "a"], ["\\"]],
    ["[a\\-z]", ["a", "-", "z"], ["b"]],
    ["\\*", ["*"], ["a", ""]],
    ["a\\?", ["a?"], ["ab"]],
    ["日本*", ["日本", "日本語"], ["日"]],
    ["", [""], ["a"]],
    ["*", ["", "abc"], ["a/b"]],
    ["**", ["", "a/b"], []],
  ])("%s", (glob, yes, no) => {
    const dfa = ok(compileGlob(glob));
    for (const s of yes) expect(runDfa(dfa, utf8(s)), JSON.stringify(s)).toBe(true);
    for (const s of no) expect(runDfa(dfa, utf8(s)), JSON.stringify(s)).toBe(false);
  });

  it.each([
    ["[abc", "unterminated character class"],
    ["abc\\", "lone backslash"],
    ["[z-a]", "reversed"],
    ["[]", "unterminated character class"],
  ])("refuses the malformed glob %s", (glob, message) => {
    const r = compileGlob(glob);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(message);
  });

  it("agrees with a reference matcher and with RE2 on random globs", () => {
    const random = rng(99);
    const pieces = ["a", "b", ".", "/", "*", "**", "?", "[ab]", "[!a]", "[a-c]", "日", "\\*", "-"];
    const chars = ["a", "b", "c", ".", "/", "日", "*", "-", "x"];
    const wrong: string[] = [];
    for (let i = 0; i < 200; i++) {
      const glob = Array.from({ length: 1 + Math.floor(random() * 5) }, () => pieces[Math.floor(random() * pieces.length)]).join("");
      const direct = ok(compileGlob(glob));
      const t = globToRe2(glob);
      if (!t.ok) throw new Error(t.error);
      // RE2's ^ and $ without (?m) are \A and \z.
      const viaRe2 = ok(compileRegex(`^(?:${t.pattern})$`));
      for (let j = 0; j < 30; j++) {
        const input = Array.from({ length: Math.floor(random() * 7) }, () => chars[Math.floor(random() * chars.length)]).join("");
        const want = refGlob(glob, input);
        const got = runDfa(direct, utf8(input));
        if (got !== want) wrong.push(`${glob} on ${JSON.stringify(input)}: dfa ${got}, reference ${want}`);
        if (runDfa(viaRe2, utf8(input)) !== want) wrong.push(`${t.pattern} (RE2) on ${JSON.stringify(input)}: expected ${want}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe("isGlob", () => {
  it("reads metacharacters and escapes as glob syntax", () => {
    expect(isGlob("*.a")).toBe(true);
    expect(isGlob("a?")).toBe(true);
    expect(isGlob("[a]")).toBe(true);
    expect(isGlob("a\\*b")).toBe(true);
    expect(isGlob("C:\\\\tmp")).toBe(true);
    expect(isGlob("api.github.com")).toBe(false);
  });
});

describe("compileSet", () => {
  const words = ["api", "login", "cdn", "static", "auth", "data", "edge", "mail", "git", "docs", "status", "pay", "img", "www", "files", "uploads"];
  const tlds = ["com", "net", "org", "io", "dev", "example", "co.uk"];
  const hosts: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const w = words[i % words.length] ?? "";
    const v = words[(i * 7 + 3) % words.length] ?? "";
    const t = tlds[i % tlds.length] ?? "";
    if (i % 20 === 0) hosts.push(`*.${v}${i}.corp.example`);
    else if (i % 33 === 0) hosts.push(`${w}-?.svc${i}.internal`);
    else if (i % 97 === 0) hosts.push(`**.${w}${i}.lan`);
    else hosts.push(`${w}${i}.${v}-${(i * 31) % 97}.${t}`);
  }
  const globs = hosts.filter(isGlob);
  const exact = new Set(hosts.filter((h) => !isGlob(h)));
  const reference = (s: string): boolean => exact.has(s) || globs.some((g) => refGlob(g, s));

  // No wall-clock bound here (performance lives in bench/): on a shared machine it failed a correct build.
  it("compiles 1000 host names and globs and matches exactly the set", () => {
    const dfa = ok(compileSet(hosts));
    expect(globs.length).toBeGreaterThan(50);

    const random = rng(5);
    const candidates: string[] = [...exact];
    for (const g of globs) candidates.push(g.replace("**", "a/b").replace("*", "x.y").replace("?", "7"), g.replace("*", "a/b"));
    for (const h of hosts) {
      candidates.push(h.slice(0, -1), `${h}x`, `x${h}`, h.toUpperCase(), `${h}\n`, h.replace(".", "/"));
      const cut = Math.floor(random() * h.length);
      candidates.push(h.slice(0, cut) + h.slice(cut + 1));
    }
    const wrong = candidates.filter((s) => runDfa(dfa, utf8(s)) !== reference(s));
    expect(wrong.slice(0, 10)).toEqual([]);
    expect(candidates.filter((s) => runDfa(dfa, utf8(s))).length).toBeGreaterThan(1000);
  });

  it("reads entries with an escape as globs and others verbatim", () => {
    const dfa = ok(compileSet(["C:\\\\tmp", "a\\*b", "日本.jp"]));
    expect(runDfa(dfa, utf8("C:\\tmp"))).toBe(true);
    expect(runDfa(dfa, utf8("a*b"))).toBe(true);
    expect(runDfa(dfa, utf8("a\\*b"))).toBe(false);
    expect(runDfa(dfa, utf8("axb"))).toBe(false);
    expect(runDfa(dfa, utf8("日本.jp"))).toBe(true);
    expect(runDfa(dfa, utf8("日本xjp"))).toBe(false);
    // "x[y" has an unescaped `[` so it is a glob, and an unterminated one.
    expect(compileSet(["x[y"])).toMatchObject({ ok: false, error: expect.stringContaining("unterminated") });
  });

  it("handles the empty set, the empty string and duplicates", () => {
    const never = ok(compileSet([]));
    expect(runDfa(never, utf8(""))).toBe(false);
    expect(runDfa(never, utf8("a"))).toBe(false);
    const empty = ok(compileSet(["", ""]));
    expect(runDfa(empty, utf8(""))).toBe(true);
    expect(runDfa(empty, utf8("a"))).toBe(false);
  });

  it("equals the union of its entries on random small sets", () => {
    const random = rng(3);
    const pieces = ["a", "b", ".", "/", "*", "**", "?", "[ab]", "日"];
    const chars = ["a", "b", ".", "/", "日", "x"];
    const wrong: string[] = [];
    for (let i = 0; i < 60; i++) {
      const entries = Array.from({ length: 1 + Math.floor(random() * 6) }, () =>
        Array.from({ length: Math.floor(random() * 4) }, () => pieces[Math.floor(random() * pieces.length)]).join(""),
      );
      const dfa = ok(compileSet(entries));
      for (let j = 0; j < 40; j++) {
        const input = Array.from({ length: Math.floor(random() * 5) }, () => chars[Math.floor(random() * chars.length)]).join("");
        const want = entries.some((e) => (isGlob(e) ? refGlob(e, input) : e === input));
        if (runDfa(dfa, utf8(input)) !== want) wrong.push(`${JSON.stringify(entries)} on ${JSON.stringify(input)}: expected ${want}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("reports a set that needs too many states", () => {
    expect(compileSet(["abcdefgh", "xyz"], { maxStates: 6 })).toEqual({
      ok: false,
      error: "set of 2 entries needs more than 6 automaton states; split it or use fewer globs",
    });
  });
});
