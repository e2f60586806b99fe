import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

// The browser entry of core must not reach Node's modules: only `-node.ts` files may import `node:*`,
// and no other file may import them.
describe("audit module boundaries", () => {
  const dir = new URL("./", import.meta.url);
  const sources = readdirSync(dir).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !f.endsWith(".test-support.ts"));

  it("keeps node:* imports in -node.ts files", () => {
    expect(sources.filter((f) => f.endsWith("-node.ts")).sort()).toEqual(["file-sink-node.ts", "hash-node.ts", "index-node.ts", "read-node.ts"]);
    for (const f of sources.filter((f) => !f.endsWith("-node.ts"))) {
      const text = readFileSync(new URL(f, dir), "utf8");
      expect(text, f).not.toMatch(/from\s+["']node:/);
      expect(text, f).not.toMatch(/from\s+["'][^"']*-node\.js["']/);
      expect(text, f).not.toMatch(/\bimport\(/);
    }
  });

  it("re-exports only, in index.ts", () => {
    const text = readFileSync(new URL("index.ts", dir), "utf8");
    for (const line of text.split("\n")) expect(line.trim() === "" || /^(\/\/|export |\s|})/.test(line), line).toBe(true);
  });
});
