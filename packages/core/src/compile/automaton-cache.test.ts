import { describe, expect, it } from "vitest";
import { cachedAutomaton, clearAutomatonCache } from "./automaton-cache.js";
import { compileRegex } from "../automata/index.js";
import { loadPolicy } from "../policy/load.js";
import { createGuard } from "../guard/guard.js";

describe("cachedAutomaton", () => {
  it("builds a pattern once and hands the same automaton back", () => {
    clearAutomatonCache();
    let builds = 0;
    const build = () => {
      builds++;
      return compileRegex("^/data/[a-z]+$");
    };
    const a = cachedAutomaton("re:^/data/[a-z]+$", build);
    const b = cachedAutomaton("re:^/data/[a-z]+$", build);
    expect(builds).toBe(1);
    expect(b).toBe(a);
  });

  it("remembers refusals too: an unsupported pattern stays refused", () => {
    clearAutomatonCache();
    const first = cachedAutomaton("re:(?=a)", () => compileRegex("(?=a)"));
    const again = cachedAutomaton("re:(?=a)", () => compileRegex("(?=a)"));
    expect(first.ok).toBe(false);
    expect(again).toBe(first);
  });

  it("keys named sets by their entries: two policies' `sets.hosts` stay apart", async () => {
    const policy = (host: string) => `
version: 1
default: deny
sets:
  hosts: [${host}]
rules:
  - id: known-host
    when: action.kind == "http" && action.host in sets.hosts
    effect: allow
`;
    const a = await createGuard({ policy: policy("a.example") });
    const b = await createGuard({ policy: policy("b.example") });
    const to = (host: string) => ({ kind: "http" as const, session: "s", method: "GET", url: `https://${host}/` });
    expect([a.check(to("a.example")).effect, a.check(to("b.example")).effect]).toEqual(["allow", "deny"]);
    expect([b.check(to("a.example")).effect, b.check(to("b.example")).effect]).toEqual(["deny", "allow"]);
  });

  it("gives the same compiled policy whether the cache is cold or warm", () => {
    const text = `
version: 1
default: deny
extends: [essential]
rules:
  - id: api
    when: action.kind == "http" && action.path.matches("^/api/v[0-9]+/") && action.host in ["api.example", "x.example"]
    effect: allow
`;
    clearAutomatonCache();
    const cold = loadPolicy(text).policy;
    const warm = loadPolicy(text).policy;
    expect(cold).toBeDefined();
    expect(warm).toEqual(cold);
  });
});
