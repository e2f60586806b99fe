// The engine's redaction scan (core-wasm/assembly/redact.ts, outputs.ts) against the TypeScript reference
// loop it mirrors (packages/core/src/automata/scan.ts), and its bounds: step budget, text area, tables.

import { describe, it, expect, beforeAll } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadPolicy } from "../../packages/core/src/policy/load.js";
import { compileScanPattern, scanBudget, scanText } from "../../packages/core/src/automata/scan.js";
import { Engine } from "../../packages/core/src/engine/host.js";
import { scanString } from "../../packages/core/src/engine/scan.js";
import type { EngineExports } from "../../packages/core/src/engine/abi.js";
import type { CompiledPolicy } from "../../packages/core/src/compile/compile.js";
import { rng } from "../../packages/core/src/automata/dfa.test-support.js";

const wasmPath = fileURLToPath(new URL("../dist/trailguard.wasm", import.meta.url));
let module: WebAssembly.Module;
beforeAll(() => {
  module = new WebAssembly.Module(readFileSync(wasmPath));
});

const enc = new TextEncoder();

function compile(outputs: { id: string; when?: string; redact: string[] }[]): CompiledPolicy {
  const { policy, errors } = loadPolicy({ version: 1, default: "allow", outputs });
  if (!policy) throw new Error(errors.map((e) => e.message).join("; "));
  return policy;
}

function instance(policy: CompiledPolicy): EngineExports {
  const x = new WebAssembly.Instance(module, {}).exports as unknown as EngineExports;
  const at = x.reserve(policy.program.length);
  new Uint8Array(x.memory.buffer, at, policy.program.length).set(policy.program);
  expect(x.install(at, policy.program.length)).toBe(0);
  return x;
}

/** Runs the engine on bytes directly: status, steps and byte spans [start, end, rule]. */
function engineScan(x: EngineExports, bytes: Uint8Array, mask: number) {
  const at = x.textArea(bytes.length);
  new Uint8Array(x.memory.buffer, at, bytes.length).set(bytes);
  const status = x.redact(bytes.length, mask);
  const spans: [number, number, number][] = [];
  let from = 0;
  for (;;) {
    const n = x.redactSpans(from);
    const dv = new DataView(x.memory.buffer, x.spansPtr(), n * 12);
    for (let k = 0; k < n; k++) spans.push([dv.getUint32(k * 12, true), dv.getUint32(k * 12 + 4, true), dv.getUint32(k * 12 + 8, true)]);
    if (n < 1024) break;
    from = spans[spans.length - 1]![1];
  }
  return { status, steps: x.redactSteps(), spans };
}

const compiledPatterns = new Map<string, ReturnType<typeof compileScanPattern>>();

/** The reference: every applying pattern's spans, marked per byte with the lowest rule, read back as runs. */
function referenceScan(rules: string[][], bytes: Uint8Array, mask: number) {
  const cover = new Int32Array(bytes.length).fill(-1);
  let over = false;
  let steps = 0;
  const seen = new Set<string>();
  rules.forEach((patterns, r) => {
    if (((mask >>> r) & 1) === 0) return;
    for (const p of patterns) {
      if (seen.has(p)) continue; // scanned once, for the first applying rule that lists it
      seen.add(p);
      if (!compiledPatterns.has(p)) compiledPatterns.set(p, compileScanPattern(p));
      const c = compiledPatterns.get(p)!;
      if (!c.ok) throw new Error(c.error);
      const res = scanText(c.pattern, bytes);
      over ||= res.exhausted;
      steps += res.steps;
      for (const [a, z] of res.spans) for (let b = a; b < z; b++) if (cover[b] === -1 || cover[b]! > r) cover[b] = r;
    }
  });
  const spans: [number, number, number][] = [];
  for (let b = 0; b < bytes.length;) {
    if (cover[b] === -1) { b++; continue; }
    const start = b;
    let rule = cover[b]!;
    while (b < bytes.length && cover[b] !== -1) rule = Math.min(rule, cover[b++]!);
    spans.push([start, b, rule]);
  }
  return { status: over ? 1 : 0, steps, spans };
}

describe("the engine's redaction scan", () => {
  const rules = [
    ["(?i)aws_secret_access_key\\s*=\\s*\\S+", "sk-[A-Za-z0-9]{20,}"],
    ["\\bkey\\b", "é+|日本"],
    ["[0-9]{3,}", "sk-[A-Za-z0-9]{20,}", "😀x?"],
  ];
  const policy = compile(rules.map((redact, i) => ({ id: `r${i}`, redact })));

  it("finds exactly what the reference loop finds, for every mask, merging across patterns and rules", () => {
    const x = instance(policy);
    const random = rng(4242);
    const pieces = ["aws_secret_access_key", "AWS_SECRET_ACCESS_KEY", " = ", "=", "sk-", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "key", " ", "\n", "é", "日本", "😀", "x", "0123", "9", "-"];
    for (let t = 0; t < 300; t++) {
      let s = "";
      const len = Math.floor(random() * 16);
      for (let i = 0; i < len; i++) s += pieces[Math.floor(random() * pieces.length)];
      const bytes = enc.encode(s);
      const mask = Math.floor(random() * 8);
      const got = engineScan(x, bytes, mask);
      const want = referenceScan(rules, bytes, mask);
      expect(got, `${JSON.stringify(s)} mask ${mask}`).toEqual(want);
    }
  });

  it("names a merged span by the first rule, in policy order, that covers any of it", () => {
    const x = instance(policy);
    const { spans } = engineScan(x, enc.encode("id 123sk-ABCDEFGHIJKLMNOPQRSTUVWXYZ end"), 0b101);
    // `[0-9]{3,}` (rule 2) and `sk-…` (rules 0 and 2) touch: one span, named by rule 0.
    expect(spans).toEqual([[3, 35, 0]]);
  });

  it("hands spans back in chunks of 1,024 when a text has more", () => {
    const x = instance(compile([{ id: "digits", redact: ["[0-9]+"] }]));
    const s = "1 ".repeat(3000);
    const { spans } = engineScan(x, enc.encode(s), 1);
    expect(spans.length).toBe(3000);
    expect(spans[2999]).toEqual([5998, 5999, 0]);
  });

  it("keeps a pathological pattern linear on 1 MiB and redacts to the end when the budget runs out", () => {
    const x = instance(compile([{ id: "slow", redact: ["ab|a[ab ]*c"] }]));
    const n = 1 << 20;
    const bytes = enc.encode("ab ".repeat(Math.ceil(n / 3)).slice(0, n));
    const got = engineScan(x, bytes, 1);
    expect(got.status).toBe(1);
    expect(got.steps).toBeLessThanOrEqual(n + scanBudget(n));
    const c = compileScanPattern("ab|a[ab ]*c");
    if (!c.ok) throw new Error(c.error);
    const ref = scanText(c.pattern, bytes);
    expect(got.steps).toBe(ref.steps);
    expect(got.spans).toEqual(ref.spans.map(([a, z]) => [a, z, 0]));
    expect(got.spans[got.spans.length - 1]![1]).toBe(n);
    expect(got.spans.length).toBeGreaterThan(1);
  });

  it("scans 1 MiB of ordinary output in about one step per byte per pattern", () => {
    const x = instance(policy);
    const line = "INFO request ok user=alice id=778 sk-short AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG 日本 key\n";
    const s = line.repeat(Math.ceil((1 << 20) / line.length));
    const bytes = enc.encode(s);
    const t0 = performance.now();
    const got = engineScan(x, bytes, 0b111);
    const ms = performance.now() - t0;
    expect(got.status).toBe(0);
    // Six distinct patterns: a backward pass each, plus forward runs that read matches and a byte more.
    expect(got.steps).toBeLessThan(8 * bytes.length);
    expect(got).toEqual(referenceScan(rules, bytes, 0b111));
    console.log(`1 MiB, 6 patterns: ${got.steps} steps (${(got.steps / bytes.length).toFixed(2)} per byte), ${ms.toFixed(1)} ms, ${got.spans.length} spans`);
  });

  it("refuses a text longer than its area, and scans nothing for an empty mask", () => {
    const x = instance(policy);
    x.textArea(16);
    expect(x.redact(1 << 30, 1)).toBe(-1);
    expect(engineScan(x, enc.encode("sk-ABCDEFGHIJKLMNOPQRSTUVWXYZ"), 0)).toEqual({ status: 0, steps: 0, spans: [] });
  });

  it("refuses a program whose outputs section points outside its tables", () => {
    const program = policy.program.slice();
    const dv = new DataView(program.buffer);
    const sec = dv.getUint32(64, true);
    const patterns = sec + dv.getUint32(sec + 12, true);
    dv.setUint16(patterns + 4, 0xffff, true); // a forward table that does not exist
    const x = new WebAssembly.Instance(module, {}).exports as unknown as EngineExports;
    const at = x.reserve(program.length);
    new Uint8Array(x.memory.buffer, at, program.length).set(program);
    expect(x.install(at, program.length)).toBe(6);
    const wide = policy.program.slice();
    new DataView(wide.buffer).setUint32(sec, 33, true); // 33 output rules: more than the u32 mask holds
    const y = new WebAssembly.Instance(module, {}).exports as unknown as EngineExports;
    const at2 = y.reserve(wide.length);
    new Uint8Array(y.memory.buffer, at2, wide.length).set(wide);
    expect(y.install(at2, wide.length)).toBe(6);
  });

  it("maps byte spans to UTF-16 on whole characters, surrogate pairs included", () => {
    const x = instance(compile([{ id: "emoji", redact: ["😀+", "é"] }]));
    const s = "a😀😀b é\u{1F600}";
    const { spans } = scanString(x, s, 1)!;
    expect(spans.map((sp) => s.slice(sp.start, sp.end))).toEqual(["😀😀", "é😀"]);
    // A lone surrogate is one UTF-16 unit but three bytes (U+FFFD) in the engine: offsets after it stay right.
    const lone = "\ud800x😀";
    expect(scanString(x, lone, 1)!.spans).toEqual([{ start: 2, end: 4, rule: 0 }]);
  });
});

describe("output rules at decision time", () => {
  const policy = (() => {
    const { policy, errors } = loadPolicy(`
version: 1
default: allow
rules:
  - id: no-delete
    when: action.tool == "delete"
    effect: deny
outputs:
  - id: files
    when: action.tool == "read_file"
    redact: ["sk-[a-z]{4}"]
  - id: always
    redact: ["secret"]
  - id: shell
    when: action.program == "cat"
    redact: ["[0-9]{4}"]
  - id: erring
    when: action.args.n > 3
    redact: ["x{3}"]
`);
    if (!policy) throw new Error(errors.map((e) => e.message).join("; "));
    return policy;
  })();
  const inputs = { now: 0, session: 0, agent: 0, valueLabels: 0n, lift: -1, explicit: -1, repeatKey: 0 };

  it("hands back the mask of the rules whose `when` holds, for an action that runs", async () => {
    const e = await Engine.create(policy);
    e.ensure(1, 1);
    e.decide([{ kind: "tool", session: "s", tool: "read_file" }], inputs);
    expect(e.outputRules()).toBe(0b0011);
    e.decide([{ kind: "tool", session: "s", tool: "search", args: { n: 1 } }], inputs);
    expect(e.outputRules()).toBe(0b0010);
  });

  it("applies a rule whose `when` errs", async () => {
    const e = await Engine.create(policy);
    e.ensure(1, 1);
    e.decide([{ kind: "tool", session: "s", tool: "search", args: { n: "four" } }], inputs);
    expect(e.outputRules()).toBe(0b1010);
  });

  it("takes the union over an action's parts", async () => {
    const e = await Engine.create(policy);
    e.ensure(1, 1);
    e.decide([{ kind: "shell", session: "s", program: "ls" }, { kind: "shell", session: "s", program: "cat" }], inputs);
    expect(e.outputRules()).toBe(0b0110);
  });

  it("hands back nothing for an action that does not run", async () => {
    const e = await Engine.create(policy);
    e.ensure(1, 1);
    e.decide([{ kind: "tool", session: "s", tool: "delete" }], inputs);
    expect(e.outputRules()).toBeUndefined();
  });
});
