import { loadPolicy } from "@trailguard/core";
import type { Io } from "../io.js";
import { printIssues, readOrFail } from "./read.js";

/**
 * `trailguard validate POLICY`: exit 0 when the policy loads; otherwise every problem as
 * `FILE:LINE:COL: message` and exit 1. Warnings are printed either way.
 *
 * @example
 * await validate(["policy.yaml"], io) // → 0
 */
export async function validate(args: string[], io: Io): Promise<number> {
  if (args.length !== 1) return usage(io);
  const file = args[0]!;
  const text = await readOrFail(io, file);
  if (text === undefined) return 1;
  const { policy, errors, warnings } = loadPolicy(text);
  printIssues(io, file, { errors, warnings });
  if (!policy) return 1;
  io.out(`${file}: ok (${policy.rules.length} rules${policy.rules.some((r) => r.essential) ? ", essential pack included" : ""})`);
  return 0;
}

function usage(io: Io): number {
  io.err("usage: trailguard validate POLICY");
  return 1;
}
