import { describe, expect, it } from "vitest";
import { checkAnswer } from "./answer.js";

describe("checkAnswer", () => {
  it("keeps only the known fields, frozen", () => {
    const checked = checkAnswer({ approved: true, args: { a: [1] }, ttlMs: 5, by: "alice", note: "n", extra: 1 });
    expect(checked).toEqual({ ok: true, answer: { approved: true, args: { a: [1] }, ttlMs: 5, by: "alice", note: "n" } });
    if (!checked.ok) throw new Error("unreachable");
    expect(Object.isFrozen(checked.answer)).toBe(true);
    expect(Object.isFrozen(checked.answer.args?.a)).toBe(true);
  });

  it("bounds `by` and `note`", () => {
    const checked = checkAnswer({ approved: false, by: "b".repeat(300), note: "n\u001b" });
    expect(checked.ok && checked.answer.by?.length).toBe(201);
    expect(checked.ok && checked.answer.note).toBe("n\\u001b");
  });

  it("turns a throwing getter into a refusal, not a throw", () => {
    const answer = { approved: true, get args(): never { throw new Error("trap"); } };
    expect(checkAnswer(answer)).toEqual({ ok: false, error: "trap" });
  });

  it("refuses a class instance even with the right fields", () => {
    class Answer { approved = true; }
    expect(checkAnswer(new Answer())).toEqual({ ok: false, error: "the answer is not an object" });
  });
});
