// Reading a log from disk (Node): its files in order, line by line, for `verifyChain`.

import { closeSync, existsSync, openSync, readdirSync, readSync } from "node:fs";
import * as nodePath from "node:path";
import { AuditError } from "../errors.js";
import type { AuditLine } from "./verify.js";

// Read in blocks of this size: large enough for few system calls, small enough that a log of any size
// is read in constant memory (plus one line).
const BLOCK = 256 * 1024;

/**
 * The files of a rotated log, oldest first: `PATH.N`, …, `PATH.1`, then `PATH` (each only if it exists).
 * A gap in the numbers (a file deleted by hand) is kept as it is; `verifyChain` reports the missing
 * records.
 *
 * @example
 * logFilesInOrder("audit.jsonl") // ["audit.jsonl.2", "audit.jsonl.1", "audit.jsonl"]
 */
export function logFilesInOrder(path: string): string[] {
  const dir = nodePath.dirname(path);
  const base = nodePath.basename(path) + ".";
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  const rotated: number[] = [];
  for (const name of names) {
    if (!name.startsWith(base)) continue;
    const suffix = name.slice(base.length);
    if (/^[1-9][0-9]*$/.test(suffix)) rotated.push(Number(suffix));
  }
  const files = rotated.sort((a, b) => b - a).map((n) => `${path}.${n}`);
  if (existsSync(path)) files.push(path);
  return files;
}

/**
 * The lines of `paths`, file after file, each with its file and 1-based line number. Reads as it goes
 * (a log of any size in constant memory); bytes that are not UTF-8 become U+FFFD (and fail the hash).
 * A last line without a newline (cut by a crash) is yielded as it is. Throws AuditError `invalid_audit`
 * for a file that cannot be read.
 *
 * @example
 * for (const { text, file, line } of readLogFiles(logFilesInOrder("audit.jsonl"))) console.log(file, line, text.length);
 */
export function* readLogFiles(paths: Iterable<string>): Generator<AuditLine> {
  for (const file of paths) yield* readLines(file);
}

function* readLines(file: string): Generator<AuditLine> {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (e) {
    throw new AuditError("invalid_audit", `cannot read \`${file}\`: ${String((e as Error).message).toLowerCase()}`, { cause: e });
  }
  try {
    const block = Buffer.alloc(BLOCK);
    // The start of a line that runs past the end of the block read so far.
    let carry: Buffer[] = [];
    let line = 1;
    for (;;) {
      const n = readSync(fd, block, 0, BLOCK, null);
      if (n === 0) break;
      let from = 0;
      for (;;) {
        const nl = block.indexOf(0x0a, from);
        if (nl === -1 || nl >= n) break;
        const piece = block.subarray(from, nl);
        const text = carry.length === 0 ? piece.toString("utf8") : Buffer.concat([...carry, piece]).toString("utf8");
        carry = [];
        yield { text, file, line: line++ };
        from = nl + 1;
      }
      // Copied: the block is overwritten by the next read.
      if (from < n) carry.push(Buffer.from(block.subarray(from, n)));
    }
    if (carry.length > 0) yield { text: Buffer.concat(carry).toString("utf8"), file, line };
  } finally {
    closeSync(fd);
  }
}
