/**
 * Lowers `@bufbuild/re2`'s rune-level program to a byte-level NFA: every rune instruction
 * becomes a small automaton over the UTF-8 encodings of its rune set, everything else is kept
 * as epsilon moves (SPLIT), assertions (ASSERT), MATCH and FAIL.
 */
import {
  EMPTY_END_TEXT,
  EMPTY_NO_WORD_BOUNDARY,
  OP_ALT,
  OP_ALT_MATCH,
  OP_CAPTURE,
  OP_EMPTY_WIDTH,
  OP_FAIL,
  OP_MATCH,
  OP_NOP,
  OP_RUNE,
  OP_RUNE1,
  OP_RUNE_ANY,
  OP_RUNE_ANY_NOT_NL,
  runeRanges,
  type RuneProg,
} from "./prog.js";
import { MAX_RUNE, utf8Sequences } from "./utf8.js";

/** Consumes one byte in `[lo, hi]` and moves to `out`. */
export const NFA_BYTE = 0;
/** Epsilon moves to every state in `eps`. */
export const NFA_SPLIT = 1;
/** Epsilon move to `out` when every EMPTY_* bit in `flags` holds at the current position. */
export const NFA_ASSERT = 2;
/** The pattern has matched. */
export const NFA_MATCH = 3;
/** Never moves anywhere. */
export const NFA_FAIL = 4;

/**
 * Search: a match may start at any character boundary. Anchored: it must span the whole input. Prefix:
 * it starts at the first byte and may end anywhere (the runner finds where: see `scan.ts`).
 */
export type MatchMode = "search" | "anchored" | "prefix";

/** A byte-level NFA in struct-of-arrays form, indexed by state. */
export interface ByteNfa {
  readonly size: number;
  readonly kind: Uint8Array;
  readonly lo: Uint8Array;
  readonly hi: Uint8Array;
  /** EMPTY_* bits of ASSERT states (the six flags fit in a byte). */
  readonly flags: Uint8Array;
  readonly out: Int32Array;
  readonly eps: ReadonlyArray<readonly number[]>;
  readonly start: number;
  /** Union of the EMPTY_* bits of all ASSERT states: which position contexts the DFA must track. */
  readonly assertions: number;
}

const NO_EPS: readonly number[] = [];

class NfaBuilder {
  readonly kind: number[] = [];
  readonly lo: number[] = [];
  readonly hi: number[] = [];
  readonly flags: number[] = [];
  readonly out: number[] = [];
  readonly eps: Array<readonly number[]> = [];
  /** Shares identical (byte range, successor) states, so UTF-8 suffixes common to many sequences exist once. */
  private readonly byteCache = new Map<number, number>();
  private readonly splitCache = new Map<string, number>();

  add(kind: number): number {
    this.kind.push(kind);
    this.lo.push(0);
    this.hi.push(0);
    this.flags.push(0);
    this.out.push(-1);
    this.eps.push(NO_EPS);
    return this.kind.length - 1;
  }

  set(id: number, kind: number, fields: { lo?: number; hi?: number; flags?: number; out?: number; eps?: readonly number[] }): void {
    this.kind[id] = kind;
    this.lo[id] = fields.lo ?? 0;
    this.hi[id] = fields.hi ?? 0;
    this.flags[id] = fields.flags ?? 0;
    this.out[id] = fields.out ?? -1;
    this.eps[id] = fields.eps ?? NO_EPS;
  }

  byte(lo: number, hi: number, out: number): number {
    // Unique numeric key: 16 bits of byte range below the successor id (ids stay far below 2^37).
    const key = out * 0x10000 + lo * 0x100 + hi;
    const hit = this.byteCache.get(key);
    if (hit !== undefined) return hit;
    const id = this.add(NFA_BYTE);
    this.set(id, NFA_BYTE, { lo, hi, out });
    this.byteCache.set(key, id);
    return id;
  }

  /**
   * Entry states of an automaton that reads one UTF-8 encoded rune from `ranges` and moves to
   * `target`. The byte sequences are merged into a trie on their leading byte ranges (and share
   * suffixes through the byte cache), so a big class like `\pL` fans out over a few dozen lead
   * bytes instead of hundreds of sequences; every closure that reaches it pays for the fan-out.
   */
  runes(ranges: readonly number[], target: number): number[] {
    // Trie keyed by byte range (lo * 256 + hi); a null child means "the rune is complete".
    type Trie = Map<number, Trie | null>;
    const root: Trie = new Map();
    for (let i = 0; i + 1 < ranges.length; i += 2) {
      const lo = ranges[i] ?? 0;
      const hi = ranges[i + 1] ?? -1;
      if (hi <= 0x7f) {
        // ASCII encodes as itself: the common case for literals needs no sequence splitting.
        root.set(lo * 256 + hi, null);
        continue;
      }
      for (const seq of utf8Sequences(lo, hi)) {
        let node = root;
        seq.forEach((r, j) => {
          const key = r.lo * 256 + r.hi;
          if (j === seq.length - 1) {
            node.set(key, null);
            return;
          }
          let child = node.get(key);
          if (child === undefined || child === null) {
            child = new Map();
            node.set(key, child);
          }
          node = child;
        });
      }
    }
    const emit = (node: Trie): number[] =>
      [...node].map(([key, child]) => this.byte(key >> 8, key & 0xff, child === null ? target : this.fanOut(emit(child))));
    return emit(root);
  }

  /** One state with epsilon moves to all of `states` (shared between identical lists). */
  private fanOut(states: number[]): number {
    if (states.length === 1) return states[0] ?? 0;
    const key = states.sort((x, y) => x - y).join(",");
    const hit = this.splitCache.get(key);
    if (hit !== undefined) return hit;
    const id = this.add(NFA_SPLIT);
    this.set(id, NFA_SPLIT, { eps: states });
    this.splitCache.set(key, id);
    return id;
  }

  finish(start: number, assertions: number): ByteNfa {
    return {
      size: this.kind.length,
      kind: Uint8Array.from(this.kind),
      lo: Uint8Array.from(this.lo),
      hi: Uint8Array.from(this.hi),
      flags: Uint8Array.from(this.flags),
      out: Int32Array.from(this.out),
      eps: this.eps,
      start,
      assertions,
    };
  }
}

/**
 * Builds the byte-level NFA of an RE2 program.
 *
 * In search mode the start state is a loop that skips input before trying the pattern (RE2's
 * unanchored `.*?` prefix): any byte, or whole UTF-8 characters when `\B` is used, so that an
 * empty `\B` match cannot start inside a multi-byte character. In anchored mode every
 * MATCH additionally requires end of text, which turns RE2's "match starting here" into a full match.
 * In prefix mode the program is kept as it is: "match starting here", ending wherever MATCH is reached.
 *
 * @example buildByteNfa(RE2JS.compile("a+b").re2().prog, "search").size // NFA states
 */
export function buildByteNfa(prog: RuneProg, mode: MatchMode): ByteNfa {
  const b = new NfaBuilder();
  const n = prog.inst.length;
  // States 0..n-1 mirror instructions one to one, so instruction `out` pcs need no remapping.
  for (let pc = 0; pc < n; pc++) b.add(NFA_FAIL);
  let assertions = 0;
  let anchoredMatch = -1;
  for (let pc = 0; pc < n; pc++) {
    const inst = prog.inst[pc];
    if (inst === undefined) continue;
    switch (inst.op) {
      case OP_ALT:
      case OP_ALT_MATCH:
        // Match priority (greediness) is irrelevant to a yes/no answer, so both arms are equal.
        b.set(pc, NFA_SPLIT, { eps: [inst.out, inst.arg] });
        break;
      case OP_CAPTURE:
      case OP_NOP:
        b.set(pc, NFA_SPLIT, { eps: [inst.out] });
        break;
      case OP_EMPTY_WIDTH:
        b.set(pc, NFA_ASSERT, { flags: inst.arg, out: inst.out });
        assertions |= inst.arg;
        break;
      case OP_FAIL:
        b.set(pc, NFA_FAIL, {});
        break;
      case OP_MATCH:
        if (mode === "anchored") {
          if (anchoredMatch < 0) anchoredMatch = b.add(NFA_MATCH);
          b.set(pc, NFA_ASSERT, { flags: EMPTY_END_TEXT, out: anchoredMatch });
          assertions |= EMPTY_END_TEXT;
        } else {
          b.set(pc, NFA_MATCH, {});
        }
        break;
      case OP_RUNE:
      case OP_RUNE1:
      case OP_RUNE_ANY:
      case OP_RUNE_ANY_NOT_NL:
        b.set(pc, NFA_SPLIT, { eps: b.runes(runeRanges(inst), inst.out) });
        break;
      default:
        throw new Error(`internal: unknown instruction op ${inst.op}`);
    }
  }
  let start = prog.start;
  if (mode === "search") {
    const skip = b.add(NFA_SPLIT);
    // Starting a match inside a multi-byte character can only succeed with an empty match, and
    // of all assertions only \B holds there; so unless \B occurs a plain any-byte loop is exact
    // on valid UTF-8, and it keeps the lead/continuation-byte bookkeeping out of the table.
    const skipOne = (assertions & EMPTY_NO_WORD_BOUNDARY) !== 0 ? b.runes([0, MAX_RUNE], skip) : [b.byte(0x00, 0xff, skip)];
    b.set(skip, NFA_SPLIT, { eps: [prog.start, ...skipOne] });
    start = skip;
  }
  return b.finish(start, assertions);
}
