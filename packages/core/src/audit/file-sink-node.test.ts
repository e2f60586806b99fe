import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AuditError } from "../errors.js";
import { decision } from "./audit.test-support.js";
import { AuditChain } from "./chain.js";
import { fileSink, resumeChain } from "./file-sink-node.js";
import { logFilesInOrder, readLogFiles } from "./read-node.js";
import { ZERO_HASH, type AuditRecord } from "./record.js";
import { memorySink } from "./sinks.js";
import { verifyChain } from "./verify.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tg-audit-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const verifyFiles = (path: string, options = {}) => verifyChain(readLogFiles(logFilesInOrder(path)), options);

describe("fileSink", () => {
  it("appends JSON Lines, keeping what the file held, and verifies", async () => {
    const path = join(dir, "audit.jsonl");
    const chain = new AuditChain({ sinks: [fileSink({ path })] });
    for (let i = 0; i < 10; i++) chain.append(decision(i));
    await chain.close();
    const lines = readFileSync(path, "utf8").split("\n");
    expect(lines).toHaveLength(11);
    expect(lines[10]).toBe("");
    expect(lines.slice(0, 10).map((l) => JSON.parse(l).seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(verifyFiles(path)).toMatchObject({ ok: true, records: 10 });
  });

  it("syncs the file to disk on flush, and only when something was written", async () => {
    const path = join(dir, "audit.jsonl");
    const probe = await open(join(dir, "probe"), "w");
    const sync = vi.spyOn(Object.getPrototypeOf(probe) as { sync(): Promise<void> }, "sync");
    await probe.close();
    try {
      const chain = new AuditChain({ sinks: [fileSink({ path })] });
      chain.append(decision(0));
      await chain.flush();
      expect(sync).toHaveBeenCalledTimes(1);
      // Flushed means written: another reader sees the record.
      expect(JSON.parse(readFileSync(path, "utf8")).seq).toBe(0);
      await chain.flush();
      expect(sync).toHaveBeenCalledTimes(1);
      chain.append(decision(1));
      await chain.close();
      expect(sync).toHaveBeenCalledTimes(2);
    } finally {
      sync.mockRestore();
    }
  });

  it("rotates before a file would pass maxBytes, and the chain runs on across files", async () => {
    const path = join(dir, "audit.jsonl");
    const maxBytes = 2_000;
    const chain = new AuditChain({ sinks: [fileSink({ path, maxBytes })] });
    for (let i = 0; i < 60; i++) {
      chain.append(decision(i));
      if (i % 7 === 0) await chain.flush();
    }
    await chain.close();
    const files = logFilesInOrder(path);
    expect(files.length).toBeGreaterThan(5);
    expect(files.at(-1)).toBe(path);
    expect(files[0]).toBe(`${path}.${files.length - 1}`);
    for (const f of files) expect(statSync(f).size).toBeLessThanOrEqual(maxBytes);
    expect(verifyFiles(path)).toMatchObject({ ok: true, records: 60, first: 0, last: 59 });
    // The first record of each file links to the last of the file before it.
    for (let i = 1; i < files.length; i++) {
      const before = readFileSync(files[i - 1]!, "utf8").trim().split("\n").at(-1)!;
      const first = readFileSync(files[i]!, "utf8").split("\n")[0]!;
      expect(JSON.parse(first).prev).toBe(JSON.parse(before).hash);
    }
  });

  it("deletes the oldest files beyond maxFiles; the rest verifies as a partial log", async () => {
    const path = join(dir, "audit.jsonl");
    const chain = new AuditChain({ sinks: [fileSink({ path, maxBytes: 1_500, maxFiles: 2 })] });
    for (let i = 0; i < 40; i++) chain.append(decision(i));
    await chain.close();
    expect(logFilesInOrder(path)).toEqual([`${path}.2`, `${path}.1`, path]);
    const partial = verifyFiles(path);
    expect(partial).toMatchObject({ ok: false, file: `${path}.2`, line: 1, why: expect.stringContaining("its beginning is missing") });
    const ok = verifyFiles(path, { allowPartialStart: true });
    expect(ok).toMatchObject({ ok: true, last: 39 });
    expect(ok.ok && ok.first).toBeGreaterThan(0);
  });

  it("gives a record larger than maxBytes a file of its own", async () => {
    const path = join(dir, "audit.jsonl");
    const chain = new AuditChain({ sinks: [fileSink({ path, maxBytes: 1_000 })] });
    chain.append(decision(0));
    chain.append(decision(1, { reason: "x".repeat(3_000) }));
    chain.append(decision(2));
    await chain.close();
    const files = logFilesInOrder(path);
    expect(files.map((f) => readFileSync(f, "utf8").trim().split("\n").map((l) => JSON.parse(l).seq))).toEqual([[0], [1], [2]]);
    expect(verifyFiles(path)).toMatchObject({ ok: true, records: 3 });
  });

  it("skips records of a batch it already wrote when the batch is handed again", async () => {
    const path = join(dir, "audit.jsonl");
    const mem = memorySink();
    const chain = new AuditChain({ sinks: [mem] });
    for (let i = 0; i < 3; i++) chain.append(decision(i));
    await chain.flush();
    const sink = fileSink({ path });
    await sink.write(mem.records.slice(0, 2), mem.lines.slice(0, 2));
    await sink.write(mem.records, mem.lines);
    await sink.close!();
    expect(readFileSync(path, "utf8").trim().split("\n").map((l) => JSON.parse(l).seq)).toEqual([0, 1, 2]);
  });

  it("fails while the file cannot be opened, and writes everything once it can", async () => {
    const path = join(dir, "missing-dir", "audit.jsonl");
    const chain = new AuditChain({ sinks: [fileSink({ path })] });
    chain.append(decision(0));
    await expect(chain.flush()).rejects.toMatchObject({ code: "audit_sink" });
    expect(chain.failure?.message).toMatch(/^audit sink 0 failed: ENOENT/);
    chain.append(decision(1));
    mkdirSync(join(dir, "missing-dir"));
    await chain.close();
    expect(chain.failure).toBeUndefined();
    expect(verifyFiles(path)).toMatchObject({ ok: true, records: 2 });
  });

  it("starts a new line after a last line cut short by a crash", async () => {
    const path = join(dir, "audit.jsonl");
    writeFileSync(path, '{"partial":');
    const chain = new AuditChain({ sinks: [fileSink({ path })] });
    chain.append(decision(0));
    await chain.close();
    const lines = readFileSync(path, "utf8").split("\n");
    expect(lines[0]).toBe('{"partial":');
    expect(JSON.parse(lines[1]!).seq).toBe(0);
    expect(verifyFiles(path)).toMatchObject({ ok: false, line: 1, why: expect.stringMatching(/^not valid JSON/) });
  });

  it("refuses bad options", () => {
    expect(() => fileSink({ path: "" })).toThrow(TypeError);
    expect(() => fileSink({ path: "x", maxBytes: 0 })).toThrow("`maxBytes` must be a number > 0");
    expect(() => fileSink({ path: "x", maxFiles: 0 })).toThrow("`maxFiles` must be an integer ≥ 1");
  });
});

describe("resumeChain", () => {
  it("lets two chains, one after the other, write one chain into one file", async () => {
    const path = join(dir, "audit.jsonl");
    expect(await resumeChain(path)).toEqual({ seq: 0, prev: ZERO_HASH });
    const first = new AuditChain({ sinks: [fileSink({ path })], start: await resumeChain(path) });
    for (let i = 0; i < 5; i++) first.append(decision(i));
    await first.close();
    const position = await resumeChain(path);
    expect(position).toEqual(first.position);
    const second = new AuditChain({ sinks: [fileSink({ path })], start: position });
    for (let i = 5; i < 9; i++) second.append(decision(i));
    await second.close();
    expect(verifyFiles(path)).toMatchObject({ ok: true, records: 9, last: 8 });
  });

  it("reads the newest rotated file when the current one is missing or empty", async () => {
    const path = join(dir, "audit.jsonl");
    const chain = new AuditChain({ sinks: [fileSink({ path, maxBytes: 1_000 })] });
    for (let i = 0; i < 6; i++) chain.append(decision(i));
    await chain.close();
    const files = logFilesInOrder(path);
    const lastOfRotated = JSON.parse(readFileSync(`${path}.1`, "utf8").trim().split("\n").at(-1)!) as AuditRecord;
    rmSync(path);
    expect(await resumeChain(path)).toEqual({ seq: lastOfRotated.seq + 1, prev: lastOfRotated.hash });
    writeFileSync(path, "\n");
    expect(await resumeChain(path)).toEqual({ seq: lastOfRotated.seq + 1, prev: lastOfRotated.hash });
    expect(files.length).toBeGreaterThan(1);
  });

  it("finds the last record past a long line and trailing newlines", async () => {
    const path = join(dir, "audit.jsonl");
    const chain = new AuditChain({ sinks: [fileSink({ path })] });
    chain.append(decision(0, { reason: "y".repeat(200_000) }));
    const last = chain.append(decision(1, { reason: "z".repeat(100_000) }));
    await chain.close();
    appendFileSync(path, "\n\n");
    expect(await resumeChain(path)).toEqual({ seq: 2, prev: last.hash });
  });

  it("refuses to continue after a partial or foreign last line", async () => {
    const path = join(dir, "audit.jsonl");
    writeFileSync(path, '{"v":1,"seq":0,"ty');
    await expect(resumeChain(path)).rejects.toThrow(AuditError);
    await expect(resumeChain(path)).rejects.toThrow(/ends with an incomplete record/);
    writeFileSync(path, '{"hello":"world"}\n');
    await expect(resumeChain(path)).rejects.toThrow(/is not an audit record: `v` must be 1/);
    expect(existsSync(path)).toBe(true);
  });
});
