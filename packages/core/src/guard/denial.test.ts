import { describe, expect, it } from "vitest";
import { ActionDeniedError, TrailguardError } from "../errors.js";
import { adapterFault, denialText, type Decision } from "./decision.js";

const deny: Decision = { effect: "deny", rule: "no-email", code: "rule", reason: "email leaves the company", matched: ["no-email"] };

describe("denialText and ActionDeniedError", () => {
  it("say what was refused, by which rule, and why, in one lower-case line", () => {
    expect(denialText(deny, "send_email")).toBe("trailguard denied the action `send_email` by `no-email` (rule): email leaves the company");
    expect(denialText({ effect: "deny", code: "default", matched: [] })).toBe("trailguard denied the action (default)");
    expect(denialText({ ...deny, effect: "kill" }, "x")).toMatch(/^trailguard killed the session at the action `x`/);
    expect(denialText({ ...deny, effect: "ask" }, "x")).toMatch(/^trailguard needs an approval for the action `x`/);
    expect(denialText(deny, "y".repeat(200))).toContain(`\`${"y".repeat(80)}…\``);
  });

  it("carry the decision and a stable code: action_denied, or session_killed for kill", () => {
    const e = new ActionDeniedError(deny, "send_email");
    expect(e).toBeInstanceOf(TrailguardError);
    expect(e.name).toBe("ActionDeniedError");
    expect(e.code).toBe("action_denied");
    expect(e.decision).toBe(deny);
    expect(e.subject).toBe("send_email");
    expect(e.message).toBe(denialText(deny, "send_email"));
    expect(new ActionDeniedError({ ...deny, effect: "kill" }).code).toBe("session_killed");
  });
});

describe("adapterFault", () => {
  it("is an adapter_error deny naming the fault, cut for the model", () => {
    expect(adapterFault(new Error("boom"))).toEqual({ effect: "deny", code: "adapter_error", reason: "the trailguard adapter failed: boom", matched: [] });
    expect(adapterFault(new Error("x".repeat(500))).reason!.length).toBe("the trailguard adapter failed: ".length + 200);
  });

  it("still denies when the thrown value cannot be read", () => {
    const hostile = { get message(): string { throw new Error("getter"); }, toString(): string { throw new Error("toString"); } };
    const withGetter = Object.assign(Object.create(Error.prototype) as Error, {});
    Object.defineProperty(withGetter, "message", { get() { throw new Error("getter"); } });
    for (const thrown of [hostile, withGetter, Symbol("s"), undefined]) {
      expect(adapterFault(thrown)).toMatchObject({ effect: "deny", code: "adapter_error" });
    }
  });
});
