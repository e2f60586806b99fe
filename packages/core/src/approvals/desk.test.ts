import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ApprovalError } from "../errors.js";
import { createApprovalDesk, DEFAULT_APPROVAL_TIMEOUT_MS, type ApprovalRequestFields } from "./desk.js";
import type { ApprovalRequest, ApprovalTransition, Approver } from "./types.js";

const action = { kind: "tool", session: "s1", tool: "deploy", args: { env: "prod", replicas: 3 } };
const fields: ApprovalRequestFields = {
  session: "s1",
  agent: "planner",
  action,
  actionHash: createHash("sha256").update(JSON.stringify(action)).digest("hex"),
  policyHash: createHash("sha256").update("policy").digest("hex"),
  rule: "ask-deploy",
  reason: "deploys need a person",
};

/** A clock the test moves by hand. */
function manualClock(start = 1_000_000): { clock: () => number; set: (t: number) => void } {
  let now = start;
  return { clock: () => now, set: (t) => (now = t) };
}

/** An approver that never answers, reporting the signal it was given. */
function silent(): { approver: Approver; signals: AbortSignal[] } {
  const signals: AbortSignal[] = [];
  return { approver: (_r, { signal }) => (signals.push(signal), new Promise(() => undefined)), signals };
}

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("createApprovalDesk: outcomes", () => {
  it("builds a request bound to the action, the policy and an expiry, and grants an approval", async () => {
    const { clock } = manualClock(5_000);
    let seen: ApprovalRequest | undefined;
    const desk = createApprovalDesk({ approver: (r) => ((seen = r), { approved: true, by: "alice", note: "ok" }), clock, timeoutMs: 1_000 });
    const outcome = await desk.request(fields);
    expect(outcome.state).toBe("approved");
    expect(outcome.code).toBe("approval_granted");
    expect(outcome.reason).toBe("approved by `alice`: `ok`");
    expect(outcome.answer).toEqual({ approved: true, by: "alice", note: "ok" });
    expect(seen).toBe(outcome.request);
    expect(outcome.request).toEqual({ ...fields, id: outcome.request.id, createdAt: 5_000, expiresAt: 6_000 });
    expect(outcome.request.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("gives every request its own id", async () => {
    const desk = createApprovalDesk({ approver: () => ({ approved: true }) });
    const ids = await Promise.all([1, 2, 3].map(async () => (await desk.request(fields)).request.id));
    expect(new Set(ids).size).toBe(3);
  });

  it("keeps the caller's expiresAt", async () => {
    const desk = createApprovalDesk({ approver: () => ({ approved: true }), clock: () => 100 });
    expect((await desk.request({ ...fields, expiresAt: 150 })).request.expiresAt).toBe(150);
  });

  it("denies a refusal with approval_denied", async () => {
    const desk = createApprovalDesk({ approver: async () => ({ approved: false, by: "bob" }) });
    const outcome = await desk.request(fields);
    expect([outcome.state, outcome.code, outcome.reason]).toEqual(["denied", "approval_denied", "denied by `bob`"]);
    expect(outcome.answer).toEqual({ approved: false, by: "bob" });
  });

  it("passes modified args and a ttl through, copied and frozen", async () => {
    const args = { env: "staging", tags: ["a"] };
    const desk = createApprovalDesk({ approver: () => ({ approved: true, args, ttlMs: 60_000 }) });
    const { answer } = await desk.request(fields);
    expect(answer).toEqual({ approved: true, args: { env: "staging", tags: ["a"] }, ttlMs: 60_000 });
    expect(answer?.args).not.toBe(args);
    expect(Object.isFrozen(answer?.args?.tags)).toBe(true);
    args.tags.push("b");
    expect(answer?.args?.tags).toEqual(["a"]);
  });

  it("denies with approval_unavailable when no approver is configured", async () => {
    const outcome = await createApprovalDesk().request(fields);
    expect([outcome.state, outcome.code]).toEqual(["denied", "approval_unavailable"]);
  });

  it("denies with approval_error when the approver throws or rejects", async () => {
    const sync = createApprovalDesk({ approver: () => { throw new Error("boom"); } });
    const async = createApprovalDesk({ approver: async () => Promise.reject(new TypeError("network down")) });
    const weird = createApprovalDesk({ approver: () => { throw { toString: () => "x" }; } });
    expect(await sync.request(fields)).toMatchObject({ state: "denied", code: "approval_error", reason: "the approver failed: `boom`" });
    expect(await async.request(fields)).toMatchObject({ state: "denied", code: "approval_error", reason: "the approver failed: `network down`" });
    expect(await weird.request(fields)).toMatchObject({ state: "denied", code: "approval_error" });
  });

  it("sanitises and bounds the error message it reports", async () => {
    const desk = createApprovalDesk({ approver: () => { throw new Error(`evil\n\u001b[2Kforged line ${"x".repeat(500)}`); } });
    const { reason } = await desk.request(fields);
    expect(reason).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(reason).toContain("evil\\u000a\\u001b[2Kforged line");
    expect(reason.length).toBeLessThan(260);
    expect(reason.endsWith("…`")).toBe(true);
  });

  it("never rejects, even for a thenable whose `then` throws", async () => {
    const hostile = { get then(): never { throw new Error("gotcha"); } };
    const desk = createApprovalDesk({ approver: () => hostile as never });
    expect(await desk.request(fields)).toMatchObject({ state: "denied", code: "approval_error", reason: "the approver failed: `gotcha`" });
  });
});

describe("createApprovalDesk: invalid answers", () => {
  const invalid: [string, unknown, string][] = [
    ["null", null, "the answer is not an object"],
    ["a string", "yes", "the answer is not an object"],
    ["a bare boolean", true, "the answer is not an object"],
    ["an array", [true], "the answer is not an object"],
    ["approved as a string", { approved: "true" }, "`approved` must be a boolean"],
    ["approved missing", { args: {} }, "`approved` must be a boolean"],
    ["args as an array", { approved: true, args: ["x"] }, "`args` must be an object"],
    ["args as a string", { approved: true, args: "x" }, "`args` must be an object"],
    ["args as null", { approved: true, args: null }, "`args` must be an object"],
    ["args holding a function", { approved: true, args: { f: () => 1 } }, "`args.f` is a function, not a json value"],
    ["a negative ttl", { approved: true, ttlMs: -1 }, "`ttlMs` must be a non-negative finite number"],
    ["an infinite ttl", { approved: true, ttlMs: Infinity }, "`ttlMs` must be a non-negative finite number"],
    ["a NaN ttl", { approved: true, ttlMs: NaN }, "`ttlMs` must be a non-negative finite number"],
    ["a ttl as a string", { approved: true, ttlMs: "5" }, "`ttlMs` must be a non-negative finite number"],
  ];
  for (const [name, answer, error] of invalid) {
    it(`denies ${name} with approval_invalid`, async () => {
      const desk = createApprovalDesk({ approver: () => answer as never });
      const outcome = await desk.request(fields);
      expect([outcome.state, outcome.code, outcome.reason]).toEqual(["denied", "approval_invalid", `invalid answer: ${error}`]);
      expect(outcome.answer).toBeUndefined();
    });
  }

  it("ignores extra fields and drops a `by` or `note` that is not a string", async () => {
    const desk = createApprovalDesk({ approver: () => ({ approved: true, junk: { deep: 1 }, by: 7, note: "fine\r\nforged" }) as never });
    const outcome = await desk.request(fields);
    expect(outcome.code).toBe("approval_granted");
    expect(outcome.answer).toEqual({ approved: true, note: "fine\\u000d\\u000aforged" });
  });

  it("accepts a ttl of zero", async () => {
    const desk = createApprovalDesk({ approver: () => ({ approved: true, ttlMs: 0 }) });
    expect((await desk.request(fields)).answer?.ttlMs).toBe(0);
  });
});

describe("createApprovalDesk: time", () => {
  it("denies with approval_timeout, aborts the approver and ignores its late answer", async () => {
    const transitions: ApprovalTransition[] = [];
    let answer!: (value: unknown) => void;
    let signal!: AbortSignal;
    const desk = createApprovalDesk({
      approver: (_r, ctx) => ((signal = ctx.signal), new Promise((r) => (answer = r as never))),
      timeoutMs: 20,
      onTransition: (t) => transitions.push(t),
    });
    const outcome = await desk.request(fields);
    expect([outcome.state, outcome.code, outcome.reason]).toEqual(["denied", "approval_timeout", "no answer within 20 ms"]);
    expect(signal.aborted).toBe(true);
    expect((signal.reason as DOMException).name).toBe("TimeoutError");
    answer({ approved: true });
    await tick();
    expect(desk.get(outcome.request.id)?.state).toBe("denied");
    expect(transitions.map((t) => [t.from, t.to, t.code])).toEqual([
      [null, "pending", "approval_requested"],
      ["pending", "denied", "approval_timeout"],
      ["denied", "denied", "approval_ignored"],
    ]);
    expect(transitions[2]?.reason).toBe("late answer ignored: the request was already denied (approval_timeout)");
  });

  it("reports a late error as ignored too", async () => {
    const transitions: ApprovalTransition[] = [];
    let fail!: (e: Error) => void;
    const desk = createApprovalDesk({ approver: () => new Promise((_r, j) => (fail = j)), timeoutMs: 10, onTransition: (t) => transitions.push(t) });
    await desk.request(fields);
    fail(new Error("too late"));
    await tick();
    expect(transitions.at(-1)).toMatchObject({ code: "approval_ignored", reason: "late error ignored: the request was already denied (approval_timeout)" });
  });

  it("expires an answer that comes after expiresAt by the clock", async () => {
    const { clock, set } = manualClock(1_000);
    const desk = createApprovalDesk({ approver: async () => (set(1_000 + 61_000), { approved: true }), clock, timeoutMs: 60_000 });
    const outcome = await desk.request(fields);
    expect([outcome.state, outcome.code]).toEqual(["expired", "approval_expired"]);
    expect(outcome.reason).toBe("the answer came at 62000, after the request expired at 61000");
    expect(outcome.answer).toBeUndefined();
  });

  it("accepts an answer that comes exactly at expiresAt", async () => {
    const { clock, set } = manualClock(1_000);
    const desk = createApprovalDesk({ approver: () => (set(1_500), { approved: true }), clock, timeoutMs: 500 });
    expect((await desk.request(fields)).state).toBe("approved");
  });

  it("expires a request whose own expiry comes before the desk's timeout", async () => {
    const { approver, signals } = silent();
    const desk = createApprovalDesk({ approver, clock: () => 0, timeoutMs: 60_000 });
    const started = performance.now();
    const outcome = await desk.request({ ...fields, expiresAt: 20 });
    expect([outcome.state, outcome.code]).toEqual(["expired", "approval_expired"]);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(signals[0]?.aborted).toBe(true);
  });

  it("expires a request made after its expiry without asking the approver", async () => {
    let asked = false;
    const desk = createApprovalDesk({ approver: () => ((asked = true), { approved: true }), clock: () => 100 });
    const outcome = await desk.request({ ...fields, expiresAt: 99 });
    expect([outcome.state, outcome.code, asked]).toEqual(["expired", "approval_expired", false]);
  });

  it("defaults to a 60-second timeout", async () => {
    expect(DEFAULT_APPROVAL_TIMEOUT_MS).toBe(60_000);
    const outcome = await createApprovalDesk({ approver: () => ({ approved: true }), clock: () => 7 }).request(fields);
    expect(outcome.request.expiresAt).toBe(7 + 60_000);
  });

  it("denies with approval_error when the clock fails, without throwing", async () => {
    let calls = 0;
    const later = createApprovalDesk({ approver: () => ({ approved: true }), clock: () => (++calls > 1 ? NaN : 5) });
    expect(await later.request(fields)).toMatchObject({ state: "denied", code: "approval_error", reason: "the desk's clock failed: `the clock returned NaN`" });
    const first = createApprovalDesk({ approver: () => ({ approved: true }), clock: () => { throw new Error("no time"); } });
    expect(await first.request(fields)).toMatchObject({ state: "denied", code: "approval_error", reason: "the desk's clock failed: `no time`" });
    const text = createApprovalDesk({ approver: () => ({ approved: true }), clock: (() => "5") as never });
    expect(await text.request(fields)).toMatchObject({ state: "denied", code: "approval_error", reason: "the desk's clock failed: `the clock returned a string, not a number`" });
  });
});

describe("createApprovalDesk: revoke, pending, get", () => {
  it("revokes a pending request, aborting its approver", async () => {
    const { approver, signals } = silent();
    const desk = createApprovalDesk({ approver, timeoutMs: 10_000 });
    const pending = desk.request(fields);
    const [request] = desk.pending();
    expect(request).toBeDefined();
    expect(desk.get(request!.id)).toEqual({ request, state: "pending" });
    expect(desk.revoke(request!.id, "operator\nchanged mind")).toBe(true);
    const outcome = await pending;
    expect([outcome.state, outcome.code, outcome.reason]).toEqual(["revoked", "approval_revoked", "revoked: `operator\\u000achanged mind`"]);
    expect(signals[0]?.aborted).toBe(true);
    expect((signals[0]?.reason as DOMException).name).toBe("AbortError");
    expect(desk.pending()).toEqual([]);
    expect(desk.get(request!.id)).toEqual({ request, state: "revoked", outcome });
  });

  it("refuses to revoke a settled or unknown request, changing nothing", async () => {
    const transitions: ApprovalTransition[] = [];
    const desk = createApprovalDesk({ approver: () => ({ approved: true }), onTransition: (t) => transitions.push(t) });
    const outcome = await desk.request(fields);
    const before = transitions.length;
    expect(desk.revoke(outcome.request.id)).toBe(false);
    expect(desk.revoke("no-such-id")).toBe(false);
    expect(desk.get(outcome.request.id)?.state).toBe("approved");
    expect(desk.get(outcome.request.id)?.outcome).toBe(outcome);
    expect(transitions.length).toBe(before);
  });

  it("ignores an answer that comes after a revoke", async () => {
    const transitions: ApprovalTransition[] = [];
    let answer!: (value: unknown) => void;
    const desk = createApprovalDesk({ approver: () => new Promise((r) => (answer = r as never)), onTransition: (t) => transitions.push(t) });
    const pending = desk.request(fields);
    desk.revoke(desk.pending()[0]!.id);
    answer({ approved: true });
    expect((await pending).state).toBe("revoked");
    await tick();
    expect(transitions.map((t) => t.code)).toEqual(["approval_requested", "approval_revoked", "approval_ignored"]);
  });

  it("lists pending requests oldest first and forgets them once settled", async () => {
    const desk = createApprovalDesk({ approver: silent().approver, timeoutMs: 10_000 });
    const a = desk.request({ ...fields, session: "a" });
    const b = desk.request({ ...fields, session: "b" });
    expect(desk.pending().map((r) => r.session)).toEqual(["a", "b"]);
    for (const r of desk.pending()) desk.revoke(r.id);
    await Promise.all([a, b]);
    expect(desk.pending()).toEqual([]);
  });

  it("keeps the last 1,024 settled requests for get", async () => {
    const desk = createApprovalDesk({ approver: () => ({ approved: false }) });
    const ids: string[] = [];
    for (let i = 0; i < 1_030; i++) ids.push((await desk.request(fields)).request.id);
    expect(desk.get(ids[5]!)).toBeUndefined();
    expect(desk.get(ids[6]!)?.state).toBe("denied");
    expect(desk.get(ids[1_029]!)?.state).toBe("denied");
  });
});

describe("createApprovalDesk: the request an approver sees", () => {
  it("is a deep-frozen copy: an approver cannot change what was asked", async () => {
    const mine = { kind: "tool", tool: "deploy", args: { env: "prod" } };
    const desk = createApprovalDesk({
      approver: (r) => {
        (r.action.args as Record<string, unknown>).env = "dev";
        return { approved: true };
      },
    });
    const outcome = await desk.request({ ...fields, action: mine });
    expect([outcome.state, outcome.code]).toEqual(["denied", "approval_error"]);
    expect(outcome.reason).toContain("read only");
    expect(Object.isFrozen(outcome.request)).toBe(true);
    expect(outcome.request.action).toEqual(mine);
    expect(Object.isFrozen(mine.args)).toBe(false);
  });

  const bad: [string, Partial<Record<keyof ApprovalRequestFields, unknown>>, string][] = [
    ["a short action hash", { actionHash: "abc" }, "`actionHash` must be a sha256 in lower-case hex"],
    ["an upper-case action hash", { actionHash: "A".repeat(64) }, "`actionHash` must be a sha256 in lower-case hex"],
    ["an empty policy hash", { policyHash: "" }, "`policyHash` must be a non-empty string"],
    ["a session that is not a string", { session: 1 }, "`session` must be a string"],
    ["an action that is not an object", { action: "rm -rf /" }, "`action` must be an object"],
    ["an action holding a function", { action: { kind: "tool", f: () => 1 } }, "`action.f` is a function, not a json value"],
    ["a rule that is not a string", { rule: 5 }, "`rule` must be a string"],
    ["an expiry that is not finite", { expiresAt: Infinity }, "`expiresAt` must be a finite number of milliseconds"],
  ];
  for (const [name, change, error] of bad) {
    it(`denies ${name} with approval_invalid, without asking the approver`, async () => {
      let asked = false;
      const desk = createApprovalDesk({ approver: () => ((asked = true), { approved: true }) });
      const outcome = await desk.request({ ...fields, ...change } as ApprovalRequestFields);
      expect([outcome.state, outcome.code, outcome.reason]).toEqual(["denied", "approval_invalid", `invalid approval request: ${error}`]);
      expect(asked).toBe(false);
      expect(outcome.request.actionHash).toBe("");
    });
  }

  it("denies fields that are not an object at all", async () => {
    const outcome = await createApprovalDesk({ approver: () => ({ approved: true }) }).request(null as never);
    expect([outcome.state, outcome.code]).toEqual(["denied", "approval_invalid"]);
  });
});

describe("createApprovalDesk: onTransition", () => {
  it("reports every step with the clock's time", async () => {
    const { clock, set } = manualClock(10);
    const transitions: ApprovalTransition[] = [];
    const desk = createApprovalDesk({ approver: () => (set(25), { approved: true }), clock, onTransition: (t) => transitions.push(t) });
    const outcome = await desk.request(fields);
    expect(transitions).toEqual([
      { request: outcome.request, from: null, to: "pending", code: "approval_requested", reason: "approval requested", at: 10 },
      { request: outcome.request, from: "pending", to: "approved", code: "approval_granted", reason: "approved", at: 25 },
    ]);
  });

  it("cannot change an outcome by throwing or rejecting", async () => {
    const throwing = createApprovalDesk({ approver: () => ({ approved: true }), onTransition: () => { throw new Error("audit down"); } });
    const rejecting = createApprovalDesk({ approver: () => ({ approved: true }), onTransition: (async () => { throw new Error("audit down"); }) as never });
    expect((await throwing.request(fields)).state).toBe("approved");
    expect((await rejecting.request(fields)).state).toBe("approved");
    await tick(); // an unhandled rejection here would fail the run
  });

  it("does not ask the approver when the request was revoked as it was created", async () => {
    let asked = false;
    const desk = createApprovalDesk({
      approver: () => ((asked = true), { approved: true }),
      onTransition: (t) => void (t.to === "pending" && desk.revoke(t.request.id)),
    });
    const outcome = await desk.request(fields);
    expect([outcome.state, asked]).toEqual(["revoked", false]);
  });
});

describe("createApprovalDesk: configuration", () => {
  const bad: [string, unknown][] = [
    ["timeoutMs 0", { timeoutMs: 0 }],
    ["a negative timeoutMs", { timeoutMs: -5 }],
    ["a NaN timeoutMs", { timeoutMs: NaN }],
    ["an infinite timeoutMs", { timeoutMs: Infinity }],
    ["a timeoutMs beyond setTimeout's range", { timeoutMs: 2 ** 31 }],
    ["a timeoutMs as a string", { timeoutMs: "100" }],
    ["an approver that is not a function", { approver: { approved: true } }],
    ["a clock that is not a function", { clock: 5 }],
    ["an onTransition that is not a function", { onTransition: "log" }],
    ["options that are not an object", 5],
  ];
  for (const [name, options] of bad) {
    it(`throws invalid_approver for ${name}`, () => {
      expect(() => createApprovalDesk(options as never)).toThrow(ApprovalError);
      try {
        createApprovalDesk(options as never);
      } catch (e) {
        expect((e as ApprovalError).code).toBe("invalid_approver");
        expect((e as Error).message).toMatch(/^[^A-Z].*[^.]$/);
      }
    });
  }
});
