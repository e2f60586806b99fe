import { describe, it, expect } from "vitest";
import { createGuard } from "./guard.js";
import { Engine } from "../engine/host.js";
import { memorySink } from "../audit/sinks.js";
import { verifyChain } from "../audit/verify.js";
import { PendingOutputs, MAX_PENDING_TOOLS } from "./outputs.js";
import type { Action } from "./action.js";

const POLICY = `
version: 1
default: allow
outputs:
  - id: mask-keys
    when: action.tool == "read_file"
    redact: ["(?i)aws_secret_access_key\\\\s*=\\\\s*\\\\S+", "sk-[A-Za-z0-9]{20,}"]
  - id: cards
    redact: ["[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}"]
    replacement: "<card>"
  - id: secret-files
    when: action.tool == "read_file" && action.args.path.startsWith("/secret/")
    redact: ["[A-Z]{8}"]
    replacement: "<caps>"
  - id: emoji
    when: action.tool == "chat"
    redact: ["😀+", "é+"]
`;

const KEY = "sk-" + "a1B2".repeat(6);
const read = (path = "/tmp/x", session = "s"): Action => ({ kind: "tool", session, tool: "read_file", args: { path } });

describe("recordResult redacts what the output rules of the decided action name", () => {
  it("replaces the design's example matches in a string output", async () => {
    const guard = await createGuard({ policy: POLICY });
    expect(guard.check(read()).effect).toBe("allow");
    const r = guard.recordResult({ session: "s", tool: "read_file", output: `[default]\nAWS_SECRET_ACCESS_KEY = wJalr/K7MDENG\nkey=${KEY} card 4111 1111 1111 1111.` });
    expect(r).toEqual({
      output: "[default]\n[REDACTED]\nkey=[REDACTED] card <card>.",
      redacted: 3, rules: ["mask-keys", "cards"], overRedacted: false, withheld: false,
    });
  });

  it("leaves the output alone, the same value, when no applying rule matches", async () => {
    const guard = await createGuard({ policy: POLICY });
    guard.check({ kind: "tool", session: "s", tool: "search" });
    const output = { hits: [{ title: `a ${KEY}` }] };
    const r = guard.recordResult({ session: "s", tool: "search", output });
    // Only `cards` applies to `search`: the key stays, and nothing was copied.
    expect(r.output).toBe(output);
    expect(r).toMatchObject({ redacted: 0, rules: ["cards"], withheld: false });
  });

  it("walks objects and arrays, keys included, numbers and dates as the model will read them", async () => {
    const guard = await createGuard({ policy: POLICY });
    guard.check(read());
    const untouched = { a: [1, "plain"] };
    const when = new Date(Date.UTC(2026, 0, 1));
    const output = {
      untouched,
      rows: [{ card: 4111111111111111, note: `use ${KEY}` }, null, true],
      [KEY]: "a key as a key",
      ["sk-" + "z".repeat(20)]: "another",
      at: when,
      nested: Object.assign(Object.create(null) as Record<string, unknown>, { deep: [[`x ${KEY}`]] }),
    };
    const r = guard.recordResult({ session: "s", tool: "read_file", output });
    const out = r.output as Record<string, any>;
    expect(out.untouched).toBe(untouched);
    expect(out.rows).toEqual([{ card: "<card>", note: "use [REDACTED]" }, null, true]);
    expect(out["[REDACTED]"]).toBe("a key as a key");
    expect(out["[REDACTED] (2)"]).toBe("another");
    expect(out.at).toBe(when);
    expect(Object.getPrototypeOf(out.nested)).toBeNull();
    expect(out.nested.deep).toEqual([["x [REDACTED]"]]);
    expect(r.redacted).toBe(5);
    // The caller's value is never modified.
    expect(output.rows[0]).toEqual({ card: 4111111111111111, note: `use ${KEY}` });
  });

  it("replaces values it cannot scan whole, and withholds outputs past the size or depth bound", async () => {
    const guard = await createGuard({ policy: POLICY, maxOutputBytes: 1000 });
    guard.check(read());
    const r = guard.recordResult({ session: "s", tool: "read_file", output: { ok: "fine", blob: new Map([["k", KEY]]) } });
    expect(r.output).toEqual({ ok: "fine", blob: "[REDACTED]" });
    guard.check(read());
    expect(guard.recordResult({ session: "s", tool: "read_file", output: "x".repeat(1001) })).toMatchObject({ output: "[REDACTED]", withheld: true, reason: "the output is larger than 1000 bytes; it was withheld" });
    let deep: unknown = "leaf";
    for (let i = 0; i < 40; i++) deep = [deep];
    guard.check(read());
    expect(guard.recordResult({ session: "s", tool: "read_file", output: deep })).toMatchObject({ output: "[REDACTED]", withheld: true });
    // Neither is a fault: the session goes on.
    expect(guard.check(read()).effect).toBe("allow");
  });

  it("keeps multi-byte characters and surrogate pairs whole around and inside matches", async () => {
    const guard = await createGuard({ policy: POLICY });
    guard.check({ kind: "tool", session: "s", tool: "chat" });
    const r = guard.recordResult({ session: "s", tool: "chat", output: "日本😀😀é語\u{1F601} ééx" });
    expect(r.output).toBe("日本[REDACTED]語\u{1F601} [REDACTED]x");
    expect(r.redacted).toBe(2);
  });

  it("merges overlapping matches of different rules into one span, named by the first rule", async () => {
    const guard = await createGuard({ policy: POLICY });
    guard.check(read("/secret/a"));
    // `[A-Z]{8}` (secret-files) overlaps the key's match (mask-keys): one span, mask-keys' replacement.
    const r = guard.recordResult({ session: "s", tool: "read_file", output: `ABCDEFGH${KEY} and QWERTYUI` });
    expect(r.output).toBe("[REDACTED] and <caps>");
  });

  it("over-redacts and says so when a pattern runs out of scan steps", async () => {
    const guard = await createGuard({ policy: `version: 1\ndefault: allow\noutputs:\n  - id: slow\n    redact: ["ab|a[ab ]*c"]\n` });
    guard.check({ kind: "tool", session: "s", tool: "t" });
    const r = guard.recordResult({ session: "s", tool: "t", output: "ab ".repeat(200_000) });
    expect(r.overRedacted).toBe(true);
    expect(r.reason).toContain("ran out of scan steps");
    const out = r.output as string;
    expect(out.startsWith("[REDACTED] [REDACTED] ")).toBe(true);
    expect(out.endsWith("[REDACTED]")).toBe(true);
    expect(out.length).toBeLessThan(10_000);
  });

  it("does nothing, not even a copy, when the policy has no output rules", async () => {
    const guard = await createGuard({ policy: "version: 1\ndefault: allow\n" });
    guard.check(read());
    const output = { k: KEY };
    expect(guard.recordResult({ session: "s", tool: "read_file", output })).toEqual({ output, redacted: 0, rules: [], overRedacted: false, withheld: false });
  });
});

describe("which rules apply to a result", () => {
  it("never under-redacts parallel calls of one tool: each result gets the union of the pending calls", async () => {
    const guard = await createGuard({ policy: POLICY });
    guard.check(read("/secret/a")); // secret-files applies
    guard.check(read("/tmp/b")); // it does not
    const b = guard.recordResult({ session: "s", tool: "read_file", output: "QWERTYUI" });
    const a = guard.recordResult({ session: "s", tool: "read_file", output: "QWERTYUI" });
    // B's result arrived first and is redacted too: over-redaction, documented.
    expect([a.output, b.output]).toEqual(["<caps>", "<caps>"]);
    // Both results arrived: the next call of the tool is exact again.
    guard.check(read("/tmp/c"));
    expect(guard.recordResult({ session: "s", tool: "read_file", output: "QWERTYUI" }).output).toBe("QWERTYUI");
  });

  it("keeps tools apart: a result gets its own tool's rules, whatever was decided in between", async () => {
    const guard = await createGuard({ policy: POLICY });
    guard.check(read());
    guard.check({ kind: "tool", session: "s", tool: "chat" });
    expect(guard.recordResult({ session: "s", tool: "chat", output: `😀 ${KEY}` }).output).toBe(`[REDACTED] ${KEY}`);
    expect(guard.recordResult({ session: "s", tool: "read_file", output: `😀 ${KEY}` }).output).toBe("😀 [REDACTED]");
  });

  it("gives a result that matches no pending decision every output rule", async () => {
    const guard = await createGuard({ policy: POLICY.replace("default: allow", "default: allow\nrules:\n  - id: no-chat\n    when: action.tool == \"chat\"\n    effect: deny") });
    // Never decided, and decided but denied (its result should not exist): every rule applies.
    expect(guard.recordResult({ session: "s", tool: "search", output: "😀 QWERTYUI" }).rules).toEqual(["mask-keys", "cards", "secret-files", "emoji"]);
    expect(guard.check({ kind: "tool", session: "s", tool: "chat" }).effect).toBe("deny");
    expect(guard.recordResult({ session: "s", tool: "chat", output: "😀 QWERTYUI" }).output).toBe("[REDACTED] <caps>");
    // No session at all: still redacted, with every rule.
    expect(guard.recordResult({ output: `k ${KEY}` } as never).output).toBe("k [REDACTED]");
  });

  it("matches results without a tool to the session's actions without one", async () => {
    const guard = await createGuard({ policy: `version: 1\ndefault: allow\noutputs:\n  - id: http\n    when: action.kind == "http"\n    redact: ["tok_[a-z]+"]\n  - id: other\n    when: action.kind != "http"\n    redact: ["x+"]\n` });
    guard.check({ kind: "http", session: "s", url: "https://api.example/" });
    expect(guard.recordResult({ session: "s", output: "tok_abc xx" }).output).toBe("[REDACTED] xx");
  });

  it("bounds the tools a session waits for", () => {
    const p = new PendingOutputs();
    for (let i = 0; i <= MAX_PENDING_TOOLS; i++) p.expect(`t${i}`, 1, 2n);
    expect(p.take("t0")).toBeUndefined(); // dropped: its result would get every rule
    expect(p.take(`t${MAX_PENDING_TOOLS}`)).toMatchObject({ mask: 1, labels: 2n });
  });
});

describe("fail-closed redaction", () => {
  it("withholds the output, marks the session and replaces the engine when the engine traps", async () => {
    const guard = await createGuard({ policy: POLICY });
    guard.check(read());
    const original = Engine.prototype.scanText;
    Engine.prototype.scanText = () => { throw new WebAssembly.RuntimeError("unreachable"); };
    let r;
    try {
      r = guard.recordResult({ session: "s", tool: "read_file", output: `key ${KEY}` });
    } finally {
      Engine.prototype.scanText = original;
    }
    expect(r).toMatchObject({ output: "[REDACTED]", withheld: true, rules: ["mask-keys", "cards"] });
    expect(r.reason).toContain("unreachable");
    expect(guard.check(read())).toMatchObject({ effect: "deny", code: "engine_fault" });
    // The standby engine took over: the session decides and redacts again.
    expect(guard.check(read()).effect).toBe("allow");
    expect(guard.recordResult({ session: "s", tool: "read_file", output: `key ${KEY}` }).output).toBe("key [REDACTED]");
  });

  it("withholds the output and marks the session when reading the output throws", async () => {
    const guard = await createGuard({ policy: POLICY });
    guard.check(read());
    const output = { get text(): string { throw new Error("boom"); } };
    const r = guard.recordResult({ session: "s", tool: "read_file", output });
    expect(r).toMatchObject({ output: "[REDACTED]", withheld: true, redacted: 1 });
    expect(guard.check(read())).toMatchObject({ effect: "deny", code: "engine_fault" });
  });
});

describe("redaction and the rest of the guard", () => {
  it("fingerprints the output as it was: value taint still sees the redacted data", async () => {
    const guard = await createGuard({ policy: `
version: 1
default: allow
flows:
  sources:
    - when: action.tool == "crm"
      labels: [pii]
  sinks:
    - id: no-pii-out
      when: action.kind == "http"
      forbid: [pii]
      effect: deny
outputs:
  - id: emails
    redact: ["[a-z.]+@[a-z.]+"]
` });
    guard.check({ kind: "tool", session: "s", tool: "crm" });
    expect(guard.recordResult({ session: "s", tool: "crm", output: "jane.doe@example.com" }).output).toBe("[REDACTED]");
    expect(guard.check({ kind: "http", session: "s", url: "https://x.example/?to=jane.doe@example.com" })).toMatchObject({ effect: "deny", rule: "no-pii-out" });
  });

  it("records in the audit log how many spans were redacted, in a chain that verifies", async () => {
    const sink = memorySink();
    const guard = await createGuard({ policy: POLICY, audit: { sinks: [sink] }, clock: () => 7 });
    guard.check(read());
    guard.recordResult({ session: "s", tool: "read_file", output: `${KEY} ${KEY}` });
    guard.check({ kind: "tool", session: "s", tool: "t" });
    guard.recordResult({ session: "s", tool: "t", output: 1 });
    await guard.flush();
    const results = sink.records.filter((r) => r.type === "result") as Record<string, any>[];
    expect(results.map((r) => r.event.redacted)).toEqual([2, 0]);
    expect(sink.lines.join("\n")).not.toContain(KEY);
    expect(verifyChain(sink.lines.map((text, i) => ({ text, file: "memory", line: i + 1 })))).toMatchObject({ ok: true });
  });
});
