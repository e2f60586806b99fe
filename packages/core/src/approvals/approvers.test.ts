import { describe, expect, it } from "vitest";
import { ApprovalError } from "../errors.js";
import { callbackApprover } from "./approvers.js";
import { createApprovalDesk, type ApprovalRequestFields } from "./desk.js";

const fields: ApprovalRequestFields = {
  session: "s1",
  action: { kind: "tool", tool: "search", args: { q: "x" } },
  actionHash: "0".repeat(64),
  policyHash: "p1",
};

describe("callbackApprover", () => {
  it("turns true and false into approval and refusal", async () => {
    const yes = createApprovalDesk({ approver: callbackApprover(() => true) });
    const no = createApprovalDesk({ approver: callbackApprover(async () => false) });
    expect(await yes.request(fields)).toMatchObject({ state: "approved", code: "approval_granted", answer: { approved: true } });
    expect(await no.request(fields)).toMatchObject({ state: "denied", code: "approval_denied", answer: { approved: false } });
  });

  it("passes an answer object through, and gives the function the request and the signal", async () => {
    let signal: AbortSignal | undefined;
    const approver = callbackApprover((request, context) => {
      signal = context.signal;
      return { approved: request.action.tool === "search", args: { q: "y" }, ttlMs: 1_000, by: "bot" };
    });
    const outcome = await createApprovalDesk({ approver }).request(fields);
    expect(outcome.answer).toEqual({ approved: true, args: { q: "y" }, ttlMs: 1_000, by: "bot" });
    expect(signal).toBeInstanceOf(AbortSignal);
  });

  it("lets the desk refuse anything else it returns", async () => {
    const outcome = await createApprovalDesk({ approver: callbackApprover(() => "yes" as never) }).request(fields);
    expect([outcome.state, outcome.code]).toEqual(["denied", "approval_invalid"]);
  });

  it("turns a throw into approval_error", async () => {
    const approver = callbackApprover(() => {
      throw new Error("callback broke");
    });
    const outcome = await createApprovalDesk({ approver }).request(fields);
    expect([outcome.state, outcome.code, outcome.reason]).toEqual(["denied", "approval_error", "the approver failed: `callback broke`"]);
  });

  it("throws invalid_approver for something that is not a function", () => {
    expect(() => callbackApprover(true as never)).toThrow(new ApprovalError("invalid_approver", "`callbackApprover` needs a function"));
  });
});
