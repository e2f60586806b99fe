// The adapter suite times only what it means to: every adapter entry point runs the allowed calls (and
// refuses the denied ones) with the requests the suite builds, against the current adapters.
import { describe, it, expect } from "vitest";
import { adapterGroups } from "./adapters-setup.mjs";

describe("adapter benchmark setup", () => {
  it("every pair's adapter answers as the bare guard decides, and every contender runs", async () => {
    const { guard, groups } = await adapterGroups();
    try {
      const labels: string[] = [];
      for (const { pairs } of groups) {
        for (const p of pairs) {
          await p.verify();
          for (const role of ["plain", "bare", "adapter"] as const) if (p[role]) await p[role].call(0);
          labels.push(p.label);
        }
      }
      expect(labels).toContain("middleware wrapToolCall");
      expect(labels).toContain("guardToolCalls, 4 calls");
      expect(labels).toContain("fetch, local server, GET");
    } finally {
      for (const { pairs } of groups) for (const p of pairs) await p.close?.();
      await guard.close();
    }
  });
});
