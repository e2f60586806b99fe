// The file sink (Node): JSON Lines appended to one file, rotated by size, synced to disk on flush; and
// `resumeChain`, which reads where a log stopped so that a restarted process continues its chain.

import { open, readdir, rename, unlink, type FileHandle } from "node:fs/promises";
import * as nodePath from "node:path";
import { AuditError } from "../errors.js";
import type { ChainPosition } from "./chain.js";
import { ZERO_HASH, type AuditRecord } from "./record.js";
import { recordLine } from "./record-json.js";
import { recordProblem } from "./shape.js";
import type { AuditSink } from "./sinks.js";

/**
 * Options of {@link fileSink}.
 *
 * @example
 * const options: FileSinkOptions = { path: "/var/log/agent/audit.jsonl", maxBytes: 64 * 2 ** 20, maxFiles: 20 };
 */
export interface FileSinkOptions {
  /** The log file. Rotated files are `PATH.1` (newest) to `PATH.N` (oldest). */
  path: string;
  /** Rotate before a write would take the file past this size (default: never). */
  maxBytes?: number;
  /**
   * How many rotated files to keep (default: all). Past it the oldest is deleted: the log then verifies
   * only with `allowPartialStart`, and nothing before its first remaining record can be checked.
   */
  maxFiles?: number;
}

/**
 * A Node sink that appends JSON Lines to `path` (opened with flag `a`: existing records are never
 * rewritten) and syncs the file to disk on `flush()` (fsync), so that a flushed record survives a crash
 * of the process or the machine. A crash loses at most the records not yet flushed; it may leave a last
 * line cut short, which `verifyChain` reports and `resumeChain` refuses to continue after.
 *
 * With `maxBytes`, a write that would take the file past it first renames `path` to `path.1` (older
 * files move up to `.2`, `.3`, …, and beyond `maxFiles` the oldest is deleted) and continues in a new
 * `path`: the chain runs on across files (`logFilesInOrder` lists them oldest first). A single record
 * larger than `maxBytes` gets a file of its own. One process writes one log; two chains may write the
 * same file one after the other (see {@link resumeChain}), never at once.
 *
 * @example
 * const chain = new AuditChain({ sinks: [fileSink({ path: "audit.jsonl", maxBytes: 2 ** 26 })], start: await resumeChain("audit.jsonl") });
 */
export function fileSink(options: FileSinkOptions): AuditSink & { readonly path: string } {
  const path = options.path;
  const maxBytes = options.maxBytes ?? Infinity;
  const maxFiles = options.maxFiles ?? Infinity;
  if (typeof path !== "string" || path === "") throw new TypeError("`path` must be a file path");
  if (!(maxBytes > 0)) throw new TypeError("`maxBytes` must be a number > 0");
  if (!(maxFiles >= 1) || (maxFiles !== Infinity && !Number.isInteger(maxFiles))) throw new TypeError("`maxFiles` must be an integer ≥ 1");
  let handle: FileHandle | undefined;
  // Bytes of the current file known to hold whole records: a failed write is cut back to it.
  let size = 0;
  let dirty = false;
  // The seq of the last record on disk: a batch handed again after a failure skips what was written.
  let lastSeq = -1;
  // Writes, syncs and closes run one after another: a sync must not meet a rotation's close.
  let tail: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn);
    tail = run.catch(() => undefined);
    return run;
  };

  async function current(): Promise<FileHandle> {
    if (handle === undefined) {
      handle = await open(path, "a");
      size = (await handle.stat()).size;
      // A crash can cut the last line before its newline: the next record must not continue that line.
      if (size > 0 && !(await endsWithNewline(path, size))) {
        await handle.write("\n");
        size += 1;
      }
    }
    return handle;
  }

  async function append(text: string): Promise<void> {
    const h = await current();
    const buf = Buffer.from(text, "utf8");
    try {
      let off = 0;
      while (off < buf.length) off += (await h.write(buf, off, buf.length - off)).bytesWritten;
    } catch (e) {
      // Cut a half-written line so that the retry starts on a line of its own.
      await h.truncate(size).catch(() => undefined);
      throw e;
    }
    size += buf.length;
    dirty = true;
  }

  async function rotate(): Promise<void> {
    if (handle !== undefined) {
      await handle.sync();
      await handle.close();
      handle = undefined;
    }
    const dir = nodePath.dirname(path);
    const rotated = await rotatedIndexes(path);
    // From the oldest down, so that at every step (a crash included) the files left, read from the
    // highest number to the lowest, are still in the order they were written.
    for (const n of rotated) {
      if (n + 1 > maxFiles) await unlink(`${path}.${n}`);
      else await rename(`${path}.${n}`, `${path}.${n + 1}`);
    }
    await rename(path, `${path}.1`);
    await syncDir(dir);
    size = 0;
    dirty = false;
  }

  return {
    path,
    write(records, lines) {
      return serial(async () => {
        let chunk = "";
        let chunkBytes = 0;
        let chunkLast = lastSeq;
        for (let i = 0; i < records.length; i++) {
          const r = records[i]!;
          if (r.seq <= lastSeq) continue;
          const text = (lines[i] ?? recordLine(r as AuditRecord)) + "\n";
          const n = Buffer.byteLength(text, "utf8");
          if (maxBytes !== Infinity) {
            await current();
            if (size + chunkBytes > 0 && size + chunkBytes + n > maxBytes) {
              if (chunkBytes > 0) {
                await append(chunk);
                lastSeq = chunkLast;
                chunk = "";
                chunkBytes = 0;
              }
              if (size > 0) await rotate();
            }
          }
          chunk += text;
          chunkBytes += n;
          chunkLast = r.seq;
        }
        if (chunkBytes > 0) {
          await append(chunk);
          lastSeq = chunkLast;
        }
      });
    },
    flush() {
      return serial(async () => {
        if (handle !== undefined && dirty) {
          await handle.sync();
          dirty = false;
        }
      });
    },
    close() {
      return serial(async () => {
        if (handle === undefined) return;
        if (dirty) await handle.sync();
        await handle.close();
        handle = undefined;
        dirty = false;
      });
    },
  };
}

/**
 * Where the log at `path` stops: the `seq` and `prev` its next record must have, to pass as a new
 * chain's `start`, so that a restarted process continues the chain rather than starting a second one in
 * the same file. Reads only the last record (of `path`, or of the newest rotated file if `path` is
 * empty); it does not verify the log. `{ seq: 0, prev: zeros }` when there is no log yet. Throws
 * AuditError `invalid_audit` when the last line is not a whole record (a crash cut it short): verify the
 * log, and remove the partial line, before writing after it.
 *
 * @example
 * const chain = new AuditChain({ sinks: [fileSink({ path })], start: await resumeChain(path) });
 */
export async function resumeChain(path: string): Promise<ChainPosition> {
  const candidates = [path, ...(await rotatedIndexes(path)).reverse().map((n) => `${path}.${n}`)];
  for (const file of candidates) {
    const last = await lastLine(file);
    if (last === undefined) continue;
    let value: unknown;
    try {
      value = JSON.parse(last);
    } catch {
      throw new AuditError("invalid_audit", `\`${file}\` ends with an incomplete record (a crash while writing?): verify the log and remove the partial last line`);
    }
    const problem = recordProblem(value);
    if (problem !== undefined) throw new AuditError("invalid_audit", `the last line of \`${file}\` is not an audit record: ${problem}`);
    const r = value as AuditRecord;
    return { seq: r.seq + 1, prev: r.hash };
  }
  return { seq: 0, prev: ZERO_HASH };
}

// Reading backwards from the end in blocks of this size: a record line is well under it, so one read
// usually finds the last line whole.
const TAIL_BLOCK = 64 * 1024;

// The last non-empty line of a file (without its newline), `undefined` if the file is missing or holds
// none. A last line cut short by a crash is returned as it is (the caller sees that it does not parse).
async function lastLine(file: string): Promise<string | undefined> {
  let h: FileHandle;
  try {
    h = await open(file, "r");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  try {
    let start = (await h.stat()).size;
    let buf = Buffer.alloc(0);
    while (start > 0) {
      const from = Math.max(0, start - TAIL_BLOCK);
      const block = Buffer.alloc(start - from);
      await h.read(block, 0, block.length, from);
      buf = Buffer.concat([block, buf]);
      start = from;
      let stop = buf.length;
      while (stop > 0 && (buf[stop - 1] === 0x0a || buf[stop - 1] === 0x0d)) stop--;
      if (stop === 0) continue;
      const nl = buf.lastIndexOf(0x0a, stop - 1);
      if (nl >= 0) return buf.subarray(nl + 1, stop).toString("utf8");
      if (start === 0) return buf.subarray(0, stop).toString("utf8");
    }
    return undefined;
  } finally {
    await h.close();
  }
}

// Whether a non-empty file's last byte is a newline.
async function endsWithNewline(file: string, size: number): Promise<boolean> {
  const h = await open(file, "r");
  try {
    const b = Buffer.alloc(1);
    await h.read(b, 0, 1, size - 1);
    return b[0] === 0x0a;
  } finally {
    await h.close();
  }
}

// The numbers N of the existing `PATH.N` files, highest first.
async function rotatedIndexes(path: string): Promise<number[]> {
  const dir = nodePath.dirname(path);
  const base = nodePath.basename(path) + ".";
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  const out: number[] = [];
  for (const name of names) {
    if (!name.startsWith(base)) continue;
    const suffix = name.slice(base.length);
    if (/^[1-9][0-9]*$/.test(suffix)) out.push(Number(suffix));
  }
  return out.sort((a, b) => b - a);
}

// Makes renames durable where the platform allows syncing a directory (Linux, macOS); elsewhere the
// rename is as durable as the file system makes it.
async function syncDir(dir: string): Promise<void> {
  let h: FileHandle | undefined;
  try {
    h = await open(dir, "r");
    await h.sync();
  } catch {
    // Not supported here (Windows): nothing more can be done.
  } finally {
    await h?.close().catch(() => undefined);
  }
}
