// What every CLI test needs: files in a fresh temporary directory, and `main` run with its output captured.

import { mkdtempSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "./main.js";

/**
 * A fresh temporary directory (named after `prefix`) and a writer of files in it.
 *
 * @example
 * const { dir, file } = tempDir("trailguard-lint-");
 * const policy = file("policy.yaml", "version: 1\ndefault: deny\n");
 */
export function tempDir(prefix: string): { dir: string; file: (name: string, text: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    file: (name, text) => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    },
  };
}

/**
 * Runs the CLI on `argv` with files read from disk; its exit code and the lines it printed.
 *
 * @example
 * const { code, out, err } = await run("validate", policy);
 */
export async function run(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l), readFile: (p) => readFile(p, "utf8") });
  return { code, out, err };
}
