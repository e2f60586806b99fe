import { describe, it, expect, vi } from "vitest";
import { createGuard } from "./guard.js";
import { memorySink, callbackSink } from "../audit/sinks.js";
import { verifyChain } from "../audit/verify.js";
import { canonicalHash, sha256Hex } from "../audit/hash.js";
import type { Action } from "./action.js";

const POLICY = `
version: 1
default: deny
audit:
  clear: [args.amount]
rules:
  - id: charge
    when: action.tool == "charge" && action.args.amount <= 1000
    effect: allow
  - id: read
    when: action.tool == "db.read"
    effect: allow
flows:
  sources:
    - when: action.tool == "db.read"
      labels: [pii]
`;

const charge = (amount: number, session = "s1"): Action => ({ kind: "tool", session, tool: "charge", args: { amount, card: "4111 1111 1111 1111" } });
const lines = (sink: { lines: string[] }) => sink.lines.map((text, i) => ({ text, file: "memory", line: i + 1 }));

describe("the guard's audit log", () => {
  it("records every decision with the policy hash, the input hash and hashed arguments, in a chain that verifies", async () => {
    const sink = memorySink();
    const guard = await createGuard({ policy: POLICY, audit: { sinks: [sink] } });
    guard.check(charge(5), { now: 1_000 });
    guard.check(charge(5000), { now: 2_000 });
    guard.check({ kind: "tool", session: "s1", tool: "nope" } as Action, { now: 3_000 });
    await guard.flush();
    expect(sink.records).toHaveLength(3);
    const [a, b] = sink.records as Record<string, any>[];
    expect(a).toMatchObject({ type: "decision", session: "s1", adapter: "core", effect: "allow", rule: "charge", code: "rule", now: 1_000, policy: guard.policy.hash });
    expect(b).toMatchObject({ effect: "deny", code: "default", now: 2_000 });
    // Arguments: hashed, with only the kept path in clear; the card number is nowhere in the log.
    expect(a!.action).toEqual({ kind: "tool", tool: "charge", args_hash: canonicalHash({ amount: 5, card: "4111 1111 1111 1111" }), args: { amount: 5 } });
    expect(sink.lines.join("\n")).not.toContain("4111");
    expect(a!.input).toBe(canonicalHash(a!.action === undefined ? null : { kind: "tool", tool: "charge", args_hash: a!.action.args_hash }));
    expect(typeof a!.latency_us).toBe("number");
    expect(verifyChain(lines(sink))).toMatchObject({ ok: true, records: 3 });
  });

  it("records results, instructions and resets too, in the same chain", async () => {
    const sink = memorySink();
    const guard = await createGuard({ policy: POLICY, audit: { sinks: [sink] }, clock: () => 5 });
    guard.check({ kind: "tool", session: "s1", tool: "db.read" } as Action);
    guard.recordResult({ session: "s1", tool: "db.read", output: [{ email: "a@b.example" }] });
    guard.resetSession("s1");
    await guard.flush();
    expect(sink.records.map((r) => r.type)).toEqual(["decision", "result", "reset"]);
    expect((sink.records[1] as Record<string, any>).event).toEqual({ output_hash: canonicalHash([{ email: "a@b.example" }]), labels: ["pii"], tool: "db.read" });
    expect(sink.lines.join("\n")).not.toContain("a@b.example");
    expect(verifyChain(lines(sink))).toMatchObject({ ok: true, records: 3 });
  });

  it("denies while a sink is failing (by default), and decides again once it recovers", async () => {
    let broken = true;
    const written: unknown[] = [];
    const sink = callbackSink((records) => {
      if (broken) throw new Error("disk full");
      written.push(...records);
    });
    const guard = await createGuard({ policy: POLICY, audit: { sinks: [sink] } });
    expect(guard.check(charge(5), { now: 1 }).effect).toBe("allow");
    await expect(guard.flush()).rejects.toThrow();
    const d = guard.check(charge(5), { now: 2 });
    expect(d).toMatchObject({ effect: "deny", code: "audit_error" });
    expect(d.reason).toContain("disk full");
    broken = false;
    await guard.flush();
    expect(guard.check(charge(5), { now: 3 }).effect).toBe("allow");
    await guard.flush();
    // Nothing was lost: the records of the failed batch were written on the retry, the denial too.
    expect(written.map((r) => (r as { effect: string }).effect)).toEqual(["allow", "deny", "allow"]);
  });

  it("with onAuditError: allow, decides on while the sink fails, warning once", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const guard = await createGuard({ policy: POLICY, onAuditError: "allow", audit: { sinks: [callbackSink(() => { throw new Error("down"); })] } });
      guard.check(charge(5), { now: 1 });
      await guard.flush().catch(() => {});
      expect(guard.check(charge(5), { now: 2 }).effect).toBe("allow");
      expect(guard.check(charge(5), { now: 3 }).effect).toBe("allow");
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toContain("onAuditError");
    } finally {
      warn.mockRestore();
    }
  });

  it("records, and denies, an action whose getters throw, without throwing into the host", async () => {
    const sink = memorySink();
    const guard = await createGuard({ policy: POLICY, audit: { sinks: [sink] } });
    const hostile = Object.defineProperties({}, {
      kind: { get: () => { throw new Error("boom"); }, enumerable: true },
      session: { get: () => { throw new Error("boom"); }, enumerable: true },
    }) as Action;
    expect(guard.check(hostile, { now: 1 })).toMatchObject({ effect: "deny", code: "invalid_action" });
    await guard.flush();
    expect(sink.records).toHaveLength(1);
    expect(sink.records[0]).toMatchObject({ type: "decision", session: "", effect: "deny", code: "invalid_action" });
  });

  it("hashes nothing on the decision path, and records what was decided even if the caller changes it afterwards", async () => {
    const sink = memorySink();
    let hashed = 0;
    const guard = await createGuard({ policy: POLICY, audit: { sinks: [sink], hash: (t) => (hashed++, sha256Hex(t)) } });
    const action = charge(5);
    const d = guard.check(action, { now: 1 });
    expect(d.effect).toBe("allow");
    // The record's content is fixed now; its SHA-256s come at the end of the job.
    expect(hashed).toBe(0);
    (action.args as { amount: number }).amount = 999_999;
    action.tool = "other";
    d.matched.push("forged");
    await guard.flush();
    expect(hashed).toBeGreaterThanOrEqual(3); // args_hash, input, the record's hash
    const r = sink.records[0] as Record<string, any>;
    expect(r.action).toEqual({ kind: "tool", tool: "charge", args_hash: canonicalHash({ amount: 5, card: "4111 1111 1111 1111" }), args: { amount: 5 } });
    expect(r.matched).toEqual(["charge"]);
    expect(verifyChain(lines(sink))).toMatchObject({ ok: true, records: 1 });
  });

  it("denies every later decision when a record cannot be hashed, and says so to onError", async () => {
    const errors: string[] = [];
    let broken = false;
    const guard = await createGuard({
      policy: POLICY,
      audit: { sinks: [memorySink()], hash: (t) => { if (broken) throw new Error("no hash"); return sha256Hex(t); }, onError: (e) => errors.push(e.message) },
    });
    broken = true;
    // Hashing is deferred, so this decision stands; the fault shows at the end of the job.
    expect(guard.check(charge(5), { now: 1 }).effect).toBe("allow");
    await Promise.resolve();
    await Promise.resolve();
    const d = guard.check(charge(5), { now: 2 });
    expect(d).toMatchObject({ effect: "deny", code: "audit_error" });
    expect(d.reason).toContain("no hash");
    expect(errors.some((m) => m.includes("no hash"))).toBe(true);
  });

  it("tries a failing sink again by itself, so that decisions resume without a flush", async () => {
    let broken = true;
    const written: string[] = [];
    const sink = callbackSink((records) => {
      if (broken) throw new Error("endpoint down");
      for (const r of records) written.push((r as { effect: string }).effect);
    });
    const guard = await createGuard({ policy: POLICY, audit: { sinks: [sink], retryMs: 10 } });
    guard.check(charge(5), { now: 1 });
    await new Promise((r) => setTimeout(r, 0));
    expect(guard.check(charge(5), { now: 2 })).toMatchObject({ effect: "deny", code: "audit_error" });
    broken = false;
    // Nobody calls flush: the guard's own retry writes the held batch and clears the failure.
    await vi.waitFor(() => expect(guard.check(charge(5), { now: 3 }).effect).toBe("allow"), { timeout: 2_000, interval: 5 });
    await guard.flush();
    expect(written[0]).toBe("allow");
    expect(written).toContain("deny");
  });

  it("refuses a retry interval that is not a positive number", async () => {
    await expect(createGuard({ policy: POLICY, audit: { retryMs: 0 } })).rejects.toThrow("`audit.retryMs` must be a number > 0");
  });

  it("denies after close, having flushed everything before it", async () => {
    const sink = memorySink();
    const guard = await createGuard({ policy: POLICY, audit: { sinks: [sink] } });
    guard.check(charge(5), { now: 1 });
    await guard.close();
    expect(sink.records).toHaveLength(1);
    expect(guard.check(charge(5), { now: 2 })).toMatchObject({ effect: "deny", code: "audit_error" });
  });

  it("keeps the chain whole under 10,000 decisions from concurrent async callers", async () => {
    const sink = memorySink();
    let delay = 0;
    const slow = callbackSink(async () => {
      // Writes that take a varying while, so that batches overlap the callers.
      await new Promise((r) => setTimeout(r, (delay = (delay + 7) % 3)));
    });
    const guard = await createGuard({ policy: POLICY, audit: { sinks: [sink, slow] } });
    const callers = Array.from({ length: 100 }, async (_, c) => {
      for (let i = 0; i < 100; i++) {
        await Promise.resolve();
        guard.check(charge((c * 100 + i) % 2000, `s${c % 7}`), { now: c * 100 + i });
        if (i % 10 === 0) await new Promise((r) => setTimeout(r, 0));
      }
    });
    await Promise.all(callers);
    await guard.close();
    expect(sink.records).toHaveLength(10_000);
    expect(sink.records.map((r) => r.seq)).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    expect(verifyChain(lines(sink))).toMatchObject({ ok: true, records: 10_000 });
  });
});
