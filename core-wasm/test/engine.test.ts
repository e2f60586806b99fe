// Tests of the built engine (core-wasm/dist/trailguard.wasm) with programs assembled by hand, so that
// the engine's semantics are pinned independently of the policy compiler.

import { describe, it, expect, beforeAll } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { assemble, type ProgramParts } from "../../packages/core/src/compile/program.js";
import { OP } from "../../packages/core/src/compile/codegen.js";
import type { EngineExports } from "../../packages/core/src/engine/abi.js";

const wasmPath = fileURLToPath(new URL("../dist/trailguard.wasm", import.meta.url));
let module: WebAssembly.Module;
beforeAll(() => {
  module = new WebAssembly.Module(readFileSync(wasmPath));
});

type Exports = EngineExports;

const ALLOW = 0, FLAG = 1, ASK = 2, DENY = 3, KILL = 4;
type Val = undefined | null | boolean | number | string | Val[];

/** A tiny assembler for conditions: each rule is a list of ops. */
class Code {
  bytes: number[] = [];
  op(o: number, ...u16: number[]) { this.bytes.push(o); for (const v of u16) this.bytes.push(v & 0xff, v >> 8); return this; }
  jmp(o: number, ...targets: number[]) { this.bytes.push(o); for (const t of targets) this.bytes.push(t & 0xff, (t >> 8) & 0xff, (t >> 16) & 0xff, t >>> 24); return this; }
  get pc() { return this.bytes.length; }
}

function engine(parts: Partial<ProgramParts> & { code: Uint8Array; rules: ProgramParts["rules"] }) {
  const program = assemble({ nSlots: 4, consts: [], dfas: [], maxStack: 8, defaultEffect: DENY, shadow: false, unindexed: parts.rules.map((_, i) => i), keys: [], ...parts });
  const inst = new WebAssembly.Instance(module, {});
  const x = inst.exports as unknown as Exports;
  const at = x.reserve(program.length);
  new Uint8Array(x.memory.buffer, at, program.length).set(program);
  const status = x.install(at, program.length);
  if (status === 0) {
    x.ensureSessions(1);
    x.ensureAgents(1);
  }
  const enc = new TextEncoder();
  let strings = x.reserve(1 << 16);
  const setSlots = (vals: Val[]) => {
    const dv = new DataView(x.memory.buffer);
    let pos = strings;
    const write = (at: number, v: Val) => {
      if (v === undefined) return dv.setInt32(at, 0, true);
      if (v === null) return dv.setInt32(at, 1, true);
      if (typeof v === "boolean") { dv.setInt32(at, 2, true); return dv.setFloat64(at + 8, v ? 1 : 0, true); }
      if (typeof v === "number") { dv.setInt32(at, 3, true); return dv.setFloat64(at + 8, v, true); }
      if (typeof v === "string") {
        const b = enc.encode(v);
        new Uint8Array(x.memory.buffer, pos, b.length).set(b);
        dv.setInt32(at, 4, true); dv.setUint32(at + 8, pos, true); dv.setUint32(at + 12, b.length, true);
        pos += b.length + 8;
        return;
      }
      const items = pos;
      pos += v.length * 16;
      v.forEach((item, i) => write(items + i * 16, item));
      dv.setInt32(at, 5, true); dv.setUint32(at + 8, items, true); dv.setUint32(at + 12, v.length, true);
    };
    vals.forEach((v, i) => write(x.slotsPtr() + i * 16, v));
  };
  /** Decides one action given as parts (each a list of slot values), in session 0 at time 0. */
  const decideParts = (parts: Val[][]) => {
    // Each decision in a fresh session: these tests pin per-action semantics (a kill would mark it).
    x.resetSessionAt(0);
    parts.forEach((vals, i) => {
      setSlots(vals);
      x.part(i === 0 ? 1 : 0);
    });
    const inputs = new DataView(x.memory.buffer, x.inputPtr(), 48);
    inputs.setInt32(16, -1, true);
    inputs.setInt32(20, -1, true);
    const r = x.finish();
    const dv = new DataView(x.memory.buffer);
    const matched = Array.from({ length: x.matchedCount() }, (_, i) => dv.getUint32(x.matchedPtr() + i * 4, true));
    return { effect: r & 0xf, code: (r >> 4) & 0xf, enforced: (r >> 8) & 1, rule: (r >>> 16) - 1, matched };
  };
  const decide = (vals: Val[]) => decideParts([vals]);
  return { status, decide, decideParts, x };
}

/** One rule per condition, each `LOAD slot0 ... RET`. */
function single(build: (c: Code) => void, effect = DENY, consts: ProgramParts["consts"] = []) {
  const c = new Code();
  build(c);
  c.op(OP.RET);
  return engine({ code: new Uint8Array(c.bytes), rules: [{ effect, essential: false, whenPc: 0 }], consts });
}

describe("program loading", () => {
  it("refuses a program with a bad magic, version or length", () => {
    const good = assemble({ nSlots: 0, rules: [], consts: [], dfas: [], code: new Uint8Array([OP.RET]), maxStack: 1, defaultEffect: DENY, shadow: false, unindexed: [], keys: [] });
    const load = (bytes: Uint8Array) => {
      const x = new WebAssembly.Instance(module, {}).exports as unknown as Exports;
      const at = x.reserve(bytes.length);
      new Uint8Array(x.memory.buffer, at, bytes.length).set(bytes);
      return x.install(at, bytes.length);
    };
    expect(load(good)).toBe(0);
    const badMagic = good.slice(); badMagic[0] = 0;
    expect(load(badMagic)).toBe(1);
    const badVersion = good.slice(); badVersion[4] = 9;
    expect(load(badVersion)).toBe(2);
    expect(load(good.slice(0, 40))).toBe(3);
    const badOffset = good.slice(); new DataView(badOffset.buffer).setUint32(32, 1 << 30, true); new DataView(badOffset.buffer).setUint32(12, 1, true);
    expect(load(badOffset)).toBe(4);
  });

  it("has no imports: it cannot reach a clock, randomness or I/O", () => {
    expect(WebAssembly.Module.imports(module)).toEqual([]);
  });
});

describe("comparisons", () => {
  const cmp = (op: number, a: Val, b: Val) => single((c) => c.op(OP.LOAD, 0).op(OP.LOAD, 1).op(op)).decide([a, b]);
  it("are false when either side is absent, for every operator", () => {
    for (const op of [OP.EQ, OP.NE, OP.LT, OP.LE, OP.GT, OP.GE]) {
      expect(cmp(op, undefined, 1).matched).toEqual([]);
      expect(cmp(op, "x", undefined).matched).toEqual([]);
    }
  });
  it("err on mismatched types, which makes a deny rule match with code eval_error", () => {
    const r = cmp(OP.GT, "5000", 1000);
    expect(r.effect).toBe(DENY);
    expect(r.code).toBe(2);
    expect(r.matched).toEqual([0x80000000]);
  });
  it("order strings by bytes and numbers numerically", () => {
    expect(cmp(OP.LT, "abc", "abd").matched).toEqual([0]);
    expect(cmp(OP.LT, "é", "z").matched).toEqual([]); // UTF-8 byte order = code point order
    expect(cmp(OP.GE, 3, 3).matched).toEqual([0]);
    expect(cmp(OP.LT, Number.NaN, 1).code).toBe(2);
  });
  it("compare null with anything without error", () => {
    expect(cmp(OP.EQ, null, null).matched).toEqual([0]);
    expect(cmp(OP.EQ, null, "x").matched).toEqual([]);
    expect(cmp(OP.NE, "x", null).matched).toEqual([0]);
  });
  it("compare strings of every length exactly", () => {
    for (const n of [0, 1, 7, 8, 9, 15, 16, 17, 100]) {
      const s = "a".repeat(n);
      expect(cmp(OP.EQ, s, s).matched).toEqual([0]);
      expect(cmp(OP.EQ, s, `${s}b`).matched).toEqual([]);
      if (n > 0) expect(cmp(OP.EQ, s, `${s.slice(1)}b`).matched).toEqual([]);
    }
  });
});

describe("logic with errors (CEL commutative semantics)", () => {
  // slot0 and slot1 are the operands; a string in boolean context is an error.
  const E = "err";
  const logic = (op: "and" | "or", a: Val, b: Val) => {
    const c = new Code();
    c.op(OP.LOAD, 0);
    const l = op === "and" ? OP.AND_L : OP.OR_L;
    const at = c.pc;
    c.jmp(l, 0);
    c.op(OP.LOAD, 1).op(op === "and" ? OP.AND_R : OP.OR_R);
    const end = c.pc;
    c.bytes.splice(at + 1, 4, end & 0xff, (end >> 8) & 0xff, 0, 0);
    c.op(OP.RET);
    const r = engine({ code: new Uint8Array(c.bytes), rules: [{ effect: DENY, essential: false, whenPc: 0 }] }).decide([a, b]);
    return r.matched.length === 0 ? false : r.code === 2 ? E : true;
  };
  it("false && error is false, error && false is false, true && error errs", () => {
    expect(logic("and", false, E)).toBe(false);
    expect(logic("and", E, false)).toBe(false);
    expect(logic("and", true, E)).toBe(E);
    expect(logic("and", E, true)).toBe(E);
    expect(logic("and", true, true)).toBe(true);
    expect(logic("and", undefined, true)).toBe(false); // absent is false in boolean context
  });
  it("true || error is true, error || true is true, false || error errs", () => {
    expect(logic("or", true, E)).toBe(true);
    expect(logic("or", E, true)).toBe(true);
    expect(logic("or", false, E)).toBe(E);
    expect(logic("or", false, false)).toBe(false);
  });
  it("not of an error errs; not of absent is true", () => {
    expect(single((c) => c.op(OP.LOAD, 0).op(OP.NOT)).decide(["s"]).code).toBe(2);
    expect(single((c) => c.op(OP.LOAD, 0).op(OP.NOT)).decide([undefined]).matched).toEqual([0]);
  });
});

describe("rules", () => {
  // Rule i: `slot[i] == true`.
  const rules = (effects: number[], opts: Partial<ProgramParts> = {}) => {
    const c = new Code();
    const pcs = effects.map((_, i) => { const pc = c.pc; c.op(OP.LOAD, i).op(OP.RET); return pc; });
    return engine({ code: new Uint8Array(c.bytes), rules: effects.map((effect, i) => ({ effect, essential: false, whenPc: pcs[i]! })), nSlots: effects.length, ...opts });
  };
  it("apply the fixed precedence kill > deny > ask > flag > allow, not rule order", () => {
    const e = rules([ALLOW, FLAG, ASK, DENY, KILL]);
    expect(e.decide([true, true, true, true, true])).toMatchObject({ effect: KILL, rule: 4, code: 1, matched: [0, 1, 2, 3, 4] });
    expect(e.decide([true, true, true, false, false])).toMatchObject({ effect: ASK, rule: 2 });
    expect(e.decide([true, true, false, false, false])).toMatchObject({ effect: FLAG, rule: 1 });
  });
  it("let the first rule of the winning effect decide", () => {
    expect(rules([DENY, DENY]).decide([true, true]).rule).toBe(0);
  });
  it("fall back to the default when nothing matches", () => {
    expect(rules([ALLOW]).decide([false])).toMatchObject({ effect: DENY, rule: -1, code: 0 });
    expect(rules([DENY], { defaultEffect: ALLOW }).decide([false])).toMatchObject({ effect: ALLOW, rule: -1, code: 0 });
  });
  it("never let an erring when match an allow rule, always a deny rule", () => {
    expect(rules([ALLOW], { defaultEffect: DENY }).decide(["not a bool"])).toMatchObject({ effect: DENY, code: 0, matched: [] });
    expect(rules([DENY], { defaultEffect: ALLOW }).decide(["not a bool"])).toMatchObject({ effect: DENY, code: 2 });
  });
  it("narrow with unless: true narrows, an error narrows only permissive rules", () => {
    const c = new Code();
    c.op(OP.LOAD, 0).op(OP.RET);
    const unlessPc = c.pc;
    c.op(OP.LOAD, 1).op(OP.RET);
    const mk = (effect: number) => engine({ code: new Uint8Array(c.bytes), rules: [{ effect, essential: false, whenPc: 0, unlessPc }], defaultEffect: effect === DENY ? ALLOW : DENY });
    expect(mk(DENY).decide([true, true]).effect).toBe(ALLOW);
    expect(mk(DENY).decide([true, false]).effect).toBe(DENY);
    expect(mk(DENY).decide([true, "err"])).toMatchObject({ effect: DENY, code: 2 });
    expect(mk(ALLOW).decide([true, "err"])).toMatchObject({ effect: DENY, code: 0 });
    expect(mk(ALLOW).decide([true, false])).toMatchObject({ effect: ALLOW, code: 1 });
  });
  it("accumulate over the parts of one action: the most restrictive part wins", () => {
    const e = rules([ALLOW, DENY]);
    expect(e.decideParts([[true, false], [false, true]])).toMatchObject({ effect: DENY, rule: 1, matched: [0, 1] });
    expect(e.decide([true, false])).toMatchObject({ effect: ALLOW, matched: [0] });
  });
  it("apply the default to each part on its own: an allowed part cannot cover an unmatched one", () => {
    const e = rules([ALLOW]);
    expect(e.decideParts([[true], [false]])).toMatchObject({ effect: DENY, rule: -1, code: 0, matched: [0] });
  });
  it("in shadow mode mark the decision unenforced, but keep the essential pack's blocks", () => {
    const c = new Code();
    c.op(OP.LOAD, 0).op(OP.RET);
    const pc1 = c.pc;
    c.op(OP.LOAD, 1).op(OP.RET);
    const e = engine({ code: new Uint8Array(c.bytes), rules: [{ effect: DENY, essential: true, whenPc: 0 }, { effect: KILL, essential: false, whenPc: pc1 }], shadow: true, nSlots: 2 });
    expect(e.decide([false, true])).toMatchObject({ effect: KILL, enforced: 0 });
    expect(e.decide([true, true])).toMatchObject({ effect: DENY, rule: 0, enforced: 1, matched: [0, 1] });
    expect(e.decide([false, false])).toMatchObject({ effect: DENY, rule: -1, enforced: 0 });
  });
});

describe("the rule index", () => {
  it("evaluates only the rules listed under the key's value, in policy order", () => {
    // Three rules that always match; rule 1 is keyed under tool "a", rule 2 under "b", rule 0 unindexed.
    const c = new Code();
    c.op(OP.CONST, 0).op(OP.RET);
    const rulesList = [0, 1, 2].map(() => ({ effect: FLAG, essential: false, whenPc: 0 }));
    const e = engine({ code: new Uint8Array(c.bytes), rules: rulesList, consts: [true], unindexed: [0], keys: [{ slot: 0, buckets: new Map([["a", [1]], ["b", [2]]]) }] });
    expect(e.decide(["a"]).matched).toEqual([0, 1]);
    expect(e.decide(["b"]).matched).toEqual([0, 2]);
    expect(e.decide(["c"]).matched).toEqual([0]);
    expect(e.decide([undefined]).matched).toEqual([0]);
    expect(e.decide([42]).matched).toEqual([0]);
  });
});

describe("faults", () => {
  it("traps on a corrupt opcode instead of guessing", () => {
    const e = engine({ code: new Uint8Array([0xee]), rules: [{ effect: ALLOW, essential: false, whenPc: 0 }] });
    expect(() => e.decide([])).toThrow(WebAssembly.RuntimeError);
  });
  it("is deterministic: the same program and fields give the same result", () => {
    const e = single((c) => c.op(OP.LOAD, 0).op(OP.LOAD, 1).op(OP.CONTAINS));
    const a = e.decide(["hello world", "o w"]);
    const b = e.decide(["hello world", "o w"]);
    expect(a).toEqual(b);
    expect(a.matched).toEqual([0]);
  });
});

describe("strings and lists", () => {
  const two = (op: number, a: Val, b: Val) => single((c) => c.op(OP.LOAD, 0).op(OP.LOAD, 1).op(op)).decide([a, b]).matched.length > 0;
  it("startsWith, endsWith, contains", () => {
    expect(two(OP.STARTS, "/data/x", "/data/")).toBe(true);
    expect(two(OP.STARTS, "/dat", "/data/")).toBe(false);
    expect(two(OP.ENDS, "a.corp.example", ".corp.example")).toBe(true);
    expect(two(OP.CONTAINS, "abcabd", "abd")).toBe(true);
    expect(two(OP.CONTAINS, "abcab", "abd")).toBe(false);
    expect(two(OP.CONTAINS, "x", "")).toBe(true);
  });
  it("in over a list field, with mismatched item types skipped", () => {
    expect(two(OP.IN_LIST, "pii", ["x", 1, "pii"])).toBe(true);
    expect(two(OP.IN_LIST, 1, ["1"])).toBe(false);
    expect(two(OP.IN_LIST, "x", [])).toBe(false);
  });
  it("size counts code points, not bytes", () => {
    const size = (v: Val) => {
      const e = single((c) => c.op(OP.LOAD, 0).op(OP.SIZE).op(OP.LOAD, 1).op(OP.EQ));
      return [0, 1, 2, 3, 4, 5].find((n) => e.decide([v, n]).matched.length > 0);
    };
    expect(size("héllo")).toBe(5);
    expect(size("日本")).toBe(2);
    expect(size(["a", "b", "c"])).toBe(3);
  });
});
