import { describe, it, expect } from "vitest";
import { lintPolicy } from "./lint.js";
import { loadPolicy } from "./load.js";

const policy = (rules: string, extra = "") => `version: 1\ndefault: deny\n${extra}rules:\n${rules}`;
const rule = (id: string, when: string, effect: string, unless?: string) =>
  `  - id: ${id}\n    when: '${when}'\n${unless !== undefined ? `    unless: '${unless}'\n` : ""}    effect: ${effect}\n`;
const codes = (text: string) => lintPolicy(text).findings.map((f) => `${f.code} ${JSON.stringify(f.path)}`);

describe("lintPolicy: loader findings", () => {
  it("reports the loader's errors with their codes, paths and positions, and says the policy does not load", () => {
    const text = policy(rule("a", 'action.command.matches("(a)\\\\1")', "deny"));
    const loaded = loadPolicy(text);
    const { loads, findings } = lintPolicy(text);
    expect(loads).toBe(false);
    expect(loaded.errors.map((e) => e.code)).toEqual(["invalid_pattern"]);
    expect(findings).toEqual(loaded.errors.map((e) => ({ ...e, severity: "error" })));
  });

  it("does not crash on YAML that does not parse", () => {
    const { loads, findings } = lintPolicy("version: 1\ndefault: [deny\n");
    expect(loads).toBe(false);
    expect(findings.map((f) => [f.code, f.severity])).toEqual([["parse_error", "error"]]);
  });

  it("keeps linting the rest of a policy that has errors", () => {
    const text = policy(rule("bad", "action.tol == 1", "deny") + rule("dead", 'action.kind == "file"', "allow"));
    expect(codes(text)).toEqual(['unknown_field ["rules",0,"when"]', 'never_matches ["rules",1,"when"]']);
  });

  it("passes on `default: allow` as a warning, and nothing for `default: deny`", () => {
    const allow = lintPolicy("version: 1\ndefault: allow\n");
    expect(allow.loads).toBe(true);
    expect(allow.findings).toEqual([expect.objectContaining({ code: "default_allow", severity: "warning", path: ["default"], line: 2, column: 10 })]);
    expect(lintPolicy("version: 1\ndefault: deny\n").findings).toEqual([]);
  });
});

describe("lintPolicy: never_matches", () => {
  const never = (when: string, effect = "allow", unless?: string) => codes(policy(rule("r", when, effect, unless)));

  it("finds contradictory tests on one field", () => {
    expect(never('action.kind == "http" && action.kind == "shell"')).toEqual(['never_matches ["rules",0,"when"]']);
    expect(never('action.tool in ["a", "b"] && action.tool == "c"')).toEqual(['never_matches ["rules",0,"when"]']);
    expect(never('action.port > 100 && action.port < 50', "deny")).toEqual(['never_matches ["rules",0,"when"]']);
    expect(never('action.tool == "a" && !(action.tool == "a")', "deny")).toEqual(['never_matches ["rules",0,"when"]']);
    expect(never('action.host.startsWith("x") && action.host == "yz"')).toEqual(['never_matches ["rules",0,"when"]']);
  });

  it("finds values the guard never hands to the rules", () => {
    expect(never('action.kind == "file"')).toEqual(['never_matches ["rules",0,"when"]']);
    expect(never('action.method == "get"', "deny")).toEqual(['never_matches ["rules",0,"when"]']);
    expect(never('action.file == "etc/passwd"', "deny")).toEqual(['never_matches ["rules",0,"when"]']);
    expect(never('action.file.startsWith("~/")', "deny")).toEqual(['never_matches ["rules",0,"when"]']);
    expect(never("action.port == 70000", "deny")).toEqual(['never_matches ["rules",0,"when"]']);
  });

  it("finds an `unless` that always holds, and one that holds whenever `when` does", () => {
    expect(never('action.tool == "a"', "allow", "true")).toEqual(['never_matches ["rules",0,"unless"]']);
    expect(never('action.tool == "a"', "deny", 'action.tool in ["a", "b"]')).toEqual(['never_matches ["rules",0]']);
    expect(lintPolicy(policy(rule("r", 'action.kind == "http" && action.kind == "db"', "allow"))).findings[0]!.message)
      .toBe("rule `r` can never match: no value of `action.kind` meets (action.kind == \"http\") and (action.kind == \"db\")");
  });

  it("near misses: satisfiable conditions, and restrictive rules whose conditions can err", () => {
    expect(never('action.kind == "http" || action.kind == "shell"')).toEqual([]);
    expect(never('action.port > 50 && action.port < 100')).toEqual([]);
    expect(never('action.method == "GET"', "deny")).toEqual([]);
    expect(never('action.file.startsWith("/etc/")', "deny")).toEqual([]);
    expect(never('action.tool == "a"', "allow", 'action.tool == "b"')).toEqual([]);
    // An argument compared with two values errs when it is neither a string: a deny rule then matches.
    expect(never('action.args.x == "a" && action.args.x == "b"', "deny")).toEqual([]);
    // … while an allow rule does not: there the contradiction is certain.
    expect(never('action.args.x == "a" && !(action.args.x == "a")', "allow")).toEqual(['never_matches ["rules",0,"when"]']);
    // A deny rule's erring `unless` never narrows it.
    expect(never('action.tool == "a"', "deny", 'action.args.x == "a" || !(action.args.x == "a")')).toEqual([]);
  });
});

describe("lintPolicy: shadowing", () => {
  it("finds an allow rule a deny rule covers, whatever their order", () => {
    const text = policy(rule("ok", 'action.tool == "rm" && action.agent == "ops"', "allow") + rule("no-rm", 'action.tool in ["rm", "mv"]', "deny"));
    expect(codes(text)).toEqual(['shadowed_allow ["rules",0]']);
    expect(lintPolicy(text).findings[0]!.message).toBe("rule `ok` (allow) never lets anything through: `no-rm` (deny) matches every action it matches");
  });

  it("finds an allow rule an unconditional kill covers, and a flag rule under a number range", () => {
    expect(codes(policy(rule("ok", 'action.tool == "a"', "flag") + rule("all", "true", "kill")))).toEqual(['shadowed_allow ["rules",0]']);
    expect(codes(policy(rule("ok", "action.port >= 8000 && action.port < 8080", "allow") + rule("hi", "action.port > 1024", "deny")))).toEqual(['shadowed_allow ["rules",0]']);
  });

  it("finds an allow rule an essential rule covers, and not one it cannot prove covered", () => {
    const covered = policy(rule("ok", 'action.program == "rm" && action.command.contains("--no-preserve-root") && action.agent == "ops"', "allow"), "extends: [essential]\n");
    expect(codes(covered)).toEqual(['shadowed_allow ["rules",0]']);
    expect(lintPolicy(covered).findings[0]!.message).toContain("`essential.rm-no-preserve-root` (deny)");
    // `disk_tools` holds a glob (`mkfs.*`): lint does not reason about what a glob matches.
    expect(codes(policy(rule("ok", 'action.program == "mkfs"', "allow"), "extends: [essential]\n"))).toEqual([]);
  });

  it("finds other rules that never decide: ask under deny, a later duplicate", () => {
    expect(codes(policy(rule("a", 'action.tool == "x"', "ask") + rule("d", 'action.tool == "x"', "deny")))).toEqual(['shadowed_rule ["rules",0]']);
    expect(codes(policy(rule("d1", 'action.tool == "x"', "deny") + rule("d2", 'action.tool == "x"', "deny")))).toEqual(['shadowed_rule ["rules",1]']);
  });

  it("near misses: a deny with an `unless`, a narrower deny, a weaker effect, an allow whose conditions err", () => {
    expect(codes(policy(rule("ok", 'action.tool == "rm"', "allow") + rule("no", 'action.tool == "rm"', "deny", 'action.agent == "ops"')))).toEqual([]);
    expect(codes(policy(rule("ok", 'action.tool in ["rm", "ls"]', "allow") + rule("no", 'action.tool == "rm"', "deny")))).toEqual([]);
    // The ask rule is broader than the deny, and a weaker effect never shadows a stronger one.
    expect(codes(policy(rule("d", 'action.tool == "x"', "deny") + rule("a", 'action.tool in ["x", "y"]', "ask")))).toEqual([]);
    expect(codes(policy(rule("ok", "action.port >= 1000", "allow") + rule("hi", "action.port > 1024", "deny")))).toEqual([]);
    // A deny rule with an erring condition matches where a covering rule's test is not true.
    expect(codes(policy(rule("d", 'action.tool == "x" && action.args.a == 1', "deny") + rule("k", 'action.tool == "x" && action.args.a == 1', "kill")))).toEqual([]);
  });
});

describe("lintPolicy: sets and labels", () => {
  it("finds a set no condition reads, and not one a rule, a sink or an output rule reads", () => {
    const text = `version: 1
default: deny
sets:
  used: [a]
  by_sink: [b]
  by_output: [c]
  idle: [d]
rules:
  - id: r
    when: action.tool in sets.used
    effect: allow
flows:
  sources:
    - when: action.tool == "db"
      labels: [pii]
  sinks:
    - id: s
      when: action.host in sets.by_sink
      forbid: [pii]
      effect: deny
outputs:
  - id: o
    when: action.tool in sets.by_output
    redact: ["x+"]
`;
    const { findings } = lintPolicy(text);
    expect(findings).toEqual([{ code: "unused_set", severity: "warning", path: ["sets", "idle"], message: "set `idle` is never used", line: 7, column: 3 }]);
  });

  it("finds a label a sink forbids that no source produces", () => {
    const text = `version: 1
default: deny
flows:
  sources:
    - when: action.tool == "db"
      labels: [pii]
  sinks:
    - id: s
      when: action.kind == "http"
      forbid: [pii, secrets]
      effect: deny
`;
    expect(codes(text)).toEqual(['unproduced_label ["flows","sinks",0,"forbid",1]']);
    expect(lintPolicy(text).findings[0]!.line).toBe(10);
  });
});

describe("lintPolicy: objects", () => {
  it("lints a parsed policy object, without positions", () => {
    const { loads, findings } = lintPolicy({ version: 1, default: "deny", sets: { s: ["x"] }, rules: [{ id: "r", when: 'action.kind == "nope"', effect: "allow" }] });
    expect(loads).toBe(true);
    expect(findings.map((f) => [f.code, f.line])).toEqual([["never_matches", undefined], ["unused_set", undefined]]);
  });
});

describe("lintPolicy: never_matches outside the rules", () => {
  const impossible = `action.kind == "http" && action.kind == "shell"`;
  const possible = `action.kind == "http" && action.host == "x.example"`;
  // Each condition that cannot err and cannot hold, in every place a policy has a `when` besides its rules.
  const trajectory = (when: string) => `sequences:
  - id: seq
    steps:
      - when: 'action.kind == "shell"'
      - when: '${when}'
    effect: deny
limits:
  - id: lim
    when: '${when}'
    max: 3
    effect: deny
flows:
  sources:
    - when: '${when}'
      labels: [pii]
  sinks:
    - id: sink
      when: '${when}'
      forbid: [pii]
      effect: deny
origins:
  order: [untrusted, trusted_user]
  control_sinks:
    - id: ctl
      when: '${when}'
      min_origin: trusted_user
      effect: deny
outputs:
  - id: out
    when: '${when}'
    redact: ["secret"]
`;

  it("reports a sequence step, a limit, a flow source and sink, a control sink and an output rule that can never match", () => {
    const { loads, findings } = lintPolicy(policy(rule("ok", 'action.kind == "tool"', "allow"), trajectory(impossible)));
    expect(loads).toBe(true);
    expect(findings.map((f) => `${f.code} ${JSON.stringify(f.path)}`)).toEqual([
      'never_matches ["sequences",0,"steps",1,"when"]',
      'never_matches ["limits",0,"when"]',
      'never_matches ["flows","sources",0,"when"]',
      'never_matches ["flows","sinks",0,"when"]',
      'never_matches ["origins","control_sinks",0,"when"]',
      'never_matches ["outputs",0,"when"]',
    ]);
    expect(findings[0]?.message).toMatch(/^step 2 of sequence `seq` can never match: /);
    expect(findings[3]?.message).toMatch(/^flow sink `sink` can never match: /);
    expect(findings.every((f) => f.severity === "warning" && typeof f.line === "number")).toBe(true);
  });

  it("reports nothing where the same conditions can hold", () => {
    expect(lintPolicy(policy(rule("ok", 'action.kind == "tool"', "allow"), trajectory(possible))).findings).toEqual([]);
  });
});
