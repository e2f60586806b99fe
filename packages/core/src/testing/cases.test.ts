import { describe, it, expect } from "vitest";
import { caseFromObject } from "./cases.js";
import { runCase } from "./run.js";

const policy = "version: 1\ndefault: allow\noutputs:\n  - id: keys\n    redact: [\"sk-[a-z]{4}\"]\n";
const events = [
  { type: "action", kind: "tool", session: "s", tool: "t" },
  { type: "result", session: "s", tool: "t", output: "sk-abcd" },
];

describe("expect_results", () => {
  it("compares what recordResult returned, only the keys given", async () => {
    const ok = caseFromObject({ policy, events, expect: [{ effect: "allow" }], expect_results: [{ output: "[REDACTED]", redacted: 1 }] }, "ok");
    expect(await runCase(ok)).toEqual([]);
    const wrong = caseFromObject({ policy, events, expect: [{ effect: "allow" }], expect_results: [{ output: "sk-abcd", rules: ["keys"] }] }, "wrong");
    expect(await runCase(wrong)).toEqual([{ case: "wrong", action: -1, message: "result 0: output differs", expected: "sk-abcd", actual: "[REDACTED]" }]);
  });

  it("needs one entry per result event", () => {
    expect(() => caseFromObject({ policy, events, expect: [{ effect: "allow" }], expect_results: [] }, "short")).toThrow("case `short` has 1 result(s) but 0 result expectation(s)");
  });
});
