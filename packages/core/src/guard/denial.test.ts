import { describe, expect, it } from "vitest";
import { ActionDeniedError, TrailguardError } from "../errors.js";
import { denialText, type Decision } from "./decision.js";

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
