// The Wasm host: instantiates the engine, installs a compiled program, writes the fields of an action
// into the engine's slots and reads the result back. The only module that touches the engine's memory.

import { ENGINE_BASE64 } from "./wasm-binary.js";
import { EngineError } from "../errors.js";
import type { CompiledPolicy } from "../compile/compile.js";
import type { FieldPath } from "../compile/fields.js";
import { TAG, VALUE_BYTES, MAX_PARTS, LOAD_STATUS, type EngineExports } from "./abi.js";
import { scanString, type TextScan } from "./scan.js";

/** The raw outcome of one decision, before the guard names rules and effects. */
export interface RawResult {
  effect: number;
  code: number;
  enforced: boolean;
  /** Index of the deciding entry in the table its code names (rules, sequences, …), or -1. */
  index: number;
  /** An approval grant turned that entry's `ask` into this `allow`. */
  granted: boolean;
  /**
   * Every rule, sequence, limit, sink and control sink that matched, as `kind × 2^24 + index` (kinds in
   * FORMAT.md, "Results"): numbers, so that sorting them puts them in policy order, and no object is
   * made per entry.
   */
  matched: number[];
}

/** What the engine needs besides the fields: time, state slots, and the host's taint and origin facts. */
export interface DecideInputs {
  now: number;
  session: number;
  agent: number;
  /** Labels carried by the action's own data (value taint and declared `labels`). */
  valueLabels: bigint;
  /** Origin the action is lifted to by a trusted instruction naming it, or -1. */
  lift: number;
  /** Origin the adapter or trace set on the action, or -1. */
  explicit: number;
  /** Hash of the canonical action, for `repeat` limits. */
  repeatKey: number;
  /** 64 bits of the SHA-256 of the canonical action, as two u32 (0, 0 when the session holds no grant). */
  grantKeyLo?: number;
  grantKeyHi?: number;
}

/** A plan program installed in an engine, with the getters for its own field slots. */
export interface InstalledPlan {
  id: number;
  getters: ((a: PartFields) => unknown)[];
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

/**
 * Signals that the engine could not grow its memory for an action's fields. The engine is unchanged (an
 * allocation traps before it changes anything: the runtime grows memory before it moves its heap top),
 * so the guard denies the action and goes on with the same instance.
 */
export class EngineOutOfMemory extends Error {}

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
  private readonly inputAt: number;
  private readonly outputAt: number;

  private constructor(instance: WebAssembly.Instance, policy: CompiledPolicy, private readonly maxInputBytes: number) {
    this.x = instance.exports as unknown as EngineExports;
    const prog = policy.program;
    const at = this.x.reserve(prog.length);
    if (at === 0) throw new EngineError("engine_load", "the engine could not reserve memory for the program");
    new Uint8Array(this.x.memory.buffer, at, prog.length).set(prog);
    const status = this.x.install(at, prog.length);
    if (status !== 0) throw new EngineError("engine_load", `the engine refused the program: ${LOAD_STATUS[status] ?? `status ${status}`}`);
    this.slotsPtr = this.x.slotsPtr();
    this.inputAt = this.x.inputPtr();
    this.outputAt = this.x.outputPtr();
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
   * batch): each part is evaluated, then the engine decides against the session's state and commits it
   * when the action runs. Throws on an engine trap or an oversized input; the guard denies on both.
   */
  decide(parts: readonly PartFields[], inputs: DecideInputs, plan?: InstalledPlan): RawResult {
    if (parts.length === 0 || parts.length > MAX_PARTS) throw new RangeError(`an action has 1 to ${MAX_PARTS} parts`);
    const x = this.x;
    // Inputs first: the engine reads the session's state while it evaluates the parts.
    if (this.u8.byteLength === 0) this.refreshViews();
    const dv = this.dv;
    const at = this.inputAt;
    dv.setFloat64(at, inputs.now, true);
    // Most actions carry no labels: skip the BigInt arithmetic for them.
    const labels = inputs.valueLabels;
    dv.setUint32(at + 8, labels === 0n ? 0 : Number(labels & 0xffffffffn), true);
    dv.setUint32(at + 12, labels === 0n ? 0 : Number((labels >> 32n) & 0xffffffffn), true);
    dv.setInt32(at + 16, inputs.lift, true);
    dv.setInt32(at + 20, inputs.explicit, true);
    dv.setFloat64(at + 24, inputs.repeatKey, true);
    dv.setInt32(at + 32, inputs.session, true);
    dv.setInt32(at + 36, inputs.agent, true);
    dv.setUint32(at + 40, inputs.grantKeyLo ?? 0, true);
    dv.setUint32(at + 44, inputs.grantKeyHi ?? 0, true);
    for (let p = 0; p < parts.length; p++) {
      this.writeSlots(parts[p]!, this.getters, this.slotsPtr);
      x.part(p === 0 ? 1 : 0);
      if (plan) {
        // The plan's conditions read their own slots; the policy's were consumed by `part` already.
        this.writeSlots(parts[p]!, plan.getters, x.planSlots(plan.id));
        x.sessionPlanPart(inputs.session);
      }
    }
    const packed = x.finish();
    // Writing the slots may have grown memory, which detaches the old views.
    if (this.u8.byteLength === 0) this.refreshViews();
    const view = this.dv;
    const n = x.matchedCount();
    const base = x.matchedPtr();
    const matched: number[] = [];
    // The top bit (matched by error) is dropped: the decision's code already says so for the decider.
    for (let i = 0; i < n; i++) matched.push(view.getUint32(base + i * 4, true) & 0x7fffffff);
    return { effect: packed & 0xf, code: (packed >> 4) & 0xf, enforced: ((packed >> 8) & 1) === 1, granted: ((packed >> 9) & 1) === 1, index: (packed >>> 16) - 1, matched };
  }

  /** Installs a compiled plan program; returns its engine id. */
  installPlan(program: Uint8Array, slots: readonly FieldPath[]): InstalledPlan {
    const at = this.x.reserve(program.length);
    new Uint8Array(this.x.memory.buffer, at, program.length).set(program);
    const id = this.x.installPlan(at, program.length);
    this.refreshViews();
    if (id < 0) throw new EngineError("engine_load", "the engine refused the plan program");
    return { id, getters: slots.map(getter) };
  }

  /** Puts session `slot` at the start of plan `id`. */
  setSessionPlan(slot: number, id: number): void {
    this.x.setSessionPlan(slot, id);
  }

  /** Grants session `slot` an approval for the action with grant key (lo, hi) while `now <= until`. */
  grant(slot: number, lo: number, hi: number, until: number, once: boolean): void {
    this.x.grant(slot, lo >>> 0, hi >>> 0, until, once ? 1 : 0);
  }

  /** Withdraws every approval grant of session `slot`. */
  revokeGrants(slot: number): void {
    this.x.revokeGrants(slot);
  }

  /** Labels the last decided action's output carries (its flow sources), if it ran; else 0. */
  outputLabels(): bigint {
    if (this.u8.byteLength === 0) this.refreshViews();
    const dv = this.dv;
    const at = this.outputAt;
    if (dv.getUint32(at + 8, true) === 0) return 0n;
    const lo = dv.getUint32(at, true);
    const hi = dv.getUint32(at + 4, true);
    return lo === 0 && hi === 0 ? 0n : BigInt(lo) | (BigInt(hi) << 32n);
  }

  /** The output rules (bit `i`: `policy.outputs[i]`) that apply to the last decided action's output, if it ran. */
  outputRules(): number | undefined {
    if (this.u8.byteLength === 0) this.refreshViews();
    return this.dv.getUint32(this.outputAt + 8, true) === 0 ? undefined : this.dv.getUint32(this.outputAt + 12, true);
  }

  /**
   * Finds what the output rules in `mask` redact from `text` (see engine/scan.ts); undefined when its
   * UTF-8 form exceeds `maxBytes`. Throws on a fault.
   */
  scanText(text: string, mask: number, maxBytes = Infinity): TextScan | undefined {
    return scanString(this.x, text, mask, maxBytes);
  }

  /** Makes room for session slots `0..n-1` (new ones fresh) and agent slots `0..agents-1`. */
  ensure(sessions: number, agents: number): void {
    this.x.ensureSessions(sessions);
    this.x.ensureAgents(agents);
    this.refreshViews();
  }

  /** The session's taint, as the engine holds it. */
  sessionLabels(slot: number): bigint {
    const dv = new DataView(this.x.memory.buffer);
    const rec = this.x.sessionRecord(slot);
    return BigInt(dv.getUint32(rec + 8, true)) | (BigInt(dv.getUint32(rec + 12, true)) << 32n);
  }

  resetSession(slot: number): void {
    this.x.resetSessionAt(slot);
  }

  /** A copy of the session's state record. */
  exportRecord(slot: number): Uint8Array {
    return new Uint8Array(this.x.memory.buffer, this.x.sessionRecord(slot), this.x.sessionBytes()).slice();
  }

  /** Overwrites the session's state record; the caller checks that it came from the same policy. */
  importRecord(slot: number, bytes: Uint8Array): void {
    new Uint8Array(this.x.memory.buffer, this.x.sessionRecord(slot), bytes.length).set(bytes);
  }

  /** A copy of agent slot `slot`'s record (agent-scope limits); empty when the policy has none. */
  exportAgentRecord(slot: number): Uint8Array {
    const n = this.x.agentBytes();
    return n === 0 ? new Uint8Array(0) : new Uint8Array(this.x.memory.buffer, this.x.agentRecordPtr(slot), n).slice();
  }

  /** Overwrites agent slot `slot`'s record; the caller checks that it fits this policy. */
  importAgentRecord(slot: number, bytes: Uint8Array): void {
    if (bytes.length > 0) new Uint8Array(this.x.memory.buffer, this.x.agentRecordPtr(slot), bytes.length).set(bytes);
  }

  /** A copy of the global record (global-scope limits). */
  exportGlobalRecord(): Uint8Array {
    return new Uint8Array(this.x.memory.buffer, this.x.globalPtr(), this.x.globalBytes()).slice();
  }

  /** Overwrites the global record; the caller checks that it fits this policy. */
  importGlobalRecord(bytes: Uint8Array): void {
    if (bytes.length > 0) new Uint8Array(this.x.memory.buffer, this.x.globalPtr(), bytes.length).set(bytes);
  }

  observe(slot: number, origin: number): void {
    this.x.observe(slot, origin);
  }

  instruct(slot: number, origin: number): void {
    this.x.instruct(slot, origin);
  }

  /**
   * Copies every session, agent and global record of `from` (an instance that trapped; its records are
   * intact because state is only written after a decision completes) into this one.
   */
  transplant(from: Engine, sessions: number, agents: number): void {
    this.ensure(sessions, agents);
    const copy = (src: number, dst: number, n: number) => {
      if (n > 0) new Uint8Array(this.x.memory.buffer, dst, n).set(new Uint8Array(from.x.memory.buffer, src, n));
    };
    if (sessions > 0) copy(from.x.sessionRecord(0), this.x.sessionRecord(0), sessions * this.x.sessionBytes());
    if (agents > 0 && this.x.agentBytes() > 0) copy(from.x.agentRecordPtr(0), this.x.agentRecordPtr(0), agents * this.x.agentBytes());
    copy(from.x.globalPtr(), this.x.globalPtr(), this.x.globalBytes());
  }

  private growStrings(cap: number): void {
    let at: number;
    try {
      at = this.x.reserve(cap);
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) throw new EngineOutOfMemory(`the engine is out of memory: it could not make ${cap} bytes of room for the action's fields`);
      throw e;
    }
    if (at === 0) throw new EngineOutOfMemory(`the engine is out of memory: it could not make ${cap} bytes of room for the action's fields`);
    this.strPtr = at;
    this.strCap = cap;
    this.refreshViews();
  }

  // Growing Wasm memory detaches the old buffer, and a detached buffer's views have length 0: testing that
  // length is how the hot path notices growth without calling the `memory.buffer` getter.
  private refreshViews(): void {
    this.u8 = new Uint8Array(this.x.memory.buffer);
    this.dv = new DataView(this.x.memory.buffer);
  }

  private writeSlots(action: PartFields, getters: readonly ((a: PartFields) => unknown)[], slotsPtr: number): void {
    if (this.u8.byteLength === 0) this.refreshViews();
    // Fields that overflow the string area are written again into a larger one. What is accepted depends
    // on the part alone: the bytes it takes (`pos` after writing, exact), never on how large an earlier
    // part made the area, so the same action gets the same decision whatever came before it.
    for (;;) {
      try {
        this.pos = 0;
        for (let s = 0; s < getters.length; s++) this.writeValue(slotsPtr + s * VALUE_BYTES, getters[s]!(action), true);
      } catch (e) {
        if (!(e instanceof NeedRoom)) throw e;
        // `bytes` is a lower bound of what the part takes, and an area as large as the limit holds every
        // part within it: past either, the part is too large.
        if (e.bytes > this.maxInputBytes || this.strCap >= this.maxInputBytes) throw this.tooLarge();
        this.growStrings(Math.min(Math.max(e.bytes * 2, this.strCap * 2), this.maxInputBytes));
        continue;
      }
      if (this.pos > this.maxInputBytes) throw this.tooLarge();
      return;
    }
  }

  private tooLarge(): InputTooLarge {
    return new InputTooLarge(`the action's fields take more than ${this.maxInputBytes} bytes in the engine`);
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
    // UTF-8 takes at most 3 bytes per UTF-16 unit; the string is encoded into what is left of the area
    // when that is less, and one that does not fit asks for more room with a lower bound of its size (the
    // bytes written plus at least one per unit left), never with the 3× reservation.
    const start = this.alignedPos(1);
    const room = Math.min(n * 3, this.strCap - (start - this.strPtr));
    const { read, written } = this.enc.encodeInto(s, this.u8.subarray(start, start + room));
    if (read < n) throw new NeedRoom(start - this.strPtr + written + (n - read));
    this.pos = start - this.strPtr + written;
    this.lastLen = written;
    return start;
  }

  /** The address of the next free byte of the string area, aligned. */
  private alignedPos(align: number): number {
    return this.strPtr + ((this.pos + align - 1) & ~(align - 1));
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

/**
 * A getter for one field path that reads only own properties, so `args.constructor` is absent. The first
 * segment names a field of the canonical action, an own property of every canonical object, and is read
 * by a function of its own with the name written out: one shape and one name per load site keeps the
 * loads monomorphic (a shared `a[head]` site sees every field name and goes megamorphic).
 */
function getter(path: FieldPath): (a: PartFields) => unknown {
  const head = path[0];
  // The compiler refuses other heads; a program that names one anyway reads nothing.
  const read = typeof head === "string" && Object.prototype.hasOwnProperty.call(FIELD_READERS, head) ? FIELD_READERS[head]! : undefined;
  if (!read) return () => undefined;
  if (path.length === 1) return read;
  if (path.length === 2) {
    const seg = path[1]!;
    return (a) => step(read(a), seg);
  }
  return (a) => {
    let cur: unknown = read(a);
    for (let i = 1; i < path.length && cur !== undefined; i++) cur = step(cur, path[i]!);
    return cur;
  };
}

/** One reader per field of the canonical action (ACTION_FIELDS; host.test.ts checks the two agree). */
export const FIELD_READERS: Readonly<Record<string, (a: PartFields) => unknown>> = {
  kind: (a) => a.kind, session: (a) => a.session, agent: (a) => a.agent, tool: (a) => a.tool, args: (a) => a.args,
  target: (a) => a.target, method: (a) => a.method, url: (a) => a.url, host: (a) => a.host, port: (a) => a.port,
  path: (a) => a.path, query: (a) => a.query, command: (a) => a.command, line: (a) => a.line, program: (a) => a.program,
  argv: (a) => a.argv, file: (a) => a.file, statement: (a) => a.statement, verb: (a) => a.verb, tables: (a) => a.tables,
  origin: (a) => a.origin, labels: (a) => a.labels, usage: (a) => a.usage,
};

/** One segment down from `cur`: an own property of an object, or an index of a list; else undefined. */
function step(cur: unknown, seg: string | number): unknown {
  if (cur === null || typeof cur !== "object") return undefined;
  if (Array.isArray(cur)) {
    if (typeof seg !== "number" || seg < 0 || seg >= cur.length) return undefined;
    return cur[seg];
  }
  return own.call(cur, seg) ? (cur as Record<string | number, unknown>)[seg] : undefined;
}
