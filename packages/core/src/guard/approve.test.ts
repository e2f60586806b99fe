import { describe, it, expect } from "vitest";
import { createGuard, type GuardOptions } from "./guard.js";
import { permits } from "./decision.js";
import { memorySink } from "../audit/sinks.js";
import { verifyChain } from "../audit/verify.js";
import type { Approver, ApprovalAnswer, ApprovalRequest } from "../approvals/types.js";
import type { Action } from "./action.js";

const POLICY = `
version: 1
default: deny
rules:
  - id: refund
    when: action.tool == "refund" && action.args.amount <= 100
    effect: allow
  - id: big-refund
    when: action.tool == "refund" && action.args.amount > 100
    effect: ask
  - id: huge-refund
    when: action.tool == "refund" && action.args.amount > 10000
    effect: deny
limits:
  - id: refunds
    when: action.tool == "refund"
    max: 3
    effect: deny
`;

const refund = (amount: number, session = "s1"): Action => ({ kind: "tool", session, tool: "refund", args: { amount } });

/** An approver that answers from a script and counts what it was asked. */
function scripted(answer: (r: ApprovalRequest) => ApprovalAnswer | Promise<ApprovalAnswer>): Approver & { asked: ApprovalRequest[] } {
  const asked: ApprovalRequest[] = [];
  const fn: Approver = (r) => {
    asked.push(r);
    return answer(r);
  };
  return Object.assign(fn, { asked });
}

async function guardWith(approver: Approver | undefined, extra: Partial<GuardOptions> = {}) {
  return createGuard({ policy: POLICY, ...(approver ? { approver } : {}), ...extra });
}

describe("guard.decide: approvals", () => {
  it("leaves actions that need no approval as check decides them, without asking", async () => {
    const approver = scripted(() => ({ approved: true }));
    const guard = await guardWith(approver);
    expect(await guard.decide(refund(5), { now: 1 })).toMatchObject({ effect: "allow", code: "rule" });
    expect(await guard.decide(refund(50_000), { now: 2 })).toMatchObject({ effect: "deny", rule: "huge-refund" });
    expect(approver.asked).toHaveLength(0);
  });

  it("asks, and an approval lets the action run and commits its state like any action that ran", async () => {
    const approver = scripted(() => ({ approved: true, by: "alice" }));
    const guard = await guardWith(approver);
    const d = await guard.decide(refund(500), { now: 1 });
    expect(d).toMatchObject({ effect: "allow", code: "approval_granted", rule: "big-refund" });
    expect(approver.asked).toHaveLength(1);
    expect(approver.asked[0]).toMatchObject({ session: "s1", rule: "big-refund", policyHash: guard.policy.hash, action: { kind: "tool", tool: "refund", args: { amount: 500 } } });
    expect(approver.asked[0]!.actionHash).toMatch(/^[0-9a-f]{64}$/);
    // The approved refund counted against the limit of 3: two more run, the fourth is denied.
    expect(guard.check(refund(5), { now: 2 }).effect).toBe("allow");
    expect(guard.check(refund(5), { now: 3 }).effect).toBe("allow");
    expect(guard.check(refund(5), { now: 4 })).toMatchObject({ effect: "deny", rule: "refunds" });
  });

  it("without a ttl, grants exactly once: the same action is asked about again", async () => {
    const approver = scripted(() => ({ approved: true }));
    const guard = await guardWith(approver);
    expect((await guard.decide(refund(500), { now: 1 })).effect).toBe("allow");
    // check alone does not go through the desk: the grant was used up, so it asks again.
    expect(guard.check(refund(500), { now: 2 }).effect).toBe("ask");
    expect((await guard.decide(refund(500), { now: 3 })).effect).toBe("allow");
    expect(approver.asked).toHaveLength(2);
  });

  it("with a ttl, lets the same tool and arguments through until it ends, and no other arguments", async () => {
    const approver = scripted(() => ({ approved: true, ttlMs: 1_000 }));
    const guard = await guardWith(approver, { policy: POLICY.replace("max: 3", "max: 100") });
    expect((await guard.decide(refund(500), { now: 1_000 })).effect).toBe("allow");
    expect(guard.check(refund(500), { now: 1_500 })).toMatchObject({ effect: "allow", code: "approval_granted" });
    expect(guard.check(refund(501), { now: 1_500 }).effect).toBe("ask");
    expect(guard.check(refund(500, "s2"), { now: 1_500 }).effect).toBe("ask");
    expect(guard.check(refund(500), { now: 2_001 }).effect).toBe("ask");
    expect(approver.asked).toHaveLength(1);
  });

  it("revoking a session's grants makes the next action ask again", async () => {
    const guard = await guardWith(scripted(() => ({ approved: true, ttlMs: 60_000 })), { policy: POLICY.replace("max: 3", "max: 100") });
    await guard.decide(refund(500), { now: 1 });
    expect(guard.check(refund(500), { now: 2 }).effect).toBe("allow");
    guard.revokeGrants("s1");
    expect(guard.check(refund(500), { now: 3 }).effect).toBe("ask");
  });

  it("checks modified arguments from the start and hands them back", async () => {
    const guard = await guardWith(scripted(() => ({ approved: true, args: { amount: 80 } })));
    const d = await guard.decide(refund(500), { now: 1 });
    expect(d).toMatchObject({ effect: "allow", code: "rule", rule: "refund", args: { amount: 80 } });
    expect(permits(d)).toBe(true);
  });

  it("denies modified arguments that the policy denies, however the approver felt", async () => {
    const guard = await guardWith(scripted(() => ({ approved: true, args: { amount: 20_000 } })));
    const d = await guard.decide(refund(500), { now: 1 });
    expect(d).toMatchObject({ effect: "deny", rule: "huge-refund" });
    expect(d.args).toBeUndefined();
  });

  it("refuses an approver that keeps modifying the arguments", async () => {
    let n = 500;
    const approver = scripted(() => ({ approved: true, args: { amount: ++n } }));
    const d = await (await guardWith(approver)).decide(refund(500), { now: 1 });
    expect(d).toMatchObject({ effect: "deny", code: "approval_error" });
    expect(approver.asked.length).toBe(4);
  });

  it("denies on every way an approval can fail", async () => {
    const cases: [Approver | undefined, Partial<GuardOptions>, string][] = [
      [undefined, {}, "approval_unavailable"],
      [scripted(() => ({ approved: false, note: "no" })), {}, "approval_denied"],
      [scripted(() => { throw new Error("approver crashed"); }), {}, "approval_error"],
      [scripted(() => new Promise<ApprovalAnswer>(() => {})), { approvalTimeoutMs: 20 }, "approval_timeout"],
      [scripted(() => ({ approved: "yes" }) as unknown as ApprovalAnswer), {}, "approval_invalid"],
    ];
    for (const [approver, extra, code] of cases) {
      const guard = await guardWith(approver, extra);
      const d = await guard.decide(refund(500), { now: 1 });
      expect(d, code).toMatchObject({ effect: "deny", code, rule: "big-refund" });
      // Nothing ran: the refund limit still has all three.
      for (let i = 0; i < 3; i++) expect(guard.check(refund(5), { now: 2 + i }).effect, code).toBe("allow");
    }
  });

  it("denies an approval that comes after the request expired", async () => {
    let t = 0;
    const guard = await guardWith(scripted(() => {
      t = 120_000; // the approver took two minutes by the guard's clock
      return { approved: true };
    }), { clock: () => t, approvalTimeoutMs: 60_000 });
    expect(await guard.decide(refund(500))).toMatchObject({ effect: "deny", code: "approval_expired" });
  });

  it("denies a request the operator revoked while it was pending", async () => {
    let requestId = "";
    const guard = await guardWith(scripted((r) => {
      requestId = r.id;
      return new Promise<ApprovalAnswer>(() => {});
    }));
    const pending = guard.decide(refund(500), { now: 1 });
    await new Promise((r) => setTimeout(r, 5));
    expect(guard.revokeApproval(requestId)).toBe(true);
    expect(await pending).toMatchObject({ effect: "deny", code: "approval_revoked" });
    expect(guard.revokeApproval(requestId)).toBe(false);
  });

  it("audits every step: the ask, the request, the approval and the granted decision", async () => {
    const sink = memorySink();
    const guard = await guardWith(scripted(() => ({ approved: true })), { audit: { sinks: [sink] } });
    await guard.decide(refund(500), { now: 1 });
    await guard.flush();
    const steps = sink.records.map((r) => (r.type === "approval" ? `approval:${(r.event as { code: string }).code}` : `${r.type}:${(r as { code?: string }).code}`));
    expect(steps).toEqual(["decision:rule", "approval:approval_requested", "approval:approval_granted", "decision:approval_granted"]);
    // The approval records are bound to the same action hash as the decisions.
    const inputs = new Set(sink.records.map((r) => (r as { input?: string }).input));
    expect(inputs.size).toBe(1);
    expect(verifyChain(sink.lines.map((text, i) => ({ text, file: "m", line: i + 1 })))).toMatchObject({ ok: true, records: 4 });
  });
});
