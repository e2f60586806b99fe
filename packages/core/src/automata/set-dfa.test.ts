import { describe, expect, it } from "vitest";
import { compileSet, compileSetViaNfa } from "./glob.js";
import { exactSetDfa } from "./set-dfa.js";
import { DEFAULT_MAX_STATES, runDfa } from "./dfa.js";
import { ok, rng, utf8 } from "./dfa.test-support.js";

// The direct route must give the very table the NFA route gives: the engine runs the table, so equal
// tables mean equal decisions, and the program bytes (and so compiled policies) stay the same.
const viaNfa = (entries: string[]) => {
  const unique = [...new Set(entries)];
  return ok(compileSetViaNfa(unique, DEFAULT_MAX_STATES, "set"));
};
const direct = (entries: string[]) => {
  const dfa = exactSetDfa([...new Set(entries)], DEFAULT_MAX_STATES);
  if (dfa === null) throw new Error("the direct route refused a small set");
  return ok({ ok: true, dfa });
};

describe("exactSetDfa", () => {
  it("builds the same table as the NFA route on generated sets", () => {
    const random = rng(11);
    // ASCII, a two-byte, a three-byte and a four-byte character, so that UTF-8 lead bytes are shared.
    const alphabet = ["a", "b", "c", ".", "-", "/", "é", "ë", "日", "本", "😀", "😁", "\u0000", "\u007f"];
    let compared = 0;
    for (let i = 0; i < 400; i++) {
      const size = Math.floor(random() * 8);
      const entries = Array.from({ length: size }, () =>
        Array.from({ length: Math.floor(random() * 7) }, () => alphabet[Math.floor(random() * alphabet.length)]).join(""),
      );
      if (entries.length === 0) continue; // the empty set never reaches either route
      expect(direct(entries), JSON.stringify(entries)).toEqual(viaNfa(entries));
      compared++;
    }
    expect(compared).toBeGreaterThan(300);
  });

  it("builds the same table for sets sharing long prefixes and suffixes", () => {
    const hosts: string[] = [];
    for (let i = 0; i < 300; i++) hosts.push(`api${i % 17}.svc${i % 5}.example`, `cdn-${i}.example`, `${i}.corp.example`);
    expect(direct(hosts)).toEqual(viaNfa(hosts));
    const paths = ["/etc/passwd", "/etc/shadow", "/etc/ssh/sshd_config", "/root/.ssh/id_rsa", "/home/u/.ssh/id_ed25519"];
    expect(direct(paths)).toEqual(viaNfa(paths));
  });

  it("accepts exactly its entries", () => {
    const entries = ["", "a", "ab", "日本.jp", "abc"];
    const dfa = direct(entries);
    for (const s of entries) expect(runDfa(dfa, utf8(s)), s).toBe(true);
    for (const s of ["b", "abcd", "日本", "日本.j", "A", "ab "]) expect(runDfa(dfa, utf8(s)), s).toBe(false);
  });

  it("returns null past the state cap", () => {
    // DEAD, MATCHED, then one state per byte prefix: "", "a", "ab", "abc", "abcd".
    expect(exactSetDfa(["abcd"], 7)?.stateCount).toBe(7);
    expect(exactSetDfa(["abcd"], 6)).toBeNull();
  });
});

describe("compileSet's routes", () => {
  it("refuses what the NFA route refuses, with its message", () => {
    expect(compileSet(["abcdefgh", "xyz"], { maxStates: 6 })).toEqual(compileSetViaNfa(["abcdefgh", "xyz"], 6, "set of 2 entries"));
  });

  it("matches a lone surrogate as the NFA route does (never)", () => {
    const entries = ["a\uD800", "b"];
    expect(ok(compileSet(entries))).toEqual(viaNfa(entries));
    expect(runDfa(ok(compileSet(entries)), utf8("a\uD800"))).toBe(false);
  });

  it("keeps globs on the NFA route", () => {
    const entries = ["*.example", "api.example"];
    expect(ok(compileSet(entries))).toEqual(viaNfa(entries));
    expect(runDfa(ok(compileSet(entries)), utf8("x.example"))).toBe(true);
  });
});
