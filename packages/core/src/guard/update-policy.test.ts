import { describe, it, expect, vi, afterEach } from "vitest";
import { createGuard } from "./guard.js";
import { Engine } from "../engine/host.js";
import { callbackSink, memorySink } from "../audit/sinks.js";
import { verifyChain } from "../audit/verify.js";
import { replayAuditLog } from "../replay/replay.js";
import { PolicyUpdateError } from "../errors.js";
import { loadPolicy } from "../policy/load.js";
import type { Action } from "./action.js";
import type { AuditRecord } from "../audit/record.js";
import { generatePlanKey, signPlan } from "../plans/sign.js";

const OLD = `version: 1
default: deny
rules:
  - id: tools
    when: action.kind == "tool"
    effect: allow
  - id: http
    when: action.kind == "http"
    effect: allow
  - id: nuke
    when: action.tool == "nuke"
    effect: kill
sequences:
  - id: read-then-send
    steps:
      - when: action.tool == "read"
      - when: action.tool == "send"
    effect: deny
limits:
  - id: searches
    when: action.tool == "search"
    max: 2
    effect: deny
flows:
  sources:
    - when: action.tool == "db"
      labels: [pii]
`;
// The same sequence and limit (a larger `max`), search no longer allowed by name, a session-scope sink.
const NEW = OLD.replace("    max: 2\n", "    max: 3\n") + `  sinks:
    - id: no-pii-out
      when: action.kind == "http"
      forbid: [pii]
      scope: session
      effect: deny
`;
const tool = (t: string, session = "s1"): Action => ({ kind: "tool", session, tool: t });
const http: Action = { kind: "http", session: "s1", url: "https://example.com/" };
const lines = (sink: { lines: string[] }) => sink.lines.map((text, i) => ({ text, file: "memory", line: i + 1 }));

afterEach(() => vi.restoreAllMocks());

describe("guard.updatePolicy", () => {
  it("swaps policies: decisions before are the old policy's, after the new one's, and it says what carried", async () => {
    const guard = await createGuard({ policy: OLD });
    const before = guard.policy.hash;
    expect(guard.check(http, { now: 1 })).toMatchObject({ effect: "allow" });
    const change = await guard.updatePolicy(OLD.replace('action.kind == "http"\n    effect: allow', 'action.kind == "http"\n    effect: deny'), { reason: "no egress" });
    expect(change).toEqual({ from: before, to: guard.policy.hash, reason: "no egress", carried: ["read-then-send", "searches"], dropped: [] });
    expect(guard.policy.hash).not.toBe(before);
    expect(guard.check(http, { now: 2 })).toMatchObject({ effect: "deny", rule: "http" });
  });

  it("decides every check made while the update is under way with the old policy, whole", async () => {
    const guard = await createGuard({ policy: OLD });
    const pending = guard.updatePolicy(NEW.replace('action.kind == "tool"', 'action.kind == "db"'));
    // The update awaits the engine: these run under the old policy, and their state is carried.
    expect(guard.check(tool("search"), { now: 1 })).toMatchObject({ effect: "allow", rule: "tools" });
    expect(guard.check(tool("read"), { now: 2 })).toMatchObject({ effect: "allow", rule: "tools" });
    await pending;
    expect(guard.check(tool("search"), { now: 3 })).toMatchObject({ effect: "deny", code: "default" });
  });

  it("carries unchanged sequences and limits, kill marks and labels; drops a changed sequence", async () => {
    const guard = await createGuard({ policy: OLD });
    guard.check(tool("read"), { now: 1 });
    guard.check(tool("search"), { now: 2 });
    guard.check(tool("search"), { now: 3 });
    guard.check(tool("db"), { now: 4 });
    guard.recordResult({ session: "s1", tool: "db", output: "alice@example.com" });
    guard.check(tool("nuke", "s2"), { now: 5 });
    guard.check(tool("read", "s3"), { now: 6 });
    await guard.updatePolicy(NEW);
    // The sequence completes across the update; the limit counts the two searches before it (max now 3).
    expect(guard.check(tool("send"), { now: 7 })).toMatchObject({ effect: "deny", code: "sequence", rule: "read-then-send" });
    expect(guard.check(tool("search"), { now: 8 })).toMatchObject({ effect: "allow" });
    expect(guard.check(tool("search"), { now: 9 })).toMatchObject({ effect: "deny", code: "limit", rule: "searches" });
    // The session read pii before the update; the new session-scope sink sees it.
    expect(guard.check(http, { now: 10 })).toMatchObject({ effect: "deny", code: "flow", rule: "no-pii-out" });
    expect(guard.check(tool("search", "s2"), { now: 11 })).toMatchObject({ effect: "deny", code: "killed" });
    // A changed sequence starts afresh: s3's first step no longer counts.
    const changed = NEW.replace('      - when: action.tool == "send"', '      - when: action.tool == "send" || action.tool == "post"');
    expect((await guard.updatePolicy(changed)).dropped).toEqual(["read-then-send"]);
    expect(guard.check(tool("send", "s3"), { now: 12 })).toMatchObject({ effect: "allow" });
  });

  it("drops trajectory state it cannot prove compatible: a policy compiled without its document", async () => {
    const guard = await createGuard({ policy: OLD });
    guard.check(tool("read"), { now: 1 });
    const { policy } = loadPolicy(OLD);
    const bare = { ...policy! };
    const change = await guard.updatePolicy(bare);
    expect(change.dropped).toEqual(["read-then-send", "searches"]);
    expect(guard.check(tool("send"), { now: 2 })).toMatchObject({ effect: "allow" });
  });

  it("rejects an invalid policy with its issues, and keeps the old one in force for every session", async () => {
    const guard = await createGuard({ policy: OLD });
    const before = guard.policy;
    guard.check(tool("read"), { now: 1 });
    const err = await guard.updatePolicy('version: 1\ndefault: deny\nrules:\n  - id: x\n    when: action.command.matches("(a)\\\\1")\n    effect: deny\n').catch((e) => e);
    expect(err).toBeInstanceOf(PolicyUpdateError);
    expect(err).toMatchObject({ code: "invalid_policy" });
    expect(err.issues.map((i: { code: string }) => i.code)).toEqual(["invalid_pattern"]);
    expect(guard.policy).toBe(before);
    expect(guard.check(tool("send"), { now: 2 })).toMatchObject({ effect: "deny", code: "sequence" });
    expect(guard.check(tool("other", "s9"), { now: 3 })).toMatchObject({ effect: "allow", rule: "tools" });
  });

  it("rejects a compiled policy it cannot read before touching anything, and keeps the old one whole", async () => {
    const guard = await createGuard({ policy: OLD });
    const before = guard.policy;
    guard.check(tool("read"), { now: 1 });
    // A program the engine takes, with the host's part missing: the guard's derived tables cannot be built.
    const broken = { ...loadPolicy(NEW).policy!, rules: undefined } as unknown as typeof before;
    const err = await guard.updatePolicy(broken).catch((e) => e);
    expect(err).toBeInstanceOf(PolicyUpdateError);
    expect(err).toMatchObject({ code: "invalid_policy" });
    expect(guard.policy).toBe(before);
    expect(guard.check(tool("send"), { now: 2 })).toMatchObject({ effect: "deny", code: "sequence" });
    expect(guard.check(tool("other", "s9"), { now: 3 })).toMatchObject({ effect: "allow", rule: "tools" });
  });

  it("rejects when the engine cannot be set up for the new policy, and goes on deciding with the old", async () => {
    const guard = await createGuard({ policy: OLD });
    const before = guard.policy;
    vi.spyOn(Engine, "create").mockRejectedValueOnce(new Error("out of memory"));
    await expect(guard.updatePolicy(NEW)).rejects.toMatchObject({ code: "engine_fault", message: expect.stringContaining("out of memory") });
    expect(guard.policy).toBe(before);
    expect(guard.check(tool("search", "s4"), { now: 1 })).toMatchObject({ effect: "allow", rule: "tools" });
    // A later update goes through.
    await guard.updatePolicy(NEW);
    expect(guard.policy).not.toBe(before);
  });

  it("rejects when the state cannot be carried over, changing nothing", async () => {
    const guard = await createGuard({ policy: OLD });
    const before = guard.policy;
    guard.check(tool("read"), { now: 1 });
    const spy = vi.spyOn(Engine.prototype, "importRecord").mockImplementationOnce(() => { throw new RangeError("offset is out of bounds"); });
    await expect(guard.updatePolicy(NEW)).rejects.toMatchObject({ code: "engine_fault", message: expect.stringContaining("carried over") });
    spy.mockRestore();
    expect(guard.policy).toBe(before);
    // The old engine's state is whole: the sequence still completes, other sessions still decide.
    expect(guard.check(tool("send"), { now: 2 })).toMatchObject({ effect: "deny", code: "sequence" });
    expect(guard.check(tool("x", "s5"), { now: 3 })).toMatchObject({ effect: "allow" });
  });

  it("rejects when the audit log cannot record the change, and decides with the old policy once the sink recovers", async () => {
    let broken = false;
    const written: AuditRecord[] = [];
    const sink = callbackSink((records) => {
      if (broken) throw new Error("disk full");
      written.push(...records);
    });
    const guard = await createGuard({ policy: OLD, audit: { sinks: [sink] } });
    const before = guard.policy;
    guard.check(tool("a"), { now: 1 });
    broken = true;
    await expect(guard.updatePolicy(NEW)).rejects.toMatchObject({ code: "audit_error", message: expect.stringContaining("disk full") });
    expect(guard.policy).toBe(before);
    broken = false;
    await guard.flush();
    expect(guard.check(tool("search", "s6"), { now: 2 })).toMatchObject({ effect: "allow", rule: "tools" });
    await guard.flush();
    expect(written.map((r) => r.type)).toEqual(["decision", "decision"]);
  });

  it("records the change in the hash chain; records after it name the new policy; replay under the old one stops there", async () => {
    const sink = memorySink();
    const guard = await createGuard({ policy: OLD, audit: { sinks: [sink] } });
    const from = guard.policy.hash;
    guard.check(tool("a"), { now: 1 });
    await guard.updatePolicy(NEW, { reason: "ticket 42" });
    guard.check(tool("b"), { now: 2 });
    await guard.flush();
    const records = sink.records as Record<string, any>[];
    expect(records.map((r) => r.type)).toEqual(["decision", "policy", "decision"]);
    expect(records[1]).toMatchObject({ session: "", policy: guard.policy.hash, event: { from, to: guard.policy.hash, reason: "ticket 42", carried: ["read-then-send", "searches"], dropped: [] } });
    expect(records[0]!.policy).toBe(from);
    expect(records[2]!.policy).toBe(guard.policy.hash);
    expect(verifyChain(lines(sink))).toMatchObject({ ok: true, records: 3 });
    const report = await replayAuditLog(lines(sink), { policy: OLD });
    expect(report.error).toMatchObject({ code: "policy_changed", line: 2 });
    expect(report.counts).toMatchObject({ decisions: 1, same: 1 });
    // Under a policy of one's own, replay goes through the change.
    const whatIf = await replayAuditLog(lines(sink), { policy: NEW.replace("max: 3", "max: 9") });
    expect(whatIf.error).toBeUndefined();
    expect(whatIf.counts.decisions).toBe(2);
  });

  it("keeps a sealed plan a key of the new policy verifies, with its progress, and refuses a session whose plan it does not", async () => {
    const k1 = generatePlanKey();
    const k2 = generatePlanKey();
    const withKeys = (...keys: string[]) => `${OLD}plans:\n  keys: [${keys.map((k) => `"${k}"`).join(", ")}]\n`;
    const guard = await createGuard({ policy: withKeys(k1.publicKey) });
    // a then b, once each: progress is in the session's record.
    const plan = { version: 1, nodes: { a: { when: 'action.tool == "a"' }, b: { when: 'action.tool == "b"' } }, edges: [["start", "a"], ["a", "b"]] };
    expect(guard.installPlan({ session: "s1", plan, signature: signPlan(plan, k1.secretKey) })).toEqual({ ok: true });
    expect(guard.check(tool("a"), { now: 1 })).toMatchObject({ effect: "allow" });
    await guard.updatePolicy(withKeys(k1.publicKey, k2.publicKey));
    expect(guard.check(tool("a"), { now: 2 })).toMatchObject({ effect: "deny", code: "off_plan" });
    expect(guard.check(tool("b"), { now: 3 })).toMatchObject({ effect: "allow" });
    // Key k1 is withdrawn: the plan it signed no longer confines the session, so the session is refused.
    await guard.updatePolicy(withKeys(k2.publicKey));
    expect(guard.check(tool("x"), { now: 4 })).toMatchObject({ effect: "deny", code: "plan_revoked" });
    expect(guard.check(tool("x", "s7"), { now: 5 })).toMatchObject({ effect: "allow" });
    const next = { version: 1, nodes: { x: { when: 'action.tool == "x"' } }, edges: [["start", "x"]] };
    expect(guard.installPlan({ session: "s1", plan: next, signature: signPlan(next, k2.secretKey) })).toEqual({ ok: true });
    expect(guard.check(tool("x"), { now: 6 })).toMatchObject({ effect: "allow" });
  });

  it("does not let an approval asked under the old policy grant anything under the new one", async () => {
    const ASK = OLD.replace('  - id: nuke', '  - id: refund\n    when: action.tool == "refund"\n    effect: ask\n  - id: nuke');
    let release!: () => void;
    const answered = new Promise<void>((r) => { release = r; });
    const guard = await createGuard({ policy: ASK, approver: async () => { await answered; return { approved: true, ttlMs: 60_000 }; } });
    const pending = guard.decide(tool("refund"), { now: 1 });
    await guard.updatePolicy(ASK.replace("max: 2", "max: 5"));
    release();
    expect(await pending).toMatchObject({ effect: "deny", code: "approval_error" });
  });

  it("carries agent- and global-scope limits, and the origin floor by name", async () => {
    const G = `version: 1
default: deny
rules:
  - id: t
    when: action.kind == "tool"
    effect: allow
limits:
  - id: g
    when: action.tool == "x"
    max: 1
    scope: global
    effect: deny
  - id: per-agent
    when: action.tool == "y"
    max: 1
    scope: agent
    effect: deny
origins:
  order: [untrusted, trusted_user]
  control_sinks:
    - id: floor
      when: action.tool == "write"
      min_origin: trusted_user
      effect: deny
`;
    const guard = await createGuard({ policy: G });
    expect(guard.check(tool("x"), { now: 1 }).effect).toBe("allow");
    expect(guard.check({ ...tool("y"), agent: "bob" }, { now: 2 }).effect).toBe("allow");
    guard.recordResult({ session: "s1", tool: "y", output: "page text", origin: "untrusted" });
    expect(guard.check(tool("write", "s2"), { now: 3 }).effect).toBe("allow");
    await guard.updatePolicy(G.replace("[untrusted, trusted_user]", "[untrusted, memory, trusted_user]"));
    expect(guard.check(tool("x", "s9"), { now: 4 })).toMatchObject({ effect: "deny", code: "limit", rule: "g" });
    expect(guard.check({ ...tool("y", "s9"), agent: "bob" }, { now: 5 })).toMatchObject({ effect: "deny", rule: "per-agent" });
    expect(guard.check({ ...tool("y", "s9"), agent: "eve" }, { now: 6 }).effect).toBe("allow");
    // s1's floor is still `untrusted` under the new order; s2's is still the top.
    expect(guard.check(tool("write"), { now: 7 })).toMatchObject({ effect: "deny", code: "origin" });
    expect(guard.check(tool("write", "s2"), { now: 8 }).effect).toBe("allow");
    // An order that does not name a session's floor leaves it at the lowest: s2 is refused now.
    await guard.updatePolicy(G.replace("[untrusted, trusted_user]", "[web, trusted]").replace("min_origin: trusted_user", "min_origin: trusted"));
    expect(guard.check(tool("write", "s2"), { now: 9 })).toMatchObject({ effect: "deny", code: "origin" });
  });

  it("runs updates one at a time, in call order", async () => {
    const guard = await createGuard({ policy: OLD });
    const first = guard.updatePolicy(NEW);
    const second = guard.updatePolicy(OLD);
    const [a, b] = await Promise.all([first, second]);
    expect(b.from).toBe(a.to);
    expect(guard.policy.hash).toBe(a.from);
  });
});
