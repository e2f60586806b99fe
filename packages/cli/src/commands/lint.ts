import { lintPolicy } from "@trailguard/core";
import type { Io } from "../io.js";
import { readOrFail } from "./read.js";

/**
 * `trailguard lint POLICY [--json]`: every finding as `FILE:LINE:COL: SEVERITY: message (code)`, or
 * with `--json` one JSON document `{ file, loads, findings }`. Exit 0: no finding; 1: findings, the
 * policy loads; 2: the policy cannot be read or does not load (its errors are findings of severity
 * `error`).
 *
 * @example
 * await lint(["policy.yaml", "--json"], io) // → 0, 1 or 2
 */
export async function lint(args: string[], io: Io): Promise<number> {
  const json = args.includes("--json");
  const files = args.filter((a) => a !== "--json");
  if (files.length !== 1 || files[0]!.startsWith("-")) {
    io.err("usage: trailguard lint POLICY [--json]");
    return 2;
  }
  const file = files[0]!;
  const text = await readOrFail(io, file);
  if (text === undefined) return 2;
  const { loads, findings } = lintPolicy(text);
  if (json) io.out(JSON.stringify({ file, loads, findings }, null, 2));
  else {
    for (const f of findings) io.out(`${file}:${f.line ?? 1}:${f.column ?? 1}: ${f.severity}: ${f.message} (${f.code})`);
    if (findings.length === 0) io.out(`${file}: no findings`);
  }
  return !loads ? 2 : findings.length > 0 ? 1 : 0;
}
