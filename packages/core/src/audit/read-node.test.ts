import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { logFilesInOrder, readLogFiles } from "./read-node.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tg-read-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("logFilesInOrder", () => {
  it("lists PATH.N … PATH.1, PATH, oldest first, and nothing else", () => {
    const path = join(dir, "audit.jsonl");
    for (const name of ["audit.jsonl", "audit.jsonl.1", "audit.jsonl.2", "audit.jsonl.10", "audit.jsonl.0", "audit.jsonl.01", "audit.jsonl.bak", "other.jsonl.1"]) {
      writeFileSync(join(dir, name), "");
    }
    expect(logFilesInOrder(path)).toEqual([`${path}.10`, `${path}.2`, `${path}.1`, path]);
    expect(logFilesInOrder(join(dir, "none.jsonl"))).toEqual([]);
    expect(logFilesInOrder(join(dir, "no-dir", "a.jsonl"))).toEqual([]);
  });
});

describe("readLogFiles", () => {
  it("yields every line of every file in order, across read blocks", () => {
    const a = join(dir, "a");
    const b = join(dir, "b");
    // Lines longer than the 256 KiB read block, and many short ones, so that lines straddle blocks.
    const linesA = ["x".repeat(300_000), "é€😀", ...Array.from({ length: 50_000 }, (_, i) => `line ${i}`), "y".repeat(600_000)];
    writeFileSync(a, linesA.join("\n") + "\n");
    writeFileSync(b, "first\n\nlast without newline");
    const got = [...readLogFiles([a, b])];
    expect(got.filter((l) => l.file === a).map((l) => l.text)).toEqual(linesA);
    expect(got.filter((l) => l.file === a).map((l) => l.line)).toEqual(linesA.map((_, i) => i + 1));
    expect(got.filter((l) => l.file === b)).toEqual([
      { text: "first", file: b, line: 1 },
      { text: "", file: b, line: 2 },
      { text: "last without newline", file: b, line: 3 },
    ]);
  });

  it("reports a file it cannot read", () => {
    expect(() => [...readLogFiles([join(dir, "missing")])]).toThrow(/^cannot read `.*missing`: enoent/);
  });
});
