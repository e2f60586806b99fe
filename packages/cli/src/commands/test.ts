import { dirname, resolve } from "node:path";
import { readFileSync } from "node:fs";
import { TraceError } from "@trailguard/core";
import { parseTestFile, runCase, type CaseFailure } from "@trailguard/core/testing";
import type { Io } from "../io.js";
import { readOrFail } from "./read.js";

/**
 * `trailguard test TESTS.yaml…`: runs policy unit tests and prints each failure with what was expected
 * and what happened. Exit 0 when every case passes, 1 on any failure, 2 for an unreadable test file.
 *
 * @example
 * await test(["policy.test.yaml"], io) // → 0
 */
export async function test(args: string[], io: Io): Promise<number> {
  if (args.length === 0) {
    io.err("usage: trailguard test TESTS.yaml…");
    return 2;
  }
  let passed = 0;
  let failed = 0;
  for (const file of args) {
    const text = await readOrFail(io, file);
    if (text === undefined) return 2;
    let cases;
    try {
      cases = parseTestFile(text, (p) => readFileSync(resolve(dirname(file), p), "utf8"));
    } catch (e) {
      if (e instanceof TraceError) {
        io.err(`${file}: ${e.message.replace(/^line 1: /, "")}`);
        return 2;
      }
      const err = e as NodeJS.ErrnoException;
      io.err(`${file}: ${err.code === "ENOENT" ? `cannot read the policy \`${err.path ?? ""}\`: no such file` : err.message}`);
      return 2;
    }
    for (const c of cases) {
      const failures = await runCase(c);
      if (failures.length === 0) {
        passed++;
        io.out(`✓ ${c.name}`);
      } else {
        failed++;
        io.out(`✗ ${c.name}`);
        for (const f of failures) io.out(formatFailure(f));
      }
    }
  }
  io.out(`${passed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

function formatFailure(f: CaseFailure): string {
  const where = f.action >= 0 ? `action ${f.action}: ` : "";
  const lines = [`    ${where}${f.message}`];
  if (f.expected !== undefined) lines.push(`      - expected: ${JSON.stringify(f.expected)}`);
  if (f.actual !== undefined) lines.push(`      + actual:   ${JSON.stringify(f.actual)}`);
  return lines.join("\n");
}
