import { describe, it, expect } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { run, tempDir } from "./cli.test-support.js";

const { dir, file } = tempDir("trailguard-cli-");

const policy = file("policy.yaml", `version: 1
default: deny
extends: [essential]
rules:
  - id: search
    when: action.tool == "search"
    effect: allow
`);

describe("trailguard validate", () => {
  it("exits 0 for a valid policy", async () => {
    const r = await run("validate", policy);
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/ok \(\d+ rules, essential pack included\)/);
  });
  it("prints every problem as FILE:LINE:COL: message and exits 1", async () => {
    const bad = file("bad.yaml", "version: 1\ndefault: deny\nrules:\n  - id: a\n    when: action.tol == 1\n    effect: allow\n  - id: b\n    when: 'true'\n    effect: nope\n");
    const r = await run("validate", bad);
    expect(r.code).toBe(1);
    expect(r.err).toEqual([`${bad}:5:11: unknown field \`action.tol\`; known fields: kind, session, agent, tool, args, target, method, url, host, port, path, query, command, line, program, argv, file, statement, verb, tables, origin, labels, usage`, `${bad}:9:13: unknown effect \`nope\`; use one of \`allow\`, \`flag\`, \`ask\`, \`deny\`, \`kill\``]);
  });
  it("exits 1 for a missing file", async () => {
    const r = await run("validate", join(dir, "missing.yaml"));
    expect(r.code).toBe(1);
    expect(r.err[0]).toContain("no such file");
  });
});

describe("trailguard check", () => {
  const trace = file("trace.jsonl", [
    '{"type":"clock","now":1767225600000}',
    '{"type":"action","kind":"tool","session":"s1","tool":"search"}',
    "",
    '{"type":"result","session":"s1","tool":"search","output":"…"}',
    '{"type":"action","kind":"shell","session":"s2","command":"sudo rm -rf /"}',
    '{"type":"action","kind":"tool","session":"s1","tool":"delete"}',
  ].join("\n"));

  it("prints one JSON line per action with the event's index", async () => {
    const r = await run("check", "--policy", policy, "--trace", trace);
    expect(r.code).toBe(0);
    expect(r.out.map((l) => JSON.parse(l))).toEqual([
      { i: 1, session: "s1", effect: "allow", rule: "search", code: "rule" },
      { i: 3, session: "s2", effect: "deny", rule: "essential.rm-recursive-root", code: "rule" },
      { i: 4, session: "s1", effect: "deny", rule: null, code: "default" },
    ]);
  });
  it("checks a single --action", async () => {
    const r = await run("check", "--policy", policy, "--action", '{"kind":"tool","session":"s","tool":"search"}');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out[0]!)).toEqual({ i: 0, session: "s", effect: "allow", rule: "search", code: "rule" });
  });
  it("exits 1 for an invalid policy", async () => {
    const r = await run("check", "--policy", file("p2.yaml", "version: 2\n"), "--trace", trace);
    expect(r.code).toBe(1);
    expect(r.err.length).toBeGreaterThan(0);
  });
  it("exits 2 for an unreadable trace, naming the line", async () => {
    const bad = file("bad.jsonl", '{"type":"action","kind":"tool","session":"s"}\n{"type":"action",\n');
    const r = await run("check", "--policy", policy, "--trace", bad);
    expect(r.code).toBe(2);
    expect(r.err[0]).toMatch(new RegExp(`^${bad}:2: not valid JSON`));
    const unknown = file("unknown.jsonl", '{"type":"teleport"}\n');
    expect((await run("check", "--policy", policy, "--trace", unknown)).err[0]).toContain(":1: unknown event type `teleport`");
    expect((await run("check", "--policy", policy, "--trace", join(dir, "nope.jsonl"))).code).toBe(2);
    expect((await run("check", "--policy", policy, "--action", "{oops")).code).toBe(2);
  });
  it("exits 2 for bad usage", async () => {
    expect((await run("check", "--policy", policy)).code).toBe(2);
    expect((await run("check", "--policy", policy, "--trace", trace, "--bogus", "1")).code).toBe(2);
  });
});

describe("trailguard test", () => {
  it("passes when every case holds, and exits 1 with a diff when one does not", async () => {
    const tests = file("policy.test.yaml", `policy: policy.yaml
cases:
  - name: search is allowed
    action: { kind: tool, session: s, tool: search }
    expect: { effect: allow, rule: search }
  - name: rm -rf / is denied by the essential pack
    action: { kind: shell, session: s, command: "rm -rf /" }
    expect: { effect: deny, rule: essential.rm-recursive-root }
`);
    const ok = await run("test", tests);
    expect(ok.code).toBe(0);
    expect(ok.out.at(-1)).toBe("2 passed, 0 failed");

    const failing = file("failing.test.yaml", `policy: policy.yaml
cases:
  - name: wrong expectation
    events:
      - { type: action, kind: tool, session: s, tool: search }
    expect:
      - { effect: deny }
`);
    const bad = await run("test", failing);
    expect(bad.code).toBe(1);
    expect(bad.out).toEqual(["✗ wrong expectation", '    action 0: effect differs\n      - expected: "deny"\n      + actual:   "allow"', "0 passed, 1 failed"]);
  });
  it("accepts an inline policy and expected load errors", async () => {
    const tests = file("inline.test.yaml", `policy: |
  version: 1
  default: deny
  rules:
    - id: a
      when: action.tol == "x"
      effect: allow
cases:
  - name: the typo is caught
    expect_errors: [{ code: unknown_field, line: 5, column: 11 }]
`);
    const r = await run("test", tests);
    expect(r.out.at(-1)).toBe("1 passed, 0 failed");
    expect(r.code).toBe(0);
  });
  it("exits 2 for a test file it cannot read", async () => {
    expect((await run("test", file("broken.test.yaml", "cases: 3\npolicy: x\n"))).code).toBe(2);
    expect((await run("test", file("nopolicy.test.yaml", "policy: missing.yaml\ncases: []\n"))).code).toBe(2);
  });
});

describe("trailguard", () => {
  it("prints help and rejects unknown commands", async () => {
    expect((await run("--help")).code).toBe(0);
    expect((await run("frobnicate")).code).toBe(2);
    expect((await run()).code).toBe(2);
  });
});

describe("trailguard plan", () => {
  it("generates a key, signs a plan, and verifies it against a policy; a changed plan fails", async () => {
    const keygen = await run("plan", "keygen");
    expect(keygen.code).toBe(0);
    const { publicKey } = JSON.parse(keygen.out.join("\n")) as { publicKey: string };
    const keyFile = file("plan.key", keygen.out.join("\n"));
    const planFile = file("refund.plan.yaml", "version: 1\nnodes:\n  lookup: { when: 'action.tool == \"crm.lookup\"' }\nedges: [[start, lookup]]\n");
    const signed = await run("plan", "sign", "--key", keyFile, planFile);
    expect(signed.code).toBe(0);
    const sig = signed.out[0]!;
    const pol = file("plans.yaml", `version: 1\ndefault: deny\nplans:\n  required: true\n  keys: ["${publicKey}"]\n`);
    expect((await run("plan", "verify", "--policy", pol, "--signature", sig, planFile)).code).toBe(0);
    // Reformatted (JSON instead of YAML): still valid; changed: refused.
    const asJson = file("refund.plan.json", JSON.stringify({ edges: [["start", "lookup"]], nodes: { lookup: { when: 'action.tool == "crm.lookup"' } }, version: 1 }));
    expect((await run("plan", "verify", "--policy", pol, "--signature", sig, asJson)).code).toBe(0);
    const changed = file("evil.plan.yaml", "version: 1\nnodes:\n  lookup: { when: 'true' }\nedges: [[start, lookup]]\n");
    const bad = await run("plan", "verify", "--policy", pol, "--signature", sig, changed);
    expect(bad.code).toBe(1);
    expect(bad.err[0]).toContain("bad signature");
  });
  it("reports an invalid plan and bad usage", async () => {
    const broken = file("broken.plan.yaml", "version: 1\nnodes: {}\nedges: [[start, nowhere]]\n");
    expect((await run("plan", "sign", "--key", file("k", "x"), broken)).code).toBe(1);
    expect((await run("plan", "frobnicate")).code).toBe(2);
  });
});

describe("trailguard check --audit, audit verify, audit show", () => {
  const trace = file("audit-trace.jsonl", [
    '{"type":"clock","now":1767225600000}',
    '{"type":"action","kind":"tool","session":"s1","tool":"search","args":{"q":"secret query"}}',
    '{"type":"action","kind":"shell","session":"s1","command":"rm -rf /"}',
  ].join("\n"));

  it("writes the decisions to a log that verifies, continuing the chain on the next run", async () => {
    const log = join(dir, "audit-ok.jsonl");
    expect((await run("check", "--policy", policy, "--trace", trace, "--audit", log)).code).toBe(0);
    expect((await run("check", "--policy", policy, "--trace", trace, "--audit", log)).code).toBe(0);
    const text = await readFile(log, "utf8");
    expect(text.trim().split("\n")).toHaveLength(4);
    // Arguments are hashed by default: the query is not in the log.
    expect(text).not.toContain("secret query");
    const v = await run("audit", "verify", log);
    expect(v).toMatchObject({ code: 0, out: [`${log}: ok, 4 records in 1 file`] });
    const s = await run("audit", "show", log);
    expect(s.code).toBe(0);
    expect(s.out[0]).toMatch(/^time\s+session\s+agent\s+action\s+effect\s+rule$/);
    expect(s.out[1]).toMatch(/^2026-01-01T00:00:00\.000Z\s+s1\s+tool search\s+allow\s+search$/);
    expect(s.out[2]).toContain("essential.");
  });

  it("reports the first broken link of a tampered log and exits 1", async () => {
    const log = join(dir, "audit-bad.jsonl");
    await run("check", "--policy", policy, "--trace", trace, "--audit", log);
    const lines = (await readFile(log, "utf8")).trim().split("\n");
    writeFileSync(log, `${lines[0]!.replace('"effect":"allow"', '"effect":"deny"')}\n${lines[1]}\n`);
    const edited = await run("audit", "verify", log);
    expect(edited.code).toBe(1);
    expect(edited.out[0]).toMatch(new RegExp(`^${log.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:1: .*edited`));
    writeFileSync(log, `${lines[1]}\n`);
    const deleted = await run("audit", "verify", log);
    expect(deleted.code).toBe(1);
    expect(deleted.out[0]).toContain(":1: ");
  });

  it("exits 2 for bad usage and a missing log", async () => {
    expect((await run("audit")).code).toBe(2);
    expect((await run("audit", "verify")).code).toBe(2);
    expect((await run("audit", "verify", join(dir, "nope.jsonl"))).code).toBe(2);
  });
});

describe("trailguard replay", () => {
  const replayPolicy = file("replay-policy.yaml", `version: 1
default: deny
extends: [essential]
audit:
  clear: [args]
rules:
  - { id: search, when: 'action.tool == "search"', effect: allow }
  - { id: refund, when: 'action.tool == "refund" && action.args.amount <= 100', effect: allow }
limits:
  - { id: search-rate, when: 'action.tool == "search"', max: 2, per: 60s, effect: deny }
`);
  const trace = file("replay-trace.jsonl", [
    '{"type":"clock","now":1767225600000}',
    '{"type":"action","kind":"tool","session":"s1","tool":"search","args":{"q":"a"}}',
    '{"type":"action","kind":"tool","session":"s1","tool":"search","args":{"q":"b"}}',
    '{"type":"action","kind":"tool","session":"s1","tool":"search","args":{"q":"c"}}',
    '{"type":"action","kind":"tool","session":"s2","tool":"refund","args":{"amount":500}}',
    '{"type":"action","kind":"shell","session":"s2","command":"rm -rf /"}',
  ].join("\n"));
  const writeLog = async (name: string, policyFile = replayPolicy) => {
    const log = join(dir, name);
    expect((await run("check", "--policy", policyFile, "--trace", trace, "--audit", log)).code).toBe(0);
    return log;
  };

  it("exits 0 when the policy that wrote the log reproduces every decision, across rotated files", async () => {
    const log = await writeLog("replay-same.jsonl");
    // Rotate by hand: the first two records move to LOG.1, as the file sink would have moved them.
    const lines = (await readFile(log, "utf8")).trim().split("\n");
    writeFileSync(`${log}.1`, `${lines.slice(0, 2).join("\n")}\n`);
    writeFileSync(log, `${lines.slice(2).join("\n")}\n`);
    const r = await run("replay", "--policy", replayPolicy, log);
    expect(r).toMatchObject({ code: 0, err: [] });
    expect(r.out).toEqual([expect.stringMatching(new RegExp(`^${escape(log)}: 5 decisions replayed under the policy that wrote it \\([0-9a-f]{12}…\\): 5 same, 0 changed, 0 incomplete$`))]);
  });

  it("exits 1 and prints every decision a changed policy alters", async () => {
    const log = await writeLog("replay-changed.jsonl");
    const looser = file("replay-looser.yaml", readFileSync(replayPolicy, "utf8").replace("max: 2", "max: 5").replace("<= 100", "<= 1000"));
    const r = await run("replay", "--policy", looser, log);
    expect(r.code).toBe(1);
    expect(r.out[0]).toMatch(/^where\s+seq\s+session\s+action\s+recorded\s+replayed\s+note$/);
    expect(r.out[1]).toMatch(new RegExp(`^${escape(log)}:3\\s+2\\s+s1\\s+tool search\\s+deny search-rate \\(limit\\)\\s+allow search \\(rule\\)$`));
    expect(r.out[2]).toMatch(new RegExp(`^${escape(log)}:4\\s+3\\s+s2\\s+tool refund\\s+deny \\(default\\)\\s+allow refund \\(rule\\)$`));
    expect(r.out[3]).toMatch(/: 5 decisions replayed under policy [0-9a-f]{12}…; the log was written under [0-9a-f]{12}…: 3 same, 2 changed, 0 incomplete$/);
    expect(r.out).toHaveLength(4);

    const json = await run("replay", "--json", "--policy", looser, log);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.out[0]!) as { log: string; counts: Record<string, number>; differences: { seq: number; replayed: { effect: string } }[] };
    expect(report.log).toBe(log);
    expect(report.counts).toEqual({ records: 5, decisions: 5, same: 3, changed: 2, incomplete: 0 });
    expect(report.differences.map((d) => [d.seq, d.replayed.effect])).toEqual([[2, "allow"], [3, "allow"]]);
  });

  it("exits 1 with the decisions it cannot replay exactly: arguments the policy reads are only hashed", async () => {
    const hashed = file("replay-hashed.yaml", readFileSync(replayPolicy, "utf8").replace("audit:\n  clear: [args]\n", ""));
    const log = await writeLog("replay-hashed.jsonl", hashed);
    const r = await run("replay", "--policy", hashed, log);
    expect(r.code).toBe(1);
    // The four actions with arguments; the shell line has none.
    expect(r.out.filter((l) => l.includes("incomplete: its arguments are in the log only as `args_hash`"))).toHaveLength(4);
    expect(r.out.at(-1)).toMatch(/: 1 same, 0 changed, 4 incomplete$/);
  });

  it("exits 1 at a broken chain, saying where", async () => {
    const log = await writeLog("replay-broken.jsonl");
    const lines = (await readFile(log, "utf8")).trim().split("\n");
    lines[1] = lines[1]!.replace('"effect":"allow"', '"effect":"deny"');
    writeFileSync(log, `${lines.join("\n")}\n`);
    const r = await run("replay", "--policy", replayPolicy, log);
    expect(r.code).toBe(1);
    expect(r.out[0]).toBe(`${log}:2: record 1's hash does not match its content: the record was edited; records from here on were not replayed`);
    expect(r.out[1]).toMatch(/: 1 decision replayed .*: 1 same, 0 changed, 0 incomplete$/);
  });

  it("exits 2 for bad usage, an invalid or missing policy and a missing log", async () => {
    const log = await writeLog("replay-usage.jsonl");
    expect((await run("replay", log)).code).toBe(2);
    expect((await run("replay", "--policy", replayPolicy)).code).toBe(2);
    expect((await run("replay", "--policy", replayPolicy, "--bogus", log)).err[0]).toContain("unknown option `--bogus`");
    expect((await run("replay", "--policy", join(dir, "nope.yaml"), log)).code).toBe(2);
    const invalid = await run("replay", "--policy", file("replay-invalid.yaml", "version: 1\ndefault: maybe\n"), log);
    expect(invalid.code).toBe(2);
    expect(invalid.err[0]).toMatch(/replay-invalid\.yaml:2:\d+: /);
    const missing = await run("replay", "--policy", replayPolicy, join(dir, "nope.jsonl"));
    expect(missing).toMatchObject({ code: 2, err: [`${join(dir, "nope.jsonl")}: no such log`] });
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
