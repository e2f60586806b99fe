import canonicalize from "canonicalize";
import { describe, expect, it } from "vitest";
import { decision } from "./audit.test-support.js";
import { AuditChain } from "./chain.js";
import { auditPublicKey } from "./checkpoint.js";
import { sha256Hex } from "./hash.js";
import { ZERO_HASH, type AuditRecord } from "./record.js";
import { memorySink } from "./sinks.js";
import { verifyChain, type AuditLine } from "./verify.js";

const SEED = new Uint8Array(32).fill(3);
const PUB = auditPublicKey(SEED);

async function log(n: number, checkpointEvery?: number): Promise<string[]> {
  const mem = memorySink();
  const chain = new AuditChain({ sinks: [mem], ...(checkpointEvery ? { checkpoint: { every: checkpointEvery, privateKey: SEED } } : {}) });
  for (let i = 0; i < n; i++) chain.append(decision(i));
  await chain.close();
  return mem.lines;
}

const asLines = (texts: readonly string[], file = "audit.jsonl"): AuditLine[] => texts.map((text, i) => ({ text, file, line: i + 1 }));

// What someone able to write the log can do: relink and rehash every record from some point on.
function rewrite(texts: readonly string[], from: number, edit: (r: Record<string, unknown>) => void): string[] {
  const records = texts.map((t) => JSON.parse(t) as Record<string, unknown>);
  edit(records[from]!);
  for (let i = from; i < records.length; i++) {
    const r = records[i]!;
    if (i > 0) r.prev = records[i - 1]!.hash;
    if (r.type === "checkpoint") (r.event as { head: string }).head = r.prev as string;
    delete r.hash;
    r.hash = sha256Hex(canonicalize(r)!);
  }
  return records.map((r) => JSON.stringify(r));
}

describe("verifyChain", () => {
  it("accepts an untouched log and counts what it saw", async () => {
    const texts = await log(20);
    const last = JSON.parse(texts[19]!) as AuditRecord;
    expect(verifyChain(asLines(texts))).toEqual({ ok: true, records: 20, checkpoints: 0, unverified: 0, first: 0, last: 19, head: last.hash });
    expect(verifyChain([])).toEqual({ ok: true, records: 0, checkpoints: 0, unverified: 0 });
  });

  it("skips blank lines", async () => {
    const texts = await log(3);
    expect(verifyChain(asLines(["", texts[0]!, "  ", texts[1]!, texts[2]!, ""]))).toMatchObject({ ok: true, records: 3 });
  });

  it("finds an edited field", async () => {
    const texts = await log(20);
    // Record 6 was denied; someone makes it look allowed.
    expect(texts[6]).toContain('"effect":"deny"');
    texts[6] = texts[6]!.replace('"effect":"deny"', '"effect":"allow"');
    expect(verifyChain(asLines(texts))).toEqual({ ok: false, file: "audit.jsonl", line: 7, why: "record 6's hash does not match its content: the record was edited", records: 6 });
  });

  it("finds a deleted record", async () => {
    const texts = await log(20);
    texts.splice(5, 1);
    expect(verifyChain(asLines(texts))).toMatchObject({ ok: false, line: 6, records: 5, why: "record 6's prev does not match the hash of the record before it (record 4): record 5 is missing" });
  });

  it("finds two records swapped", async () => {
    const texts = await log(20);
    [texts[5], texts[6]] = [texts[6]!, texts[5]!];
    expect(verifyChain(asLines(texts))).toMatchObject({ ok: false, line: 6, records: 5, why: expect.stringContaining("record 6's prev does not match") });
  });

  it("finds a last record cut in the middle of its line", async () => {
    const texts = await log(20);
    texts[19] = texts[19]!.slice(0, 100);
    expect(verifyChain(asLines(texts))).toMatchObject({ ok: false, line: 20, records: 19, why: expect.stringMatching(/^not valid JSON \(a truncated or damaged line\)/) });
  });

  it("finds a forged record inserted with a hash of its own, at the record after it", async () => {
    const texts = await log(20);
    const forged = JSON.parse(texts[6]!) as Record<string, unknown>;
    forged.effect = "allow";
    forged.reason = "forged";
    delete forged.hash;
    forged.hash = sha256Hex(canonicalize(forged)!);
    texts.splice(6, 0, JSON.stringify(forged));
    // The forged record links to record 5 and hashes right: the original record 6 after it does not link.
    expect(verifyChain(asLines(texts))).toMatchObject({
      ok: false, line: 8, records: 7, why: "record 6's prev does not match the hash of the record before it (record 6): records are repeated or out of order",
    });
  });

  it("reports records, v, fields and seq that are not right", async () => {
    const texts = await log(3);
    const edit = (f: (r: Record<string, unknown>) => void) => {
      const r = JSON.parse(texts[1]!);
      f(r);
      return asLines([texts[0]!, JSON.stringify(r), texts[2]!]);
    };
    expect(verifyChain(edit((r) => (r.v = 2)))).toMatchObject({ ok: false, line: 2, why: "not an audit record: `v` must be 1, got `2`" });
    expect(verifyChain(edit((r) => delete r.session))).toMatchObject({ ok: false, line: 2, why: "not an audit record: `session` must be a string" });
    expect(verifyChain(edit((r) => (r.extra = 1)))).toMatchObject({ ok: false, line: 2, why: "not an audit record: unknown field `extra`" });
    expect(verifyChain(edit((r) => (r.seq = "1")))).toMatchObject({ ok: false, line: 2, why: "not an audit record: `seq` must be an integer ≥ 0" });
    expect(verifyChain(asLines(["[1]"]))).toMatchObject({ ok: false, line: 1, why: "not an audit record: a record must be a JSON object" });
    // Renumbered and rehashed: the link holds, the number does not.
    expect(verifyChain(asLines(rewrite(texts, 1, (r) => (r.seq = 5))))).toMatchObject({ ok: false, line: 2, why: "record 5 follows record 0 but is not numbered 1" });
  });

  it("wants the chain's first record unless told the start may be missing", async () => {
    const texts = await log(10);
    const tail = asLines(texts.slice(4));
    expect(verifyChain(tail)).toMatchObject({ ok: false, line: 1, records: 0, why: expect.stringContaining("the log starts at record 4, not 0") });
    expect(verifyChain(tail, { allowPartialStart: true })).toMatchObject({ ok: true, records: 6, first: 4, last: 9 });
    const zeroSeqWrongPrev = rewrite(texts, 0, (r) => (r.prev = "1".repeat(64)));
    expect(verifyChain(asLines(zeroSeqWrongPrev))).toMatchObject({ ok: false, line: 1, why: "the first record's prev is not 64 zeros: records before it are missing" });
    expect(JSON.parse(texts[0]!).prev).toBe(ZERO_HASH);
  });

  it("cannot see whole records cut from the end, unless told where the log ends", async () => {
    const texts = await log(20);
    const head = JSON.parse(texts[19]!).hash as string;
    const cut = asLines(texts.slice(0, 15));
    // A shorter chain is still a valid chain: this is the limit of a hash chain on its own.
    expect(verifyChain(cut)).toMatchObject({ ok: true, records: 15 });
    expect(verifyChain(cut, { end: { seq: 19 } })).toMatchObject({ ok: false, line: 15, why: "the log ends at record 14, but record 19 was expected last: records were removed from its end" });
    expect(verifyChain(cut, { end: { hash: head } })).toMatchObject({ ok: false, line: 15, why: "the last record's hash is not the expected one: the end of the log was changed" });
    expect(verifyChain(asLines(texts), { end: { seq: 19, hash: head } })).toMatchObject({ ok: true });
    expect(verifyChain([], { end: { seq: 0 } })).toMatchObject({ ok: false, line: 0, why: "the log is empty, but record 0 was expected last" });
  });

  it("sees records cut from a log closed with a checkpoint, when a final checkpoint is required", async () => {
    const texts = await log(12, 5);
    expect(JSON.parse(texts.at(-1)!).type).toBe("checkpoint");
    expect(verifyChain(asLines(texts), { publicKeys: [PUB], requireFinalCheckpoint: true })).toMatchObject({ ok: true, records: 15, checkpoints: 3 });
    const cut = asLines(texts.slice(0, -2));
    expect(verifyChain(cut, { publicKeys: [PUB], requireFinalCheckpoint: true })).toMatchObject({
      ok: false, line: 13, why: "the log does not end with a checkpoint: records after the last one may have been removed or added",
    });
    // Cut back to an earlier checkpoint, the log ends with a checkpoint again: only `end` sees it.
    const toCheckpoint = asLines(texts.slice(0, -3));
    expect(verifyChain(toCheckpoint, { publicKeys: [PUB], requireFinalCheckpoint: true })).toMatchObject({ ok: true, last: 11 });
    expect(verifyChain(toCheckpoint, { publicKeys: [PUB], end: { seq: 14 } })).toMatchObject({ ok: false, line: 12 });
  });

  it("cannot see a rewrite of the whole tail without keys; a signed checkpoint can", async () => {
    const texts = await log(12, 5);
    expect(JSON.parse(texts[2]!).effect).toBe("allow");
    const rewritten = rewrite(texts, 2, (r) => (r.effect = "deny"));
    expect(verifyChain(asLines(rewritten))).toMatchObject({ ok: true, checkpoints: 3, unverified: 3 });
    expect(verifyChain(asLines(rewritten), { publicKeys: [PUB] })).toMatchObject({ ok: false, line: 6, records: 5, why: "checkpoint 5's signature does not verify with any given key" });
  });

  it("finds a checkpoint whose head is not the record before it", async () => {
    const texts = await log(6, 5);
    const bad = rewrite(texts, 5, (r) => ((r.event as { head: string }).head = "e".repeat(64)));
    // rewrite() relinks heads: put the wrong one back after rehashing.
    const r = JSON.parse(bad[5]!);
    r.event.head = "e".repeat(64);
    delete r.hash;
    r.hash = sha256Hex(canonicalize(r)!);
    bad[5] = JSON.stringify(r);
    expect(verifyChain(asLines(bad.slice(0, 6)))).toMatchObject({ ok: false, line: 6, why: "checkpoint 5's head does not match record 4's hash" });
  });

  it("accepts keys as hex, as ed25519:BASE64 and as bytes, and refuses malformed ones", async () => {
    const texts = asLines(await log(6, 5));
    const bytes = Uint8Array.from(PUB.match(/../g)!.map((h) => parseInt(h, 16)));
    const b64 = "ed25519:" + btoa(String.fromCharCode(...bytes));
    for (const key of [PUB, PUB.toUpperCase(), bytes, b64]) expect(verifyChain(texts, { publicKeys: [key] })).toMatchObject({ ok: true, checkpoints: 2, unverified: 0 });
    expect(() => verifyChain(texts, { publicKeys: ["abc"] })).toThrow("`abc` is not an Ed25519 public key (64 hex digits or `ed25519:BASE64`)");
  });
});
