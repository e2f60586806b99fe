// Determinism: the same trace (actions with times, tool results) through two fresh guards with an audit
// chain gives the same decisions and the same audit records, hashes and head. One field of a record is
// not reproducible by nature: `latency_us`, the time the decision took (replay/rebuild.ts copies it for
// the same reason). The second run's records are therefore re-hashed with the first run's latencies, and
// must then give the first run's hashes exactly; every other field is compared as it is.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { canonicalHash, createGuard, memorySink, sha256Hex, verifyChain, type AuditRecord, type Decision } from "@trailguard/core";
import { policyText, type RefAction } from "./reference/decide.js";
import { action as actionArb, policy as policyArb } from "./reference/arbitraries.js";
import { propertyParams } from "./settings.js";

/** A trace event: an action at a time, or the result of the session's last action. */
type Step = { type: "action"; at: number; action: RefAction } | { type: "result"; session: "s1" | "s2"; output: string };

const step: fc.Arbitrary<Step> = fc.oneof(
  // Times in ms: small gaps, so that several actions can share a millisecond.
  { arbitrary: fc.record({ type: fc.constant("action" as const), at: fc.integer({ min: 0, max: 5_000 }), action: actionArb }), weight: 4 },
  { arbitrary: fc.record({ type: fc.constant("result" as const), session: fc.constantFrom("s1" as const, "s2" as const), output: fc.constantFrom("ok", "sk-abcdefghijklmnopqrstu", "") }), weight: 1 },
);

/** Output rules make results change what is recorded; the generated rules make the decisions. */
const OUTPUTS = [{ id: "mask", redact: ["sk-[a-z]{20}"] }];

async function run(policy: string, steps: readonly Step[], wallClock: number): Promise<{ decisions: Decision[]; records: AuditRecord[]; lines: string[] }> {
  const sink = memorySink();
  let now = 1_767_225_600_000; // 2026-01-01T00:00:00Z: any fixed start; the trace only adds to it
  // The guard's own clock differs between the two runs: everything is stamped with the trace's time
  // (`now` for checks and for results), so the chains must not depend on it.
  const guard = await createGuard({ policy, clock: () => wallClock, audit: { sinks: [sink], hash: sha256Hex } });
  const decisions: Decision[] = [];
  for (const s of steps) {
    if (s.type === "action") {
      now += s.at;
      decisions.push(guard.check({ ...s.action }, { now }));
    } else {
      guard.recordResult({ session: s.session, output: s.output }, { now });
    }
  }
  await guard.close();
  return { decisions, records: [...sink.records], lines: [...sink.lines] };
}

/** The chain's hashes recomputed over `records`, with the latencies of `latencyFrom` (same length). */
function rehash(records: readonly AuditRecord[], latencyFrom: readonly AuditRecord[]): string[] {
  let prev = records[0]?.prev;
  return records.map((r, i) => {
    const { hash: _hash, ...body } = r as AuditRecord & { hash: string; latency_us?: number };
    const theirs = (latencyFrom[i] as { latency_us?: number }).latency_us;
    const withLatency = { ...body, prev, ...(theirs !== undefined ? { latency_us: theirs } : {}) } as Record<string, unknown>;
    if (theirs === undefined) delete withLatency.latency_us;
    prev = canonicalHash(withLatency, sha256Hex);
    return prev;
  });
}

const withoutLatency = (records: readonly AuditRecord[]) => records.map(({ hash: _h, prev: _p, latency_us: _l, ...rest }: AuditRecord & { hash?: string; prev?: string; latency_us?: number }) => rest);

describe("the same trace gives the same decisions and audit chain", () => {
  it("on random policies and traces with times and results, run twice through fresh guards", async () => {
    let records = 0;
    await fc.assert(
      fc.asyncProperty(policyArb, fc.array(step, { minLength: 1, maxLength: 10 }), async (p, steps) => {
        const text = policyText(p).replace(/\n}$/, `,\n "outputs": ${JSON.stringify(OUTPUTS)}\n}`);
        const first = await run(text, steps, 1);
        const second = await run(text, steps, 2_000_000_000_000);
        expect(second.decisions).toEqual(first.decisions);
        expect(verifyChain(first.lines.map((text, i) => ({ text, file: "first", line: i + 1 }))).ok).toBe(true);
        expect(withoutLatency(second.records)).toEqual(withoutLatency(first.records));
        // The recomputation is right: it gives the first run's own hashes from its own records.
        const firstHashes = first.records.map((r) => (r as { hash: string }).hash);
        expect(rehash(first.records, first.records)).toEqual(firstHashes);
        expect(rehash(second.records, first.records)).toEqual(firstHashes);
        records += first.records.length;
      }),
      propertyParams(40),
    );
    // Every action writes a record, and results do too: the chains compared are not empty.
    expect(records).toBeGreaterThan(40);
  });
});
