import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

// The browser entry of core must not pull in node:* modules; only console-approver-node.ts may.
const here = new URL(".", import.meta.url);
const sources = readdirSync(here).filter((name) => name.endsWith(".ts") && !name.endsWith(".test.ts"));
const browserSafe = sources.filter((name) => name !== "console-approver-node.ts");

describe("approvals in the browser", () => {
  it("finds the module's sources", () => {
    expect(browserSafe).toEqual(expect.arrayContaining(["index.ts", "desk.ts", "webhook-approver.ts", "approvers.ts", "types.ts"]));
    expect(sources).toContain("console-approver-node.ts");
  });

  for (const name of browserSafe) {
    it(`${name} imports no node:* module and not the console approver`, () => {
      const text = readFileSync(new URL(name, here), "utf8");
      const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)].map((m) => m[1]);
      expect(specifiers.filter((s) => s?.startsWith("node:") || s?.includes("console-approver-node"))).toEqual([]);
      // Examples in comments may show `process.env`; the code itself must not touch Node globals.
      const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
      expect(code).not.toMatch(/\bprocess\.|\brequire\(/);
    });
  }

  it("detects a node import when there is one", () => {
    const text = readFileSync(new URL("console-approver-node.ts", here), "utf8");
    expect([...text.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)].map((m) => m[1])).toContain("node:readline");
  });
});
