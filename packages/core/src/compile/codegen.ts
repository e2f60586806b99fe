// IR → bytecode (core-wasm/FORMAT.md, "Bytecode"). Tracks the value-stack depth so the engine can size
// its stack once, at load.

import type { Ir, ConstValue } from "./expr.js";

export const OP = {
  CONST: 1, LOAD: 2, HAS: 3, NOT: 4, AND_L: 5, AND_R: 6, OR_L: 7, OR_R: 8,
  EQ: 9, NE: 10, LT: 11, LE: 12, GT: 13, GE: 14, IN_DFA: 15, IN_LIST: 16, SIZE: 17,
  STARTS: 18, ENDS: 19, CONTAINS: 20, MATCH: 21, TERN: 22, JMP: 23, RET: 24,
} as const;

const CMP = { "==": OP.EQ, "!=": OP.NE, "<": OP.LT, "<=": OP.LE, ">": OP.GT, ">=": OP.GE } as const;
const STR = { startsWith: OP.STARTS, endsWith: OP.ENDS, contains: OP.CONTAINS } as const;
// Operands are u16 (FORMAT.md); a policy with more constants, slots or automata is refused at load.
export const MAX_U16 = 0xffff;

/** Appends bytecode to one growing buffer shared by all conditions of a policy. */
export class CodeWriter {
  private buf = new Uint8Array(1024);
  private view = new DataView(this.buf.buffer);
  length = 0;
  maxDepth = 0;
  private depth = 0;

  constructor(private constant: (v: ConstValue) => number) {}

  /** Emits one condition ending in RET; returns its start offset. */
  emitCondition(ir: Ir): number {
    const start = this.length;
    this.depth = 0;
    this.expr(ir);
    this.op(OP.RET);
    return start;
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  private expr(n: Ir): void {
    switch (n.k) {
      case "const": this.op(OP.CONST); this.u16(this.constant(n.value)); this.push(); break;
      case "load": this.op(OP.LOAD); this.u16(n.slot); this.push(); break;
      case "has": this.op(OP.HAS); this.u16(n.slot); this.push(); break;
      case "not": this.expr(n.x); this.op(OP.NOT); break;
      case "and": case "or": {
        this.expr(n.a);
        this.op(n.k === "and" ? OP.AND_L : OP.OR_L);
        const patch = this.reserveU32();
        this.expr(n.b);
        this.op(n.k === "and" ? OP.AND_R : OP.OR_R);
        this.pop();
        this.patchU32(patch, this.length);
        break;
      }
      case "cmp": this.expr(n.a); this.expr(n.b); this.op(CMP[n.op]); this.pop(); break;
      case "str": this.expr(n.a); this.expr(n.b); this.op(STR[n.op]); this.pop(); break;
      case "inDfa": this.expr(n.x); this.op(OP.IN_DFA); this.u16(n.dfa); break;
      case "match": this.expr(n.x); this.op(OP.MATCH); this.u16(n.dfa); break;
      case "inList": this.expr(n.x); this.expr(n.list); this.op(OP.IN_LIST); this.pop(); break;
      case "size": this.expr(n.x); this.op(OP.SIZE); break;
      case "tern": {
        this.expr(n.c);
        this.op(OP.TERN);
        const elsePatch = this.reserveU32();
        const endPatch = this.reserveU32();
        this.pop();
        this.expr(n.a);
        this.op(OP.JMP);
        const skipElse = this.reserveU32();
        this.pop();
        this.patchU32(elsePatch, this.length);
        this.expr(n.b);
        this.patchU32(skipElse, this.length);
        this.patchU32(endPatch, this.length);
        break;
      }
    }
  }

  private push(): void {
    this.depth++;
    if (this.depth > this.maxDepth) this.maxDepth = this.depth;
  }
  private pop(): void {
    this.depth--;
  }
  private op(code: number): void {
    this.ensure(1);
    this.buf[this.length++] = code;
  }
  private u16(v: number): void {
    this.ensure(2);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
  }
  private reserveU32(): number {
    this.ensure(4);
    const at = this.length;
    this.length += 4;
    return at;
  }
  private patchU32(at: number, v: number): void {
    this.view.setUint32(at, v, true);
  }
  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf);
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
}
