import canonicalize from "canonicalize";
import { describe, expect, it, vi } from "vitest";
import { AuditError } from "../errors.js";
import { decision, hex, POLICY, randomEntry, rng } from "./audit.test-support.js";
import { AuditChain } from "./chain.js";
import { auditPublicKey } from "./checkpoint.js";
import { pureSha256Hex, sha256Hex } from "./hash.js";
import { nodeSha256Hex } from "./hash-node.js";
import { ZERO_HASH, type AuditRecord } from "./record.js";
import { memorySink, type AuditSink } from "./sinks.js";
import { verifyChain } from "./verify.js";

const SEED = new Uint8Array(32).fill(7);
const linesOf = (lines: readonly string[]) => lines.map((text, i) => ({ text, file: "mem", line: i + 1 }));
const withoutHash = (r: AuditRecord) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== "hash"));

describe("AuditChain.append", () => {
  it("numbers, stamps, links and hashes records", async () => {
    const mem = memorySink();
    const chain = new AuditChain({ sinks: [mem] });
    const a = chain.append(decision(0));
    expect(a).toMatchObject({ v: 1, seq: 0, ts: "2026-01-01T00:00:00.000Z", now: 1767225600000, prev: ZERO_HASH });
    expect(a.hash).toBe(sha256Hex(canonicalize(withoutHash(a))!));
    const b = chain.append(decision(1));
    expect(b.seq).toBe(1);
    expect(b.prev).toBe(a.hash);
    expect(b.hash).toBe(sha256Hex(canonicalize(withoutHash(b))!));
    await chain.flush();
    expect(mem.records).toEqual([a, b]);
    // The line is the canonical body, with `hash` added last.
    expect(mem.lines[0]).toBe(canonicalize(withoutHash(a))!.slice(0, -1) + `,"hash":"${a.hash}"}`);
    expect(JSON.parse(mem.lines[1]!)).toEqual(b);
  });

  it("writes chains that verify, over 2,000 generated entries with odd values", async () => {
    const mem = memorySink();
    const chain = new AuditChain({ sinks: [mem] });
    const r = rng(11);
    for (let i = 0; i < 2_000; i++) chain.append(randomEntry(r, { lone: i % 3 === 0, indexKeys: i % 5 === 0 }));
    await chain.flush();
    expect(verifyChain(linesOf(mem.lines))).toEqual({ ok: true, records: 2_000, checkpoints: 0, unverified: 0, first: 0, last: 1999, head: chain.position.prev });
    for (const line of mem.lines) {
      const { hash, ...rest } = JSON.parse(line) as AuditRecord;
      expect(sha256Hex(canonicalize(rest)!)).toBe(hash);
    }
  });

  it("hashes the same with the native SHA-256 as with the pure-JS one", () => {
    const a = new AuditChain({ hash: pureSha256Hex });
    const b = new AuditChain({ hash: nodeSha256Hex });
    const r1 = rng(5);
    const r2 = rng(5);
    for (let i = 0; i < 200; i++) expect(b.append(randomEntry(r2, { lone: true }))).toEqual(a.append(randomEntry(r1, { lone: true })));
  });

  it("stamps `ts` as Date#toISOString would, whatever order times come in", () => {
    const chain = new AuditChain();
    const r = rng(11);
    let now = 1_767_225_599_000;
    const times = [0, 999, 1000, -1, -1000, -1001, 1.5, 8.64e15, -8.64e15, now, now, now + 1];
    for (let i = 0; i < 3_000; i++) {
      // Mostly small steps within and across seconds, some jumps back and some fractional times.
      const x = r();
      now = x < 0.8 ? now + Math.floor(r() * 400) : x < 0.9 ? now - Math.floor(r() * 5_000) : now + r();
      times.push(now);
    }
    for (const t of times) expect(chain.append(decision(0, { now: t })).ts).toBe(new Date(t).toISOString());
  });

  it("records values only JSON can write as JSON writes them", async () => {
    const mem = memorySink();
    const chain = new AuditChain({ sinks: [mem] });
    const rec = chain.append(decision(0, { event: { at: new Date(0), big: NaN, s: "a\ud800" }, reason: "lone \udc00" }));
    await chain.flush();
    expect(JSON.parse(mem.lines[0]!)).toMatchObject({ event: { at: "1970-01-01T00:00:00.000Z", big: null, s: "a\ufffd" }, reason: "lone \ufffd" });
    expect(rec.type !== "checkpoint" && rec.reason).toBe("lone \ufffd");
    expect(verifyChain(linesOf(mem.lines)).ok).toBe(true);
  });

  it("refuses an invalid entry without consuming a seq", () => {
    const chain = new AuditChain();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const bad: unknown[] = [
      { ...decision(0), policy: "nope" },
      { ...decision(0), now: NaN },
      { ...decision(0), effect: "maybe" },
      { ...decision(0), action: { kind: "" } },
      { ...decision(0), type: "checkpoint" },
      { ...decision(0), latency_us: -1 },
      { ...decision(0), event: cyclic },
      { ...decision(0), event: { n: 1n } },
    ];
    for (const e of bad) expect(() => chain.append(e as never)).toThrow(expect.objectContaining({ code: "invalid_audit" }));
    expect(() => chain.append({ ...decision(0), policy: "nope" })).toThrow("invalid audit entry: `policy` must be 64 lower-case hex digits");
    expect(chain.append(decision(0)).seq).toBe(0);
  });

  it("continues a chain from `start`", () => {
    const first = new AuditChain();
    first.append(decision(0));
    first.append(decision(1));
    const second = new AuditChain({ start: first.position });
    const r = second.append(decision(2));
    expect(r.seq).toBe(2);
    expect(r.prev).toBe(first.position.prev);
    expect(() => new AuditChain({ start: { seq: -1, prev: ZERO_HASH } })).toThrow(TypeError);
    expect(() => new AuditChain({ start: { seq: 0, prev: "x" } })).toThrow(TypeError);
  });

  it("throws audit_closed after close", async () => {
    const chain = new AuditChain();
    await chain.close();
    expect(() => chain.append(decision(0))).toThrow(expect.objectContaining({ code: "audit_closed", message: "the audit chain is closed" }));
    expect(() => chain.enqueue(decision(0))).toThrow(AuditError);
  });
});

describe("AuditChain.enqueue", () => {
  it("keeps a hash that throws at the end of the job as the chain's failure, and loses nothing", async () => {
    let broken = true;
    const errors: AuditError[] = [];
    const mem = memorySink();
    const chain = new AuditChain({ sinks: [mem], hash: (t) => { if (broken) throw new Error("no hash"); return sha256Hex(t); }, onError: (e) => errors.push(e) });
    chain.enqueue(decision(0));
    await Promise.resolve();
    // Thrown in a microtask, this would have ended the process; it is the chain's failure instead.
    expect(chain.failure).toMatchObject({ code: "invalid_audit" });
    expect(errors).toHaveLength(1);
    broken = false;
    await chain.flush();
    expect(chain.failure).toBeUndefined();
    expect(verifyChain(linesOf(mem.lines))).toMatchObject({ ok: true, records: 1 });
  });

  it("numbers now and links at the end of the job, in order with append", async () => {
    const mem = memorySink();
    const chain = new AuditChain({ sinks: [mem] });
    expect(chain.enqueue(decision(0))).toBe(0);
    expect(chain.enqueue(decision(1))).toBe(1);
    const c = chain.append(decision(2));
    expect(c.seq).toBe(2);
    expect(chain.enqueue(decision(3))).toBe(3);
    await Promise.resolve();
    await chain.flush();
    expect(mem.records.map((r) => r.seq)).toEqual([0, 1, 2, 3]);
    expect(verifyChain(linesOf(mem.lines)).ok).toBe(true);
  });

  it("copies the entry now: a change after enqueue is not recorded", async () => {
    const mem = memorySink();
    const chain = new AuditChain({ sinks: [mem] });
    const e = decision(0);
    chain.enqueue(e);
    e.effect = "allow";
    e.matched!.push("later");
    await chain.flush();
    expect(mem.records[0]).toMatchObject({ effect: "deny", matched: ["r0"] });
  });

  it("throws the same errors as append, at once", () => {
    const chain = new AuditChain();
    expect(() => chain.enqueue({ ...decision(0), session: 5 } as never)).toThrow("invalid audit entry: `session` must be a string");
    expect(chain.position.seq).toBe(0);
  });
});

describe("checkpoints", () => {
  it("signs the head every `every` records and when closing", async () => {
    const mem = memorySink();
    const chain = new AuditChain({ sinks: [mem], checkpoint: { every: 3, privateKey: SEED } });
    for (let i = 0; i < 7; i++) chain.append(decision(i));
    await chain.close();
    expect(mem.records.map((r) => r.type)).toEqual([
      "decision", "decision", "decision", "checkpoint", "decision", "decision", "decision", "checkpoint", "decision", "checkpoint",
    ]);
    const cp = mem.records[3]!;
    expect(cp).toMatchObject({ seq: 3, now: mem.records[2]!.now, ts: mem.records[2]!.ts, prev: mem.records[2]!.hash });
    expect(cp.type === "checkpoint" && cp.event.head).toBe(mem.records[2]!.hash);
    expect(cp.type === "checkpoint" && cp.event.key).toBe(auditPublicKey(SEED));
    const pub = auditPublicKey(SEED);
    expect(verifyChain(linesOf(mem.lines), { publicKeys: [pub], requireFinalCheckpoint: true })).toMatchObject({ ok: true, records: 10, checkpoints: 3, unverified: 0 });
    expect(verifyChain(linesOf(mem.lines))).toMatchObject({ ok: true, checkpoints: 3, unverified: 3 });
    const other = auditPublicKey(new Uint8Array(32).fill(8));
    expect(verifyChain(linesOf(mem.lines), { publicKeys: [other] })).toMatchObject({ ok: false, line: 4, why: "checkpoint 3's signature does not verify with any given key" });
  });

  it("names the key by its id when given one, and does not checkpoint an empty tail on close", async () => {
    const mem = memorySink();
    const chain = new AuditChain({ sinks: [mem], checkpoint: { every: 2, privateKey: SEED, key: "audit-2026" } });
    chain.append(decision(0));
    chain.append(decision(1));
    await chain.close();
    expect(mem.records.map((r) => r.type)).toEqual(["decision", "decision", "checkpoint"]);
    expect(mem.records[2]!.type === "checkpoint" && mem.records[2]!.event.key).toBe("audit-2026");
  });

  it("refuses bad checkpoint options", () => {
    expect(() => new AuditChain({ checkpoint: { every: 0, privateKey: SEED } })).toThrow(TypeError);
    expect(() => new AuditChain({ checkpoint: { every: 10, privateKey: new Uint8Array(31) } })).toThrow("a checkpoint private key is a 32-byte Ed25519 seed");
  });
});

// A sink that fails while `failing` is set, synchronously or by rejecting.
function flakySink(mode: "throw" | "reject") {
  const state = { failing: true, records: [] as AuditRecord[], calls: 0 };
  const sink: AuditSink = {
    write(records) {
      state.calls++;
      if (state.failing) {
        if (mode === "throw") throw new Error("disk full");
        return Promise.reject(new Error("disk full"));
      }
      state.records.push(...records);
      return mode === "throw" ? undefined : Promise.resolve();
    },
  };
  return { state, sink };
}

describe("sink failures", () => {
  for (const mode of ["throw", "reject"] as const) {
    it(`sets failure, keeps the batch and retries on flush (sink that ${mode}s)`, async () => {
      const { state, sink } = flakySink(mode);
      const healthy = memorySink();
      const onError = vi.fn();
      const chain = new AuditChain({ sinks: [sink, healthy], onError });
      chain.append(decision(0));
      chain.append(decision(1));
      expect(chain.failure).toBeUndefined();
      await new Promise((r) => setTimeout(r, 0));
      expect(chain.failure).toBeInstanceOf(AuditError);
      expect(chain.failure).toMatchObject({ code: "audit_sink", message: "audit sink 0 failed: disk full" });
      expect(onError).toHaveBeenCalledTimes(1);
      expect(healthy.records).toHaveLength(2);
      // While failed, nothing more is tried until a flush.
      chain.append(decision(2));
      await new Promise((r) => setTimeout(r, 0));
      expect(state.calls).toBe(1);
      await expect(chain.flush()).rejects.toMatchObject({ code: "audit_sink" });
      expect(state.calls).toBe(2);
      expect(chain.failure).toBeDefined();
      state.failing = false;
      await chain.flush();
      expect(chain.failure).toBeUndefined();
      expect(state.records.map((r) => r.seq)).toEqual([0, 1, 2]);
      expect(healthy.records.map((r) => r.seq)).toEqual([0, 1, 2]);
    });
  }

  it("survives an onError that throws", async () => {
    const { sink } = flakySink("throw");
    const chain = new AuditChain({ sinks: [sink], onError: () => { throw new Error("handler bug"); } });
    chain.append(decision(0));
    await expect(chain.flush()).rejects.toMatchObject({ code: "audit_sink" });
    expect(chain.failure).toBeDefined();
  });

  it("reports a failing sink flush as a sink failure", async () => {
    let fail = true;
    const chain = new AuditChain({ sinks: [{ write() {}, flush: async () => { if (fail) throw new Error("fsync failed"); } }] });
    chain.append(decision(0));
    await expect(chain.flush()).rejects.toThrow("audit sink 0 failed: fsync failed");
    expect(chain.failure).toBeDefined();
    fail = false;
    await chain.flush();
    expect(chain.failure).toBeUndefined();
  });
});

describe("batches", () => {
  it("hands one batch at a time, in order, at most 1,024 records each", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const sizes: number[] = [];
    const seen: number[] = [];
    const sink: AuditSink = {
      async write(records) {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        sizes.push(records.length);
        await new Promise((r) => setTimeout(r, 1));
        seen.push(...records.map((r) => r.seq));
        inFlight--;
      },
    };
    const chain = new AuditChain({ sinks: [sink] });
    for (let i = 0; i < 3_000; i++) chain.append(decision(i));
    await new Promise((r) => setTimeout(r, 0));
    for (let i = 3_000; i < 3_100; i++) chain.append(decision(i));
    await chain.flush();
    expect(maxInFlight).toBe(1);
    expect(Math.max(...sizes)).toBe(1_024);
    expect(seen).toEqual(Array.from({ length: 3_100 }, (_, i) => i));
  });

  it("resolves flush only once the sinks have written and flushed", async () => {
    const events: string[] = [];
    const chain = new AuditChain({
      sinks: [{
        write: async (records) => { await new Promise((r) => setTimeout(r, 5)); events.push(`write ${records.length}`); },
        flush: async () => { events.push("flush"); },
        close: async () => { events.push("close"); },
      }],
    });
    chain.append(decision(0));
    chain.append(decision(1));
    await chain.flush();
    expect(events).toEqual(["write 2", "flush"]);
    await chain.close();
    await chain.close();
    expect(events).toEqual(["write 2", "flush", "flush", "close"]);
  });

  it("keeps the sinks open when closing fails, and closes them on a later close", async () => {
    const { state, sink } = flakySink("reject");
    let closed = 0;
    const chain = new AuditChain({ sinks: [{ ...sink, close: async () => { closed++; } }] });
    chain.append(decision(0));
    await expect(chain.close()).rejects.toMatchObject({ code: "audit_sink" });
    expect(closed).toBe(0);
    state.failing = false;
    await chain.close();
    expect(closed).toBe(1);
    expect(state.records).toHaveLength(1);
  });

  it("flushes with no sinks at all", async () => {
    const chain = new AuditChain();
    chain.append({ type: "reset", now: 0, session: "s", policy: POLICY });
    await chain.flush();
    expect(chain.position.seq).toBe(1);
    expect(chain.position.prev).toMatch(/^[0-9a-f]{64}$/);
    expect(chain.position.prev).not.toBe(hex("0"));
  });
});

describe("AuditChain.enqueue in a loop that never yields", () => {
  it("links as it goes past 1,024 pending records, in order", async () => {
    const mem = memorySink();
    let hashed = 0;
    const chain = new AuditChain({ sinks: [mem], hash: (text) => (hashed++, sha256Hex(text)) });
    for (let i = 0; i < 3_000; i++) chain.enqueue(decision(i));
    // Without yielding, all but the last 1,024 are linked already.
    expect(hashed).toBe(3_000 - 1_024);
    expect(chain.position.seq).toBe(3_000);
    expect(hashed).toBe(3_000);
    await chain.flush();
    expect(mem.records.map((r) => r.seq)).toEqual(Array.from({ length: 3_000 }, (_, i) => i));
    expect(verifyChain(linesOf(mem.lines))).toMatchObject({ ok: true, records: 3_000 });
  });
});
