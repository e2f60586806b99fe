// Lays out the compiled program as bytes (core-wasm/FORMAT.md): header, rules, constants, automata,
// bytecode, rule index, trajectory and outputs sections, then the data they point into.

import type { Dfa, ScanDfa } from "../automata/index.js";
import type { ConstValue } from "./expr.js";
import { fnv1a } from "./index-rules.js";
import { SESSION_HEAD_BYTES, type TrajectoryParts } from "./trajectory.js";
import type { OutputParts } from "./outputs.js";

export const MAGIC = 0x31505754;
export const FORMAT_VERSION = 3;
/** 20 words: version 3 added the outputs section's offset (word 16) and keeps 17–19 reserved. */
const HEADER = 80;
/** An output rule's `whenPc` when it has no `when`: it applies to every action. */
export const ALWAYS = 0xffffffff;
const VALUE = 16;
const TAG = { null: 1, bool: 2, number: 3, string: 4, list: 5 } as const;
const EMPTY_BUCKET = 0xffffffff;

/** Everything the assembler lays out. */
export interface ProgramParts {
  nSlots: number;
  rules: { effect: number; essential: boolean; whenPc: number; unlessPc?: number }[];
  consts: ConstValue[];
  /** Search tables for conditions, scan tables for output rules; one layout (FORMAT.md, "Automata"). */
  dfas: (Dfa | ScanDfa)[];
  code: Uint8Array;
  maxStack: number;
  defaultEffect: number;
  shadow: boolean;
  /** `plans.required`: a session without a plan is refused. */
  plansRequired?: boolean;
  unindexed: number[];
  keys: { slot: number; buckets: Map<string, number[]> }[];
  /** Sequences, limits, flows, origins; absent: none, and only the session head in each record. */
  trajectory?: TrajectoryParts;
  /** Output rules and their patterns; absent: none. */
  outputs?: OutputParts;
}

const NO_TRAJECTORY: TrajectoryParts = {
  recordBytes: SESSION_HEAD_BYTES, agentRecordBytes: 0, globalRecordBytes: 0, originTop: 0,
  sequences: [], limits: [], sources: [], sinks: [], control: [], originSources: [],
};

class Writer {
  buf = new Uint8Array(4096);
  view = new DataView(this.buf.buffer);
  length = 0;
  private enc = new TextEncoder();

  ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf);
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  align(n: number): void {
    const pad = (n - (this.length % n)) % n;
    this.ensure(pad);
    this.length += pad;
  }
  reserve(n: number): number {
    this.align(8);
    this.ensure(n);
    const at = this.length;
    this.length += n;
    return at;
  }
  bytes(b: Uint8Array): number {
    const at = this.reserve(b.length);
    this.buf.set(b, at);
    return at;
  }
  string(s: string): { at: number; len: number } {
    const b = this.enc.encode(s);
    return { at: this.bytes(b), len: b.length };
  }
  u32(at: number, v: number): void { this.view.setUint32(at, v >>> 0, true); }
}

/**
 * Assembles the program bytes.
 *
 * @example
 * const bytes = assemble(parts); // then engine.install(bytes)
 */
export function assemble(p: ProgramParts): Uint8Array {
  const w = new Writer();
  w.reserve(HEADER);
  const rulesOff = w.reserve(p.rules.length * 16);
  p.rules.forEach((r, i) => {
    const at = rulesOff + i * 16;
    w.buf[at] = r.effect;
    w.buf[at + 1] = (r.essential ? 1 : 0) | (r.unlessPc !== undefined ? 2 : 0);
    w.u32(at + 4, r.whenPc);
    w.u32(at + 8, r.unlessPc ?? 0);
  });
  const constsOff = w.reserve(p.consts.length * VALUE);
  p.consts.forEach((c, i) => writeValue(w, constsOff + i * VALUE, c));
  const dfasOff = w.reserve(p.dfas.length * 24);
  p.dfas.forEach((d, i) => {
    const at = dfasOff + i * 24;
    const classes = w.bytes(d.classes);
    const trans = w.bytes(new Uint8Array(d.transitions.buffer, d.transitions.byteOffset, d.transitions.byteLength));
    const scan = "starts" in d;
    const accept = w.bytes(scan ? d.accept : d.acceptAtEnd);
    w.u32(at, d.stateCount);
    w.u32(at + 4, d.classCount);
    w.u32(at + 8, classes);
    w.u32(at + 12, trans);
    w.u32(at + 16, accept);
    w.u32(at + 20, scan ? d.starts[0] : d.start);
  });
  const codeOff = w.bytes(p.code);
  const indexOff = writeIndex(w, p);
  const trajOff = writeTrajectory(w, p.trajectory ?? NO_TRAJECTORY);
  const outputsOff = writeOutputs(w, p.outputs ?? { rules: [], patterns: [] });

  w.align(8);
  const total = w.length;
  const h = [MAGIC, FORMAT_VERSION, p.nSlots, p.rules.length, p.consts.length, p.dfas.length, p.defaultEffect, (p.shadow ? 1 : 0) | (p.plansRequired ? 2 : 0),
    rulesOff, constsOff, dfasOff, codeOff, indexOff, p.maxStack, total, trajOff, outputsOff, 0, 0, 0];
  h.forEach((v, i) => w.u32(i * 4, v));
  return w.buf.slice(0, total);
}

function writeValue(w: Writer, at: number, v: ConstValue): void {
  if (v === null) return w.u32(at, TAG.null);
  if (typeof v === "boolean" || typeof v === "number") {
    w.u32(at, typeof v === "boolean" ? TAG.bool : TAG.number);
    w.view.setFloat64(at + 8, Number(v), true);
    return;
  }
  if (typeof v === "string") {
    const s = w.string(v);
    w.u32(at, TAG.string);
    w.u32(at + 8, s.at);
    w.u32(at + 12, s.len);
    return;
  }
  const items = w.reserve(v.length * VALUE);
  v.forEach((item, i) => writeValue(w, items + i * VALUE, item));
  w.u32(at, TAG.list);
  w.u32(at + 8, items);
  w.u32(at + 12, v.length);
}

function writeIndex(w: Writer, p: ProgramParts): number {
  const ruleList = (ids: number[]) => {
    const b = new Uint8Array(ids.length * 2);
    const v = new DataView(b.buffer);
    ids.forEach((id, i) => v.setUint16(i * 2, id, true));
    return w.bytes(b);
  };
  const at = w.reserve(12 + p.keys.length * 16);
  w.u32(at, p.unindexed.length);
  w.u32(at + 4, ruleList(p.unindexed));
  w.u32(at + 8, p.keys.length);
  const enc = new TextEncoder();
  p.keys.forEach((key, k) => {
    // At most half full, so that probing stays short and always reaches an empty bucket.
    let n = 4;
    while (n < key.buckets.size * 2) n *= 2;
    const buckets = w.reserve(n * 16);
    for (let b = 0; b < n; b++) w.u32(buckets + b * 16 + 4, EMPTY_BUCKET);
    for (const [value, ids] of key.buckets) {
      const bytes = enc.encode(value);
      let b = fnv1a(bytes) & (n - 1);
      while (w.view.getUint32(buckets + b * 16 + 4, true) !== EMPTY_BUCKET) b = (b + 1) & (n - 1);
      const keyAt = w.bytes(bytes);
      const listAt = ruleList(ids);
      const e = buckets + b * 16;
      w.u32(e, keyAt);
      w.u32(e + 4, bytes.length);
      w.u32(e + 8, listAt);
      w.u32(e + 12, ids.length);
    }
    const ka = at + 12 + k * 16;
    w.u32(ka, key.slot);
    w.u32(ka + 4, buckets);
    w.u32(ka + 8, n);
  });
  return at;
}

function writeTrajectory(w: Writer, t: TrajectoryParts): number {
  const base = w.reserve(64);
  const rel = (at: number) => at - base;
  const lo = (m: bigint) => Number(m & 0xffffffffn);
  const hi = (m: bigint) => Number((m >> 32n) & 0xffffffffn);
  const table = (n: number, size: number, fill: (at: number, i: number) => void) => {
    const at = w.reserve(n * size);
    for (let i = 0; i < n; i++) fill(at + i * size, i);
    return rel(at);
  };
  const seqOff = table(t.sequences.length, 24, (at, i) => {
    const q = t.sequences[i]!;
    const steps = w.reserve(q.stepPcs.length * 4);
    q.stepPcs.forEach((pc, j) => w.u32(steps + j * 4, pc));
    w.buf[at] = q.effect;
    w.view.setUint16(at + 2, q.stepPcs.length, true);
    w.u32(at + 4, q.within);
    w.view.setFloat64(at + 8, q.withinMs, true);
    w.u32(at + 16, rel(steps));
    w.u32(at + 20, q.stateOff);
  });
  const limitsOff = table(t.limits.length, 32, (at, i) => {
    const l = t.limits[i]!;
    w.buf[at] = l.kind;
    w.buf[at + 1] = l.scope;
    w.buf[at + 2] = l.effect;
    w.buf[at + 3] = l.whenPc !== undefined ? 1 : 0;
    w.u32(at + 4, l.whenPc ?? 0);
    w.view.setFloat64(at + 8, l.max, true);
    w.view.setFloat64(at + 16, l.perMs, true);
    w.view.setUint16(at + 24, l.sumSlot, true);
    w.u32(at + 28, l.stateOff);
  });
  const sourcesOff = table(t.sources.length, 16, (at, i) => {
    const s = t.sources[i]!;
    w.u32(at, s.whenPc); w.u32(at + 4, lo(s.mask)); w.u32(at + 8, hi(s.mask));
  });
  const sinksOff = table(t.sinks.length, 16, (at, i) => {
    const s = t.sinks[i]!;
    w.u32(at, s.whenPc); w.u32(at + 4, lo(s.mask)); w.u32(at + 8, hi(s.mask));
    w.buf[at + 12] = s.scope;
    w.buf[at + 13] = s.effect;
  });
  const controlOff = table(t.control.length, 16, (at, i) => {
    const c = t.control[i]!;
    w.u32(at, c.whenPc); w.view.setInt32(at + 4, c.minOrigin, true);
    w.buf[at + 8] = c.effect;
  });
  const originOff = table(t.originSources.length, 8, (at, i) => {
    const o = t.originSources[i]!;
    w.u32(at, o.whenPc); w.view.setInt32(at + 4, o.origin, true);
  });
  const head = [t.recordBytes, t.agentRecordBytes, t.globalRecordBytes, t.originTop, t.sequences.length, seqOff, t.limits.length, limitsOff,
    t.sources.length, sourcesOff, t.sinks.length, sinksOff, t.control.length, controlOff, t.originSources.length, originOff];
  head.forEach((v, i) => w.u32(base + i * 4, v));
  return base;
}

function writeOutputs(w: Writer, o: OutputParts): number {
  const base = w.reserve(16);
  const rules = w.reserve(o.rules.length * 8);
  o.rules.forEach((r, i) => w.u32(rules + i * 8, r.whenPc ?? ALWAYS));
  const patterns = w.reserve(o.patterns.length * 16);
  o.patterns.forEach((p, i) => {
    const at = patterns + i * 16;
    w.u32(at, p.rules);
    w.view.setUint16(at + 4, p.forward, true);
    w.view.setUint16(at + 6, p.reverse, true);
    p.starts.forEach((s, k) => w.view.setUint16(at + 8 + k * 2, s, true));
  });
  [o.rules.length, rules - base, o.patterns.length, patterns - base].forEach((v, i) => w.u32(base + i * 4, v));
  return base;
}
