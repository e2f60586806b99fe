// The Wasm host: instantiates the engine, installs a compiled program, writes the fields of an action
// into the engine's slots and reads the result back. The only module that touches the engine's memory.

import { ENGINE_BASE64 } from "./wasm-binary.js";
import { EngineError } from "../errors.js";
import type { CompiledPolicy } from "../compile/compile.js";
import type { FieldPath } from "../compile/fields.js";
import { TAG, VALUE_BYTES, MAX_PARTS, LOAD_STATUS, type EngineExports } from "./abi.js";

/** The raw outcome of one decision, before the guard names rules and effects. */
export interface RawResult {
  effect: number;
  code: number;
  enforced: boolean;
  /** Deciding rule index, or -1 for the default. */
  rule: number;
  /** Matched rule indices in evaluation order, each with whether it matched through an evaluation error. */
  matched: { rule: number; error: boolean }[];
}

/** An action's fields, one part at a time: a canonical action object per part. */
export type PartFields = Record<string, unknown>;

let modulePromise: Promise<WebAssembly.Module> | undefined;

/** Compiles the embedded engine once per process (or page). */
export function engineModule(): Promise<WebAssembly.Module> {
  modulePromise ??= WebAssembly.compile(decodeBase64(ENGINE_BASE64) as BufferSource);
  return modulePromise;
}

function decodeBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Signals that an action's fields exceed the host's input limit. */
export class InputTooLarge extends Error {}

/** Initial string area; it grows by doubling up to the guard's `maxInputBytes`. */
const INITIAL_STRING_AREA = 64 * 1024;

/**
 * One engine instance with one policy installed.
 *
 * @example
 * const engine = await Engine.create(policy);
 * const raw = engine.decide([{ kind: "tool", tool: "search", session: "s1" }]);
 */
export class Engine {
  private readonly x: EngineExports;
  private readonly slotsPtr: number;
  private readonly getters: ((a: PartFields) => unknown)[];
  private u8!: Uint8Array;
  private dv!: DataView;
  private strPtr = 0;
  private strCap = 0;
  private pos = 0;
  private readonly enc = new TextEncoder();

  private constructor(instance: WebAssembly.Instance, private readonly policy: CompiledPolicy, private readonly maxInputBytes: number) {
    this.x = instance.exports as unknown as EngineExports;
    const prog = policy.program;
    const at = this.x.reserve(prog.length);
    if (at === 0) throw new EngineError("engine_load", "the engine could not reserve memory for the program");
    new Uint8Array(this.x.memory.buffer, at, prog.length).set(prog);
    const status = this.x.install(at, prog.length);
    if (status !== 0) throw new EngineError("engine_load", `the engine refused the program: ${LOAD_STATUS[status] ?? `status ${status}`}`);
    this.slotsPtr = this.x.slotsPtr();
    this.getters = policy.slots.map(getter);
    this.growStrings(INITIAL_STRING_AREA);
  }

  /** Instantiates the engine and installs `policy`. */
  static async create(policy: CompiledPolicy, maxInputBytes = 4 * 1024 * 1024): Promise<Engine> {
    const instance = await WebAssembly.instantiate(await engineModule(), {});
    return new Engine(instance, policy, maxInputBytes);
  }

  /**
   * Decides an action given as one or more parts (the segments of a shell line, the statements of a SQL
   * batch): the engine accumulates, so the most restrictive part decides. Throws on an engine trap or an
   * oversized input; the guard turns both into a deny.
   */
  decide(parts: readonly PartFields[]): RawResult {
    if (parts.length === 0 || parts.length > MAX_PARTS) throw new RangeError(`an action has 1 to ${MAX_PARTS} parts`);
    let packed = 0;
    for (let p = 0; p < parts.length; p++) {
      this.writeSlots(parts[p]!);
      packed = this.x.evaluate(p === 0 ? 0 : 1);
    }
    const n = this.x.matchedCount();
    const base = this.x.matchedPtr();
    const view = new DataView(this.x.memory.buffer);
    const matched: RawResult["matched"] = [];
    for (let i = 0; i < n; i++) {
      const v = view.getUint32(base + i * 4, true);
      matched.push({ rule: v & 0x7fffffff, error: (v & 0x80000000) !== 0 });
    }
    return { effect: packed & 0xf, code: (packed >> 4) & 0xf, enforced: ((packed >> 8) & 1) === 1, rule: (packed >>> 16) - 1, matched };
  }

  private growStrings(cap: number): void {
    const at = this.x.reserve(cap);
    if (at === 0) throw new InputTooLarge("the engine is out of memory for action fields");
    this.strPtr = at;
    this.strCap = cap;
    this.refreshViews();
  }

  private refreshViews(): void {
    this.u8 = new Uint8Array(this.x.memory.buffer);
    this.dv = new DataView(this.x.memory.buffer);
  }

  private writeSlots(action: PartFields): void {
    if (this.u8.buffer !== this.x.memory.buffer) this.refreshViews();
    // Fields that overflow the string area are written again into one twice the size; doubling reaches
    // the input limit in a bounded number of rounds.
    for (;;) {
      try {
        this.pos = 0;
        for (let s = 0; s < this.getters.length; s++) this.writeValue(this.slotsPtr + s * VALUE_BYTES, this.getters[s]!(action), true);
        return;
      } catch (e) {
        if (!(e instanceof NeedRoom)) throw e;
        if (e.bytes > this.maxInputBytes) throw new InputTooLarge(`the action's fields need more than ${this.maxInputBytes} bytes`);
        this.growStrings(Math.max(e.bytes * 2, this.strCap * 2));
      }
    }
  }

  private writeValue(at: number, v: unknown, topLevel: boolean): void {
    const dv = this.dv;
    switch (typeof v) {
      case "undefined": dv.setInt32(at, TAG.absent, true); return;
      case "boolean": dv.setInt32(at, TAG.bool, true); dv.setFloat64(at + 8, v ? 1 : 0, true); return;
      case "number": dv.setInt32(at, TAG.number, true); dv.setFloat64(at + 8, v, true); return;
      case "string": {
        const ptr = this.writeString(v);
        dv.setInt32(at, TAG.string, true);
        dv.setUint32(at + 8, ptr, true);
        dv.setUint32(at + 12, this.lastLen, true);
        return;
      }
      case "object": {
        if (v === null) { dv.setInt32(at, TAG.null, true); return; }
        // Lists (and maps, as their keys) are written one level deep; what is nested inside them is
        // `other`, which compares with nothing and so can only make a restrictive rule match.
        if (!topLevel) { dv.setInt32(at, TAG.other, true); return; }
        const isList = Array.isArray(v);
        if (!isList && !isPlainObject(v)) { dv.setInt32(at, TAG.other, true); return; }
        const items: readonly unknown[] = isList ? v : Object.keys(v);
        const base = this.take(items.length * VALUE_BYTES, 8);
        for (let i = 0; i < items.length; i++) this.writeValue(base + i * VALUE_BYTES, items[i], false);
        dv.setInt32(at, isList ? TAG.list : TAG.map, true);
        dv.setUint32(at + 8, base, true);
        dv.setUint32(at + 12, items.length, true);
        return;
      }
      default:
        // bigint, symbol, function: values an agent's JSON never holds; comparisons with them err.
        dv.setInt32(at, TAG.other, true);
    }
  }

  private lastLen = 0;

  private writeString(s: string): number {
    const n = s.length;
    // ASCII fast path: most field values (tool names, hosts, paths) are short ASCII strings, and a
    // char-code loop beats TextEncoder's call overhead for them.
    if (n <= 64) {
      const start = this.take(n, 1);
      const u8 = this.u8;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        u8[start + i] = c;
      }
      if (i === n) { this.lastLen = n; return start; }
      this.pos = start - this.strPtr;
    }
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const start = this.take(n * 3, 1);
    const { written } = this.enc.encodeInto(s, this.u8.subarray(start, start + n * 3));
    this.pos = start - this.strPtr + written;
    this.lastLen = written;
    return start;
  }

  /** Reserves `n` bytes of the string area, aligned; throws NeedRoom when the area is too small. */
  private take(n: number, align: number): number {
    const p = (this.pos + align - 1) & ~(align - 1);
    if (p + n > this.strCap) throw new NeedRoom(p + n);
    this.pos = p + n;
    return this.strPtr + p;
  }

}

class NeedRoom extends Error {
  constructor(readonly bytes: number) {
    super("need room");
  }
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

const own = Object.prototype.hasOwnProperty;

/** A getter for one field path that reads only own properties, so `args.constructor` is absent. */
function getter(path: FieldPath): (a: PartFields) => unknown {
  if (path.length === 1) {
    const k = path[0] as string;
    return (a) => (own.call(a, k) ? a[k] : undefined);
  }
  return (a) => {
    let cur: unknown = a;
    for (const seg of path) {
      if (cur === null || typeof cur !== "object") return undefined;
      if (Array.isArray(cur)) {
        if (typeof seg !== "number" || seg < 0 || seg >= cur.length) return undefined;
        cur = cur[seg];
      } else {
        if (!own.call(cur, seg)) return undefined;
        cur = (cur as Record<string | number, unknown>)[seg];
      }
    }
    return cur;
  };
}
