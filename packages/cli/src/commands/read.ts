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
