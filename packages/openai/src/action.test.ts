import { describe, expect, it } from "vitest";
import { createGuard, type Guard } from "@trailguard/core";
import { recordOutput } from "./action.js";

const POLICY = `
version: 1
default: allow
outputs:
  - id: keys
    redact: ["sk-[A-Za-z0-9]{20,}"]
`;

describe("recordOutput", () => {
  it("hands the model the guard's redacted output", async () => {
    const guard = await createGuard({ policy: POLICY });
    guard.check({ kind: "tool", session: "s1", tool: "read_file" });
    expect(recordOutput(guard, { session: "s1", tool: "read_file", output: "key sk-abcdefghijklmnopqrstuvwxyz" })).toBe("key [REDACTED]");
  });

  it("withholds the output, never hands it on raw, if recording ever throws", async () => {
    const guard = await createGuard({ policy: POLICY });
    const broken = { ...guard, recordResult: () => { throw new Error("boom"); } } as unknown as Guard;
    const out = recordOutput(broken, { session: "s1", tool: "read_file", output: "key sk-abcdefghijklmnopqrstuvwxyz" });
    expect(out).not.toContain("sk-");
    expect(out).toMatch(/withheld/);
  });
});
