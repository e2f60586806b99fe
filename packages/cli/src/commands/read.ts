import type { Io } from "../io.js";

/** Reads a file or reports `cannot read FILE: why` and returns undefined. */
export async function readOrFail(io: Io, path: string): Promise<string | undefined> {
  try {
    return await io.readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    io.err(`cannot read \`${path}\`: ${code === "ENOENT" ? "no such file" : (e as Error).message}`);
    return undefined;
  }
}

/**
 * Prints a policy's load issues as `FILE:LINE:COL: message`, warnings first and marked as such.
 *
 * @example
 * printIssues(io, "policy.yaml", loadPolicy(text));
 */
export function printIssues(io: Io, file: string, issues: { errors: readonly Issue[]; warnings: readonly Issue[] }): void {
  const where = (i: Issue) => `${file}:${i.line ?? 1}:${i.column ?? 1}`;
  for (const w of issues.warnings) io.err(`${where(w)}: warning: ${w.message}`);
  for (const e of issues.errors) io.err(`${where(e)}: ${e.message}`);
}

interface Issue {
  message: string;
  line?: number;
  column?: number;
}
