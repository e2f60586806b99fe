import { rename, writeFile } from "node:fs/promises";
import { precompilePolicy } from "@trailguard/core";
import type { Io } from "../io.js";
import { printIssues, readOrFail } from "./read.js";

const USAGE = "usage: trailguard compile POLICY -o FILE";

/**
 * `trailguard compile POLICY -o FILE`: loads the policy and writes it precompiled (engine program and
 * the host's tables, bound to this engine and to the policy text by SHA-256), for
 * `loadCompiledPolicy`. Problems are printed as `validate` prints them, and exit 1; nothing is written.
 *
 * @example
 * await compile(["policy.yaml", "-o", "policy.tgc"], io) // → 0
 */
export async function compile(args: string[], io: Io): Promise<number> {
  const positional: string[] = [];
  let out: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "-o" || a === "--out") {
      if (out !== undefined || args[i + 1] === undefined) return usage(io);
      out = args[++i];
    } else if (a.startsWith("-")) {
      io.err(`unknown option \`${a}\``);
      return usage(io);
    } else {
      positional.push(a);
    }
  }
  if (positional.length !== 1 || out === undefined) return usage(io);
  const file = positional[0]!;
  const text = await readOrFail(io, file);
  if (text === undefined) return 1;
  const { compiled, errors, warnings } = precompilePolicy(text);
  printIssues(io, file, { errors, warnings });
  if (!compiled) return 1;
  // Written beside the target and renamed over it, so a reader never sees half a file.
  const partial = `${out}.partial`;
  try {
    await writeFile(partial, compiled);
    await rename(partial, out);
  } catch (e) {
    io.err(`cannot write \`${out}\`: ${(e as Error).message}`);
    return 1;
  }
  io.out(`${file} → ${out}: ok (${compiled.length} bytes)`);
  return 0;
}

function usage(io: Io): number {
  io.err(USAGE);
  return 1;
}
