import { describe, expect, it } from "vitest";
import { decision, int, rng } from "./audit.test-support.js";
import { AuditChain } from "./chain.js";
import type { AuditEntryRecord, AuditRecord } from "./record.js";
import { memorySink, type AuditSink } from "./sinks.js";
import { verifyChain } from "./verify.js";

const TASKS = 100;
const PER_TASK = 100;

// A sink that settles each batch after a seeded random delay: now, on a later microtask, or on a timer.
function delayedSink(seed: number): AuditSink & { records: AuditRecord[]; lines: string[]; inFlight: number; maxInFlight: number } {
  const r = rng(seed);
  const sink = {
    records: [] as AuditRecord[],
    lines: [] as string[],
    inFlight: 0,
    maxInFlight: 0,
    async write(records: readonly AuditRecord[], lines: readonly string[]) {
      sink.inFlight++;
      sink.maxInFlight = Math.max(sink.maxInFlight, sink.inFlight);
      const k = int(r, 3);
      if (k === 1) await Promise.resolve();
      if (k === 2) await new Promise((res) => setTimeout(res, int(r, 3)));
      sink.records.push(...records);
      sink.lines.push(...lines);
      sink.inFlight--;
    },
  };
  return sink;
}

describe("AuditChain under concurrent callers", () => {
  it("keeps 10,000 appends from 100 interleaved tasks exactly once and in order in every sink", async () => {
    const sinks = [delayedSink(1), delayedSink(2), delayedSink(3)];
    const mem = memorySink();
    const chain = new AuditChain({ sinks: [...sinks, mem] });
    const r = rng(42);
    // Each task's own appends, by seq, to check that every task's records keep its order.
    const mine: number[][] = Array.from({ length: TASKS }, () => []);
    await Promise.all(Array.from({ length: TASKS }, async (_, task) => {
      for (let i = 0; i < PER_TASK; i++) {
        const entry = decision(task * PER_TASK + i, { session: `task-${task}` });
        // Half the callers append (linked now), half enqueue (linked at the end of the job).
        const seq = task % 2 === 0 ? chain.append(entry).seq : chain.enqueue(entry);
        mine[task]!.push(seq);
        const k = int(r, 4);
        if (k === 1) await Promise.resolve();
        if (k === 2) await new Promise((res) => setTimeout(res, 0));
        if (k === 3 && int(r, 10) === 0) await chain.flush();
      }
    }));
    await chain.flush();
    const all = Array.from({ length: TASKS * PER_TASK }, (_, i) => i);
    for (const sink of [...sinks, mem]) {
      expect(sink.records.map((x) => x.seq)).toEqual(all);
      const lines = sink.lines.map((text, i) => ({ text, file: "sink", line: i + 1 }));
      expect(verifyChain(lines)).toMatchObject({ ok: true, records: TASKS * PER_TASK });
    }
    for (const s of sinks) expect(s.maxInFlight).toBe(1);
    for (let task = 0; task < TASKS; task++) {
      const seqs = mine[task]!;
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
      for (const seq of seqs) expect((mem.records[seq] as AuditEntryRecord).session).toBe(`task-${task}`);
    }
  });
});
