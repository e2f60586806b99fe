/**
 * Subset construction from a byte-level NFA to a DFA over byte equivalence classes, with
 * RE2's empty-width assertions handled by "delayed closure": a DFA state is the set of NFA
 * states reached by the last byte *before* epsilon closure, plus what that byte was (start of
 * text, newline, word byte, other). The closure is taken only once the next byte (or end of
 * text) is known, which is exactly the information `^ $ \A \z \b \B` need.
 */
import {
  EMPTY_BEGIN_LINE,
  EMPTY_BEGIN_TEXT,
  EMPTY_END_LINE,
  EMPTY_END_TEXT,
  EMPTY_NO_WORD_BOUNDARY,
  EMPTY_WORD_BOUNDARY,
} from "./prog.js";
import { NFA_ASSERT, NFA_BYTE, NFA_MATCH, NFA_SPLIT, type ByteNfa } from "./nfa.js";

/**
 * What lies on one side of a position. EDGE is the start of text when describing the previous
 * side and the end of text when describing the next side.
 */
/** @example prevKind === CTX_EDGE // at the start of the text */
export const CTX_EDGE = 0;
/** @example byteContext(0x0a) === CTX_NEWLINE // true */
export const CTX_NEWLINE = 1;
/** @example byteContext(0x5f) === CTX_WORD // true: `_` is a word byte */
export const CTX_WORD = 2;
/** @example byteContext(0x20) === CTX_OTHER // true */
export const CTX_OTHER = 3;
/**
 * All four contexts, as bits of a scan DFA's accept mask (see {@link DeterminizeOptions}).
 *
 * @example dfa.accept[MATCHED] === ALL_CONTEXTS // in a scan table
 */
export const ALL_CONTEXTS = 0b1111;

/** The absorbing states every table starts with (the runner's contract). */
export const DEAD = 0;
export const MATCHED = 1;

/**
 * Most transition cells (states × classes) construction may allocate: the size of the largest
 * table the engine accepts (65535 states × 256 classes), so memory stays bounded (64 MiB of
 * Int32) whatever `maxStates` asks for.
 */
const MAX_CELLS = 65535 * 256;

/** A DFA before minimisation: a row of `classCount` successors per state. */
export interface RawDfa {
  stateCount: number;
  classCount: number;
  /** byte → class, 256 entries. */
  classes: Uint8Array;
  /** stateCount × classCount successors. */
  trans: Int32Array;
  /**
   * Search tables: 1 if input ending in the state matches. Scan tables: a mask, bit `k` set if a match
   * ends in the state when the next byte is of context `k` (CTX_EDGE: the end of the input).
   */
  accept: Uint8Array;
  start: number;
  /** Scan tables only: the start state by the context before the first byte (CTX_EDGE … CTX_OTHER). */
  starts?: Int32Array;
}

/**
 * How {@link determinize} treats matches.
 *
 * - `search` (the default): a match ends the run. A state whose closure holds MATCH before a byte moves
 *   to the absorbing MATCHED state, and `accept` says whether the input may end in a state.
 * - `scan`: the run goes on through matches, because the caller wants to know *where* matches end
 *   (longest match, or every position where one starts). Nothing moves to MATCHED (it stays, absorbing,
 *   with every accept bit set, so that minimisation can merge into it states that match everywhere);
 *   each state's `accept` is a mask of the next-byte contexts before which a match ends in it, and
 *   `starts` holds one start state per context before the first byte, so that a run may begin in the
 *   middle of a text and still see `^`, `\b` and `\B` right.
 *
 * @example determinize(nfa, 8192, { mode: "scan" })?.starts
 */
export interface DeterminizeOptions {
  mode?: "search" | "scan";
}

const NEWLINE = 0x0a;
/**
 * RE2's word characters are ASCII [0-9A-Za-z_] (bytes of multi-byte characters never are).
 *
 * @example isWordByte(0x5f) // true ("_")
 */
export function isWordByte(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f;
}

function assertionHolds(flags: number, prev: number, next: number): boolean {
  if ((flags & EMPTY_BEGIN_LINE) !== 0 && prev !== CTX_EDGE && prev !== CTX_NEWLINE) return false;
  if ((flags & EMPTY_END_LINE) !== 0 && next !== CTX_EDGE && next !== CTX_NEWLINE) return false;
  if ((flags & EMPTY_BEGIN_TEXT) !== 0 && prev !== CTX_EDGE) return false;
  if ((flags & EMPTY_END_TEXT) !== 0 && next !== CTX_EDGE) return false;
  const boundary = (prev === CTX_WORD) !== (next === CTX_WORD);
  if ((flags & EMPTY_WORD_BOUNDARY) !== 0 && !boundary) return false;
  if ((flags & EMPTY_NO_WORD_BOUNDARY) !== 0 && boundary) return false;
  return true;
}

/**
 * Partitions the 256 byte values into contiguous classes that no NFA byte range and no
 * tracked context (word byte, newline) splits; classes are numbered in byte order, so a byte
 * range maps to the class interval `[classes[lo], classes[hi]]`.
 */
function byteClasses(nfa: ByteNfa, cutWord: boolean, cutNewline: boolean): { classes: Uint8Array; count: number } {
  // cut[b]: a new class begins at byte b; index 256 is a harmless sentinel for hi = 0xff.
  const cut = new Uint8Array(257);
  cut[0] = 1;
  for (let s = 0; s < nfa.size; s++) {
    if (nfa.kind[s] !== NFA_BYTE) continue;
    cut[nfa.lo[s] ?? 0] = 1;
    cut[(nfa.hi[s] ?? 0) + 1] = 1;
  }
  if (cutWord) {
    // Edges of 0-9, A-Z, _ and a-z.
    for (const b of [0x30, 0x3a, 0x41, 0x5b, 0x5f, 0x60, 0x61, 0x7b]) cut[b] = 1;
  }
  if (cutNewline) {
    cut[NEWLINE] = 1;
    cut[NEWLINE + 1] = 1;
  }
  const classes = new Uint8Array(256);
  let c = -1;
  for (let b = 0; b < 256; b++) {
    if (cut[b] === 1) c++;
    classes[b] = c;
  }
  return { classes, count: c + 1 };
}

/**
 * Determinises `nfa`. Returns null when more than `budget` states would be needed.
 *
 * @example determinize(buildByteNfa(prog, "search"), 16384)?.stateCount
 */
export function determinize(nfa: ByteNfa, budget: number, options: DeterminizeOptions = {}): RawDfa | null {
  const scan = options.mode === "scan";
  const a = nfa.assertions;
  // Track only the contexts some assertion can observe: every tracked distinction can multiply states.
  const prevStart = (a & (EMPTY_BEGIN_TEXT | EMPTY_BEGIN_LINE)) !== 0;
  const prevNewline = (a & EMPTY_BEGIN_LINE) !== 0;
  const nextNewline = (a & EMPTY_END_LINE) !== 0;
  const word = (a & (EMPTY_WORD_BOUNDARY | EMPTY_NO_WORD_BOUNDARY)) !== 0;
  const { classes, count: k } = byteClasses(nfa, word, prevNewline || nextNewline);

  const prevKind = new Uint8Array(k);
  const nextKind = new Uint8Array(k);
  const classLo = new Int32Array(k).fill(-1);
  for (let b = 0; b < 256; b++) {
    const c = classes[b] ?? 0;
    if (classLo[c] !== -1) continue;
    classLo[c] = b;
    const w = word && isWordByte(b);
    prevKind[c] = prevNewline && b === NEWLINE ? CTX_NEWLINE : w ? CTX_WORD : CTX_OTHER;
    nextKind[c] = nextNewline && b === NEWLINE ? CTX_NEWLINE : w ? CTX_WORD : CTX_OTHER;
  }
  const nextKinds = [...new Set(nextKind)];

  // Epsilon closure, marking visited NFA states with a generation number instead of clearing a
  // set. Each state is pushed at most once per closure, so fixed-size buffers suffice.
  const mark = new Int32Array(nfa.size);
  let gen = 0;
  // Local copies of imported constants (see runDfa in dfa.ts for why).
  const [BYTE, SPLIT, ASSERT, MATCH] = [NFA_BYTE, NFA_SPLIT, NFA_ASSERT, NFA_MATCH];
  const stack = new Int32Array(nfa.size);
  const bytes = new Int32Array(nfa.size);
  // Scan mode: whether the last closure held MATCH (it then goes on collecting BYTE states).
  let sawMatch = false;
  /**
   * Fills `bytes` with the BYTE states of the closure and returns their count, or (search mode) -1 if it
   * contains MATCH.
   */
  const closure = (kernel: Int32Array, prev: number, next: number): number => {
    gen++;
    sawMatch = false;
    let top = 0;
    let count = 0;
    for (const s of kernel) {
      if (mark[s] !== gen) {
        mark[s] = gen;
        stack[top++] = s;
      }
    }
    while (top > 0) {
      const s = stack[--top] ?? 0;
      const kind = nfa.kind[s];
      if (kind === BYTE) {
        bytes[count++] = s;
      } else if (kind === SPLIT) {
        for (const t of nfa.eps[s] ?? []) {
          if (mark[t] !== gen) {
            mark[t] = gen;
            stack[top++] = t;
          }
        }
      } else if (kind === ASSERT) {
        const t = nfa.out[s] ?? 0;
        if (mark[t] !== gen && assertionHolds(nfa.flags[s] ?? 0, prev, next)) {
          mark[t] = gen;
          stack[top++] = t;
        }
      } else if (kind === MATCH) {
        if (!scan) return -1;
        sawMatch = true;
      }
    }
    return count;
  };

  // Interned DFA states, looked up by a hash of (context, kernel) and confirmed element-wise,
  // which avoids building a string key per transition.
  const kernels: Int32Array[] = [new Int32Array(0), new Int32Array(0)];
  const ctxs: number[] = [CTX_OTHER, CTX_OTHER];
  const index = new Map<number, number[]>();
  const intern = (kernel: Int32Array, ctx: number): number => {
    let h = Math.imul(0x811c9dc5 ^ ctx, 0x01000193); // FNV-1a offset basis and prime
    for (let i = 0; i < kernel.length; i++) h = Math.imul(h ^ (kernel[i] ?? 0), 0x01000193);
    const same = index.get(h);
    if (same !== undefined) {
      for (const id of same) if (ctxs[id] === ctx && sameKernel(kernels[id], kernel)) return id;
    }
    const id = kernels.length;
    kernels.push(kernel);
    ctxs.push(ctx);
    if (same === undefined) index.set(h, [id]);
    else same.push(id);
    return id;
  };

  const start = intern(Int32Array.of(nfa.start), prevStart ? CTX_EDGE : CTX_OTHER);
  // Contexts the assertions cannot tell apart share a start state: each distinction tracked can only
  // multiply states.
  const starts = scan
    ? Int32Array.of(start, intern(Int32Array.of(nfa.start), prevNewline ? CTX_NEWLINE : CTX_OTHER),
      intern(Int32Array.of(nfa.start), word ? CTX_WORD : CTX_OTHER), intern(Int32Array.of(nfa.start), CTX_OTHER))
    : undefined;
  // Rows of successors, grown by doubling from room for 64 states (most patterns need fewer);
  // DEAD's row is all DEAD (0) and MATCHED's all MATCHED.
  let trans = new Int32Array(64 * k);
  trans.fill(MATCHED, k, 2 * k);
  const accept: number[] = [0, scan ? ALL_CONTEXTS : 1];
  const acceptOf = (kernel: Int32Array, prev: number): number => {
    if (!scan) return closure(kernel, prev, CTX_EDGE) < 0 ? 1 : 0;
    // Every context, tracked or not: an untracked one is observed by no assertion, so its bit equals
    // CTX_OTHER's, and the runner may classify bytes without knowing what the pattern tracks.
    let mask = 0;
    for (let ctx = CTX_EDGE; ctx <= CTX_OTHER; ctx++) {
      closure(kernel, prev, ctx);
      if (sawMatch) mask |= 1 << ctx;
    }
    return mask;
  };
  // buckets[c][0 .. bucketLen[c]): successors on class c; valid only while stamp[c] equals the
  // current stamp, so that untouched classes cost nothing (they stay DEAD).
  const buckets: number[][] = Array.from({ length: k }, () => []);
  const bucketLen = new Int32Array(k);
  const stamp = new Int32Array(k);
  let stampGen = 0;
  const touched = new Int32Array(k);

  const limit = Math.min(budget, Math.floor(MAX_CELLS / k));
  for (let s = 2; s < kernels.length; s++) {
    if (kernels.length > limit) return null;
    const kernel = kernels[s] ?? new Int32Array(0);
    const prev = ctxs[s] ?? CTX_OTHER;
    accept.push(acceptOf(kernel, prev));
    if (trans.length < (s + 1) * k) {
      const grown = new Int32Array(Math.min(trans.length * 2, (limit + 1) * k));
      grown.set(trans);
      trans = grown;
    }
    const row = s * k; // the row starts out DEAD everywhere
    for (const nk of nextKinds) {
      const count = closure(kernel, prev, nk);
      if (count < 0) {
        // A match already ended before this byte: search is decided, and anchored programs
        // only reach MATCH through an end-of-text assertion, which cannot hold here.
        for (let c = 0; c < k; c++) if (nextKind[c] === nk) trans[row + c] = MATCHED;
        continue;
      }
      stampGen++;
      let touchedLen = 0;
      for (let i = 0; i < count; i++) {
        const b = bytes[i] ?? 0;
        const hi = classes[nfa.hi[b] ?? 0] ?? 0;
        const target = nfa.out[b] ?? 0;
        for (let c = classes[nfa.lo[b] ?? 0] ?? 0; c <= hi; c++) {
          if (nextKind[c] !== nk) continue;
          if (stamp[c] !== stampGen) {
            stamp[c] = stampGen;
            bucketLen[c] = 0;
            touched[touchedLen++] = c;
          }
          const len = bucketLen[c] ?? 0;
          (buckets[c] ?? [])[len] = target;
          bucketLen[c] = len + 1;
        }
      }
      // Classes covered by the same byte states get identical buckets (filled in the same
      // order); consecutive ones reuse the previous result instead of sorting and interning.
      let prevClass = -1;
      let prevResult = DEAD;
      for (let i = 0; i < touchedLen; i++) {
        const c = touched[i] ?? 0;
        const ctx = prevKind[c] ?? CTX_OTHER;
        if (prevClass >= 0 && prevKind[prevClass] === ctx && sameBucket(buckets, bucketLen, prevClass, c)) {
          trans[row + c] = prevResult;
          continue;
        }
        prevClass = c;
        prevResult = intern(sortedUnique(buckets[c] ?? [], bucketLen[c] ?? 0), ctx);
        trans[row + c] = prevResult;
      }
    }
  }
  if (kernels.length > limit) return null;

  const stateCount = kernels.length;
  return { stateCount, classCount: k, classes, trans: trans.slice(0, stateCount * k), accept: Uint8Array.from(accept), start, ...(starts ? { starts } : {}) };
}

function sameKernel(a: ArrayLike<number> | undefined, b: ArrayLike<number>): boolean {
  if (a === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameBucket(buckets: readonly number[][], lens: Int32Array, c1: number, c2: number): boolean {
  const n = lens[c1] ?? 0;
  if (n !== lens[c2]) return false;
  const a = buckets[c1] ?? [];
  const b = buckets[c2] ?? [];
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The first `len` entries of `xs`, sorted ascending without duplicates. */
function sortedUnique(xs: readonly number[], len: number): Int32Array {
  const out = new Int32Array(len);
  for (let i = 0; i < len; i++) out[i] = xs[i] ?? 0;
  if (len < 2) return out;
  out.sort();
  let n = 1;
  for (let i = 1; i < len; i++) if (out[i] !== out[n - 1]) out[n++] = out[i] ?? 0;
  return n === len ? out : out.slice(0, n);
}
