// Faults injected at every seam of a decision (issue 8): the engine trapping mid-decision, the engine
// refused memory, the approver throwing or never answering, an audit sink throwing or stalling. Each
// fault denies with a code and a reason that says why, and the guard goes on deciding for the other
// sessions exactly as a guard that never met the fault.

import { describe, it, expect, afterEach, vi } from "vitest";
import { createGuard, type Guard, type GuardOptions } from "./guard.js";
import { callbackSink, memorySink } from "../audit/sinks.js";
import { verifyChain } from "../audit/verify.js";
import { generatePlanKey, signPlan } from "../plans/sign.js";
import { injectEngineFaults, type EngineFaults } from "./faults.test-support.js";
import type { ApprovalAnswer, Approver } from "../approvals/types.js";
import type { Action } from "./action.js";
import type { AuditRecord } from "../audit/record.js";

const KEY = generatePlanKey();

// Rules, a limit, a sequence and a kill: state for a fault to lose or corrupt. Plans are enabled (not
// required), so that a session with a plan exercises the engine's plan seam.
const POLICY = `
version: 1
default: deny
rules:
  - { id: search, when: 'action.tool == "search"', effect: allow }
  - { id: refund, when: 'action.tool == "refund" && action.args.amount <= 100', effect: allow }
  - { id: big-refund, when: 'action.tool == "refund" && action.args.amount > 100', effect: ask }
  - { id: ls, when: 'action.program == "ls" || action.program == "cat"', effect: allow }
  - { id: web, when: 'action.kind == "http"', effect: allow }
  - { id: echo, when: 'action.tool == "echo"', effect: allow }
  - { id: note, when: 'action.tool == "note" && action.args.text != ""', effect: allow }
  - { id: stop, when: 'action.tool == "self_destruct"', effect: kill }
sequences:
  - id: shell-then-web
    steps: [{ when: 'action.kind == "shell"' }, { when: 'action.kind == "http"' }]
    within: 5
    effect: deny
limits:
  - { id: searches, when: 'action.tool == "search"', max: 3, effect: deny }
plans:
  keys: ["${KEY.publicKey}"]
`;

const tool = (session: string, t: string, args?: Record<string, unknown>): Action => ({ kind: "tool", session, tool: t, ...(args ? { args } : {}) });

/** What two sessions do before the fault: each has used two of its three searches. */
const BEFORE = (victim: string, bystander: string): Action[] => [tool(victim, "search"), tool(bystander, "search"), tool(victim, "search"), tool(bystander, "search")];

/** Actions whose decisions depend on the state of `s` (one search left) and on a fresh session `n`. */
const AFTER = (s: string, n: string): Action[] => [
  tool(s, "search"), tool(s, "search"), { kind: "shell", session: n, command: "ls && cat x" }, { kind: "http", session: n, url: "https://a.example/" },
  tool(n, "self_destruct"), tool(n, "search"), tool(s, "refund", { amount: 5 }),
];

const run = (guard: Guard, actions: Action[], from: number) => actions.map((a, i) => guard.check(a, { now: from + i }));

/** The decisions of a guard that never met a fault, for the same actions. */
async function unfaulted(options: Partial<GuardOptions> = {}) {
  const guard = await createGuard({ policy: POLICY, ...options });
  run(guard, BEFORE("v", "b"), 0);
  return { bystander: run(guard, AFTER("b", "n"), 100), victim: run(guard, [tool("v", "search"), tool("v", "search")], 200) };
}

/** Resolves once the guard's standby engine, made asynchronously after a trap, is ready. */
const standbyReady = () => new Promise((r) => setTimeout(r, 50));

describe("faults: the engine traps mid-decision", () => {
  let faults: EngineFaults | undefined;
  afterEach(() => faults?.restore());

  // Each point is an export the host calls during one decision, in order: the part's rules, the second
  // part of a shell line, the plan frontier, the decision against the session's record.
  const points: [string, string, (s: string) => Action, number][] = [
    ["the first part", "part", (s) => tool(s, "search"), 1],
    ["the second part of a shell line", "part", (s) => ({ kind: "shell", session: s, command: "ls; cat x" }), 2],
    ["the plan frontier", "sessionPlanPart", (s) => tool(s, "search"), 1],
    ["the decision against the session record", "finish", (s) => tool(s, "search"), 1],
  ];
  for (const [where, fn, action, nth] of points) {
    it(`denies when it traps in ${where} (\`${fn}\` call ${nth}), refuses that session once, and decides the others as before`, async () => {
      faults = injectEngineFaults();
      const guard = await createGuard({ policy: POLICY });
      run(guard, BEFORE("v", "b"), 0);
      const plan = { version: 1, nodes: { any: { when: "true" } }, edges: [["start", "any"], ["any", "any"]] };
      expect(guard.installPlan({ session: "v", plan, signature: signPlan(plan, KEY.secretKey) })).toEqual({ ok: true });
      faults.trapAt(fn, nth);
      const d = guard.check(action("v"), { now: 50 });
      expect(faults.calls(fn)).toBe(nth);
      expect(d).toMatchObject({ effect: "deny", code: "engine_fault", matched: [] });
      expect(d.reason).toBe("the engine trapped: unreachable");
      const expected = await unfaulted();
      // Other sessions, old and new, on the standby instance with every record carried over.
      expect(run(guard, AFTER("b", "n"), 100)).toEqual(expected.bystander);
      // The victim is refused once, then goes on with its state whole: one search left, as before.
      expect(guard.check(tool("v", "search"), { now: 150 })).toMatchObject({ effect: "deny", code: "engine_fault", reason: expect.stringContaining("a fault interrupted") });
      expect(run(guard, [tool("v", "search"), tool("v", "search")], 200)).toEqual(expected.victim);
    });
  }

  it("keeps deciding after a trap in every instance in turn, once each standby is ready", async () => {
    faults = injectEngineFaults();
    const guard = await createGuard({ policy: POLICY });
    for (let round = 0; round < 3; round++) {
      faults.trapAt("finish");
      expect(guard.check(tool(`t${round}`, "search"), { now: round * 10 })).toMatchObject({ effect: "deny", code: "engine_fault" });
      await standbyReady();
      expect(guard.check(tool(`fresh${round}`, "search"), { now: round * 10 + 1 })).toMatchObject({ effect: "allow", rule: "search" });
    }
  });
});

describe("faults: the engine is refused memory", () => {
  let faults: EngineFaults | undefined;
  afterEach(() => faults?.restore());

  // An engine that can never grow: its maximum is the memory it starts with (measured, not assumed).
  async function cappedGuard(extra: Partial<GuardOptions> = {}) {
    const probe = injectEngineFaults();
    await createGuard({ policy: POLICY, ...extra });
    const pages = probe.memories[0]!.buffer.byteLength / 65536;
    probe.restore();
    faults = injectEngineFaults({ maxPages: pages });
    return createGuard({ policy: POLICY, ...extra });
  }

  it("refuses a session it has no room for, and decides the sessions it holds as before", async () => {
    const guard = await cappedGuard();
    run(guard, BEFORE("v", "b"), 0);
    // New sessions until the records need memory the engine cannot get (a bound, so a broken cap fails
    // rather than runs on).
    let first = -1;
    for (let i = 0; i < 100_000 && first < 0; i++) {
      const d = guard.check(tool(`s${i}`, "echo"), { now: 10 });
      if (d.effect !== "allow") {
        first = i;
        expect(d).toMatchObject({ effect: "deny", code: "engine_fault", reason: expect.stringContaining("out of memory") });
      }
    }
    expect(first).toBeGreaterThan(0);
    // Not once: every time, while the memory is not there.
    expect(guard.check(tool(`s${first}`, "search"), { now: 21 })).toMatchObject({ effect: "deny", code: "engine_fault", reason: expect.stringContaining("out of memory") });
    // No instance was discarded (the guard's and its standby only): the refusal is not a trap.
    await standbyReady();
    expect(faults!.memories).toHaveLength(2);
    // Sessions it holds, the bystander and one that acted just before the refusal, decide as in a guard
    // without a cap where the same sessions acted.
    const reference = await createGuard({ policy: POLICY });
    run(reference, BEFORE("v", "b"), 0);
    reference.check(tool(`s${first - 1}`, "echo"), { now: 10 });
    expect(run(guard, AFTER("b", `s${first - 1}`), 100)).toEqual(run(reference, AFTER("b", `s${first - 1}`), 100));
    // The victim of nothing: the known session goes on without a refusal.
    expect(run(guard, [tool("v", "search"), tool("v", "search")], 200)).toEqual((await unfaulted()).victim);
  });

  it("still expires idle sessions while it refuses new ones, so their room goes to the sessions that come next", async () => {
    const guard = await cappedGuard({ policy: `${POLICY}sessions:\n  idle: 1s\n  evicted: fresh\n` });
    // Only new sessions act: no decision for a session that fits runs the sweep.
    let first = -1;
    for (let i = 0; i < 100_000 && first < 0; i++) {
      if (guard.check(tool(`s${i}`, "echo"), { now: 10 }).effect !== "allow") first = i;
    }
    expect(first).toBeGreaterThan(0);
    expect(guard.check(tool("late-1", "echo"), { now: 5_000 })).toMatchObject({ effect: "deny", code: "engine_fault" });
    expect(guard.check(tool("late-2", "echo"), { now: 5_001 })).toMatchObject({ effect: "allow", rule: "echo" });
  });

  it("refuses an action whose fields need more memory than it can get, and goes on with the same instance", async () => {
    const guard = await cappedGuard();
    run(guard, BEFORE("v", "b"), 0);
    // 1 MiB is within maxInputBytes but not within the capped memory.
    const d = guard.check(tool("v", "note", { text: "x".repeat(1024 * 1024) }), { now: 10 });
    expect(d).toMatchObject({ effect: "deny", code: "engine_fault", reason: expect.stringContaining("out of memory") });
    // No instance was discarded (the guard's and its standby only): the refusal is not a trap.
    await standbyReady();
    expect(faults!.memories).toHaveLength(2);
    const expected = await unfaulted();
    expect(run(guard, AFTER("b", "n"), 100)).toEqual(expected.bystander);
    expect(run(guard, [tool("v", "search"), tool("v", "search")], 200)).toEqual(expected.victim);
  });
});

describe("faults: the approver", () => {
  const approving = (fn: Approver): Partial<GuardOptions> => ({ approver: fn, approvalTimeoutMs: 50 });

  const failures: [string, Approver, string, string][] = [
    ["throws", () => { throw new Error("approver crashed"); }, "approval_error", "approver crashed"],
    ["throws a value whose every property throws", () => { throw new Proxy({}, { get() { throw new Error("no"); } }); }, "approval_error", "the approver failed"],
    ["rejects", () => Promise.reject(new Error("network down")), "approval_error", "network down"],
    ["never answers", () => new Promise<ApprovalAnswer>(() => {}), "approval_timeout", "no answer within 50 ms"],
  ];
  for (const [what, approver, code, why] of failures) {
    it(`denies when the approver ${what} (${code}), and the other sessions decide as before, meanwhile and afterwards`, async () => {
      const guard = await createGuard({ policy: POLICY, ...approving(approver) });
      run(guard, BEFORE("v", "b"), 0);
      const pending = guard.decide(tool("v", "refund", { amount: 500 }), { now: 50 });
      // While the approval is outstanding, nothing waits for it.
      const meanwhile = run(guard, AFTER("b", "n"), 100);
      const d = await pending;
      expect(d).toMatchObject({ effect: "deny", code, rule: "big-refund" });
      expect(d.reason).toContain(why);
      const expected = await unfaulted();
      expect(meanwhile).toEqual(expected.bystander);
      // The victim's refund never ran: its state is what it was.
      expect(run(guard, [tool("v", "search"), tool("v", "search")], 200)).toEqual(expected.victim);
    });
  }
});

describe("faults: an audit sink", () => {
  afterEach(() => {
    vi.useRealTimers();
  });
  const lines = (texts: string[]) => texts.map((text, i) => ({ text, file: "m", line: i + 1 }));

  it("throwing denies every decision (audit_error) until it writes again; nothing is lost and the chain is whole", async () => {
    let broken = false;
    const written: AuditRecord[] = [];
    const texts: string[] = [];
    const guard = await createGuard({
      policy: POLICY,
      audit: { sinks: [callbackSink((records, l) => { if (broken) throw new Error("disk full"); written.push(...records); texts.push(...l); })] },
    });
    run(guard, BEFORE("v", "b"), 0);
    await guard.flush();
    broken = true;
    expect(guard.check(tool("v", "search"), { now: 50 }).effect).toBe("allow");
    await expect(guard.flush()).rejects.toThrow(/disk full/);
    for (const s of ["v", "b", "n"]) {
      const d = guard.check(tool(s, "search"), { now: 60 });
      expect(d).toMatchObject({ effect: "deny", code: "audit_error" });
      expect(d.reason).toContain("disk full");
    }
    broken = false;
    await guard.flush();
    // The refusals changed no state: b has one search left, as in a guard that never saw them.
    expect(run(guard, AFTER("b", "n"), 100)).toEqual((await unfaulted()).bystander);
    await guard.flush();
    expect(written.map((r) => r.seq)).toEqual(written.map((_, i) => i));
    expect(verifyChain(lines(texts))).toMatchObject({ ok: true, records: written.length });
  });

  it("stalling past sinkTimeoutMs denies every decision (audit_error) until the write settles, then goes on without writing twice", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    let release: (() => void) | undefined;
    let stall = false;
    const sink = memorySink();
    const guard = await createGuard({
      policy: POLICY,
      audit: {
        sinkTimeoutMs: 1000,
        sinks: [{
          write(records, l) {
            if (!stall) return sink.write(records, l);
            return new Promise<void>((resolve) => {
              release = () => {
                void sink.write(records, l);
                resolve();
              };
            });
          },
        }],
      },
    });
    run(guard, BEFORE("v", "b"), 0);
    await guard.flush();
    stall = true;
    expect(guard.check(tool("v", "search"), { now: 50 }).effect).toBe("allow");
    await Promise.resolve();
    // Settled into a value at once: its rejection comes while the timers advance.
    const flushed = guard.flush().then(() => undefined, (e: unknown) => e);
    // Within the timeout a slow write is only slow.
    await vi.advanceTimersByTimeAsync(999);
    expect(guard.check(tool("b", "echo"), { now: 51 }).effect).toBe("allow");
    await vi.advanceTimersByTimeAsync(1);
    expect(String(await flushed)).toMatch(/has not finished within 1000 ms/);
    for (const s of ["v", "b", "n"]) {
      const d = guard.check(tool(s, "search"), { now: 60 });
      expect(d).toMatchObject({ effect: "deny", code: "audit_error" });
      expect(d.reason).toContain("its write has not finished within 1000 ms");
    }
    stall = false;
    release!();
    await vi.advanceTimersByTimeAsync(0);
    expect(run(guard, AFTER("b", "n"), 100)).toEqual((await unfaulted()).bystander);
    await guard.flush();
    // The late write counted: every record once, in order, the chain whole.
    expect(sink.records.map((r) => r.seq)).toEqual(sink.records.map((_, i) => i));
    expect(verifyChain(lines(sink.lines))).toMatchObject({ ok: true, records: sink.records.length });
  });

  it("a flush asked after a write has stalled past sinkTimeoutMs is refused at once, not left waiting", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const guard = await createGuard({ policy: POLICY, audit: { sinkTimeoutMs: 1000, sinks: [{ write: () => new Promise<void>(() => {}) }] } });
    expect(guard.check(tool("v", "search"), { now: 1 }).effect).toBe("allow");
    await Promise.resolve();
    await vi.advanceTimersByTimeAsync(1000);
    const late = guard.flush().then(() => "resolved", (e: unknown) => String(e));
    await vi.advanceTimersByTimeAsync(0);
    expect(await Promise.race([late, Promise.resolve("pending")])).toMatch(/has not finished within 1000 ms/);
    expect(guard.check(tool("b", "search"), { now: 2 })).toMatchObject({ effect: "deny", code: "audit_error" });
  });

  it("a flush that never settles rejects after sinkTimeoutMs instead of hanging, and decisions deny meanwhile", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const sink = memorySink();
    const guard = await createGuard({ policy: POLICY, audit: { sinkTimeoutMs: 1000, sinks: [{ write: (r, l) => sink.write(r, l), flush: () => new Promise<void>(() => {}) }] } });
    expect(guard.check(tool("v", "search"), { now: 1 }).effect).toBe("allow");
    const flushed = guard.flush().then(() => undefined, (e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1000);
    expect(String(await flushed)).toMatch(/its flush has not finished within 1000 ms/);
    expect(guard.check(tool("b", "search"), { now: 2 })).toMatchObject({ effect: "deny", code: "audit_error" });
  });

  it("refuses a sinkTimeoutMs that is not a positive number", async () => {
    for (const sinkTimeoutMs of [0, -1, NaN, Infinity]) {
      await expect(createGuard({ policy: POLICY, audit: { sinkTimeoutMs, sinks: [] } }), String(sinkTimeoutMs)).rejects.toThrow(/`sinkTimeoutMs` must be a number > 0/);
    }
  });
});
