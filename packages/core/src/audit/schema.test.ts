import { readFileSync, writeFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { decision, hex, int, pick, randomEntry, rng } from "./audit.test-support.js";
import { AuditChain } from "./chain.js";
import { AUDIT_SCHEMA } from "./schema.js";
import { recordProblem } from "./shape.js";
import { memorySink } from "./sinks.js";

const SCHEMA_FILE = new URL("../../schemas/audit-v1.json", import.meta.url);
const PACKAGE_FILE = new URL("../../package.json", import.meta.url);

const validate = new Ajv2020({ strict: true, allErrors: true }).compile(AUDIT_SCHEMA as object);

// Records of every type, as the chain writes them (parsed back from their lines).
async function records(): Promise<Record<string, unknown>[]> {
  const mem = memorySink();
  const chain = new AuditChain({ sinks: [mem], checkpoint: { every: 25, privateKey: new Uint8Array(32).fill(1), key: "k1" } });
  const r = rng(99);
  for (let i = 0; i < 300; i++) chain.append(randomEntry(r, { lone: i % 4 === 0, indexKeys: i % 3 === 0 }));
  chain.append(decision(1, { shadow: true }));
  chain.append({ type: "result", now: 1, session: "s", policy: hex("b"), event: { output_hash: hex("a"), labels: ["pii"] } });
  chain.append({ type: "result", now: 1, session: "s", policy: hex("b"), event: { output_hash: hex("a"), redacted: 2, redaction: "over" } });
  chain.append({ type: "approval", now: 2, session: "s", policy: hex("b"), event: { id: "ap-1", state: "granted", approver: "alice" } });
  chain.append({ type: "instruction", now: 3, session: "s", policy: hex("b"), event: { origin: "trusted_user" } });
  chain.append({ type: "plan", now: 4, session: "s", policy: hex("b") });
  chain.append({ type: "reset", now: 5, session: "s", policy: hex("b") });
  chain.append({ type: "policy", now: 6, session: "", policy: hex("c"), event: { from: hex("b"), to: hex("c"), reason: "ticket 42", carried: ["seq"], dropped: [] } });
  await chain.close();
  return mem.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe("AUDIT_SCHEMA", () => {
  it("accepts every record the chain writes, of every type", async () => {
    const all = await records();
    const types = new Set(all.map((r) => r.type));
    expect([...types].sort()).toEqual(["approval", "checkpoint", "decision", "instruction", "plan", "policy", "reset", "result"]);
    for (const r of all) {
      expect(validate(r), JSON.stringify(validate.errors)).toBe(true);
      expect(recordProblem(r)).toBeUndefined();
    }
  });

  it("refuses records that are not right, as the hand-written check does", async () => {
    const [good] = await records();
    const cp = (await records()).find((r) => r.type === "checkpoint")!;
    const bad: Record<string, unknown>[] = [
      { ...good, v: 2 },
      { ...good, seq: -1 },
      { ...good, seq: 1.5 },
      { ...good, type: "other" },
      { ...good, ts: "yesterday" },
      { ...good, prev: "0".repeat(63) },
      { ...good, hash: hex("A") },
      { ...good, extra: true },
      { ...good, effect: "maybe" },
      { ...good, shadow: false },
      { ...good, matched: [1] },
      { ...good, action: { kind: "tool", line: "x" } },
      { ...good, action: { kind: "http", port: 70000 } },
      { ...good, action: { tool: "t" } },
      { ...good, action: { kind: "tool", usage: { tokens: "5" } } },
      { ...good, latency_us: -1 },
      { ...good, now: 1e16 },
      { ...good, session: undefined },
      { ...good, type: "approval", event: { id: "a" } },
      { ...good, type: "policy", event: undefined },
      { ...good, type: "policy", event: { from: hex("b") } },
      { ...good, type: "policy", event: { from: hex("b"), to: "x" } },
      { ...good, type: "policy", event: { from: hex("b"), to: hex("c"), carried: [1] } },
      { ...good, type: "result", event: { output_hash: "x" } },
      { ...good, type: "result", event: { redacted: -1 } },
      { ...good, type: "result", event: { redacted: 1.5 } },
      { ...good, type: "result", event: { redacted: 1, redaction: "partly" } },
      { ...cp, session: "s" },
      { ...cp, event: { ...(cp.event as object), signature: "short" } },
      { ...cp, event: undefined },
    ].map((r) => JSON.parse(JSON.stringify(r)));
    for (const r of bad) {
      expect(validate(r), JSON.stringify(r)).toBe(false);
      expect(recordProblem(r), JSON.stringify(r)).toBeDefined();
    }
  });

  it("agrees with the hand-written check on 20,000 random mutations", async () => {
    const all = await records();
    const r = rng(7);
    const VALUES: unknown[] = [
      "", "x", hex("a"), hex("F"), "2026-01-01T00:00:00.000Z", "+275760-09-13T00:00:00.000Z", "tool", "decision", "checkpoint", "approval", "result", "allow",
      0, 1, -1, 1.5, 65535, 65536, 2 ** 53, 8.64e15, 8.7e15, true, false, null, [], ["a"], [1], {}, { kind: "tool" }, { kind: "" },
      { id: "a", state: "b" }, { output_hash: hex("a") }, { output_hash: hex("a"), redacted: 3, redaction: "withheld" }, { redacted: -2 }, { redaction: "x" }, { tokens: 1 }, { head: hex("a"), signature: "A".repeat(86) + "==", key: "k" },
    ];
    const KEYS = ["v", "seq", "type", "ts", "now", "session", "agent", "adapter", "action", "effect", "rule", "code", "reason", "matched",
      "labels", "shadow", "policy", "input", "latency_us", "event", "prev", "hash", "other"];
    let valid = 0;
    for (let i = 0; i < 20_000; i++) {
      const rec = structuredClone(pick(r, all));
      for (let m = int(r, 3); m >= 0; m--) {
        const key = pick(r, KEYS);
        const action = rec.action;
        const inAction = key === "action" && action !== null && typeof action === "object" && !Array.isArray(action) && r() < 0.5;
        const target = inAction ? (action as Record<string, unknown>) : rec;
        const k = target === rec ? key : pick(r, ["kind", "tool", "port", "usage", "args", "args_hash", "labels", "line"]);
        if (r() < 0.3) delete target[k];
        else target[k] = structuredClone(pick(r, VALUES));
      }
      const ajv = validate(rec);
      if (ajv) valid++;
      expect(recordProblem(rec) === undefined, `${JSON.stringify(rec)}: ${JSON.stringify(validate.errors)}`).toBe(ajv);
    }
    // Both outcomes must be common for the comparison to mean anything.
    expect(valid).toBeGreaterThan(1_000);
    expect(valid).toBeLessThan(19_000);
  });

  it("is shipped as schemas/audit-v1.json, listed in the package's files and exports", () => {
    if (process.env.UPDATE_AUDIT_SCHEMA === "1") writeFileSync(SCHEMA_FILE, JSON.stringify(AUDIT_SCHEMA, null, 2) + "\n");
    expect(JSON.parse(readFileSync(SCHEMA_FILE, "utf8"))).toEqual(AUDIT_SCHEMA);
    const pkg = JSON.parse(readFileSync(PACKAGE_FILE, "utf8")) as { files: string[]; exports: Record<string, unknown> };
    expect(pkg.files).toContain("schemas");
    expect(pkg.exports["./schemas/audit-v1.json"]).toBe("./schemas/audit-v1.json");
  });
});
