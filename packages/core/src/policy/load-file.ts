import { readFile } from "node:fs/promises";
import { loadPolicy, type LoadResult } from "./load.js";

/**
 * Reads and loads a policy file (Node only). An unreadable file is an error in the result, not a throw.
 *
 * @example
 * const { policy, errors } = await loadPolicyFile("policy.yaml");
 */
export async function loadPolicyFile(path: string): Promise<LoadResult & { file: string }> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message;
    return { file: path, errors: [{ code: "unreadable", message: `cannot read \`${path}\`: ${reason}`, path: [] }], warnings: [] };
  }
  return { file: path, ...loadPolicy(text) };
}
