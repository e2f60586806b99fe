// The browser entry must load without Node: no `fs`, no `node:` modules anywhere in its import graph.
import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

function importGraph(entry: string): { files: Set<string>; bare: Set<string> } {
  const files = new Set<string>();
  const bare = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^"';]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g)) {
      const spec = m[1] ?? m[2]!;
      if (spec.startsWith(".")) visit(resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
      else bare.add(spec);
    }
  };
  visit(entry);
  return { files, bare };
}

describe("entry points", () => {
  it("the browser entry imports nothing from Node", () => {
    const { files, bare } = importGraph(resolve(here, "index.ts"));
    expect(files.size).toBeGreaterThan(20);
    expect([...bare].sort()).toEqual(["@bufbuild/re2", "@marcbachmann/cel-js", "@noble/ed25519", "@noble/hashes/sha2.js", "@noble/hashes/utils.js", "canonicalize", "yaml"]);
  });
  it("the Node entry adds the file helpers", () => {
    const { bare } = importGraph(resolve(here, "index.node.ts"));
    expect(bare).toContain("node:fs/promises");
  });
});
