/**
 * The DFA table format shared with the WebAssembly engine, its reference runner, and the
 * last compilation step (determinise → minimise → u16 tables).
 */
import { DEAD, MATCHED, determinize } from "./determinize.js";
import { minimize } from "./minimize.js";
import type { ByteNfa } from "./nfa.js";

/**
 * A byte-level DFA. Run it with {@link runDfa}: state 0 is DEAD (absorbing, never matches) and
 * state 1 is MATCHED (absorbing, matched), so the loop can stop as soon as either is reached.
 */
export interface Dfa {
  /** Number of states, including DEAD and MATCHED. */
  stateCount: number;
  /** Number of byte classes, ≤ 256. */
  classCount: number;
  /** Length 256: byte → class. */
  classes: Uint8Array;
  /** Length stateCount × classCount: `next = transitions[s * classCount + classes[b]]`. */
  transitions: Uint16Array;
  /** Length stateCount: 1 if input ending in state s matches (`[0] = 0`, `[1] = 1`). */
  acceptAtEnd: Uint8Array;
  start: number;
}

export type DfaResult = { ok: true; dfa: Dfa } | { ok: false; error: string };

/** Options shared by the compile functions. */
export interface CompileOptions {
  /** Most states the final table may have (default 4096, at most 65535 so u16 can index them). */
  maxStates?: number;
}

/** Default state cap: 4096 states × a typical 10–40 classes × 2 bytes stays within tens of KiB to a few hundred KiB. */
export const DEFAULT_MAX_STATES = 4096;
/** u16 transitions must be able to name every state. */
export const HARD_MAX_STATES = 65535;
/**
 * Subset construction may visit more states than survive minimisation, so it gets this
 * multiple of the cap as budget before giving up. Twice is ample for Thompson-style NFAs (and
 * for sets, which arrive suffix-shared); more would mostly make refusing a blow-up slower…
 */
const CONSTRUCTION_FACTOR = 2;
/** …but never more than this many, which bounds compile time and memory for any cap. */
const CONSTRUCTION_LIMIT = 131072;

/**
 * Runs a DFA over UTF-8 bytes: true iff the input matches. This is the exact loop the
 * WebAssembly engine implements.
 *
 * @example runDfa(dfa, new TextEncoder().encode("a.corp.example")) // true for compileGlob("*.corp.example")
 */
export function runDfa(dfa: Dfa, input: Uint8Array): boolean {
  const { transitions, classes, classCount } = dfa;
  // Local copies: some module loaders (vitest's among them) turn every read of an imported
  // binding into a property lookup, which would dominate this loop.
  const dead = DEAD;
  const matched = MATCHED;
  let s = dfa.start;
  for (let i = 0; i < input.length; i++) {
    s = transitions[s * classCount + (classes[input[i] ?? 0] ?? 0)] ?? dead;
    if (s === matched) return true;
    if (s === dead) return false;
  }
  return dfa.acceptAtEnd[s] === 1;
}

/**
 * Bytes the tables occupy once copied into engine memory (class map, u16 transitions, accept flags).
 *
 * @example dfaByteSize(dfa) // 256 + 2 * stateCount * classCount + stateCount
 */
export function dfaByteSize(dfa: Dfa): number {
  return dfa.classes.byteLength + dfa.transitions.byteLength + dfa.acceptAtEnd.byteLength;
}

/**
 * Checks the structural invariants the runner and the WebAssembly engine rely on (sizes, state
 * and class indices in range, DEAD and MATCHED absorbing). Returns null if the tables are sound,
 * or what is wrong; a loader of tables from elsewhere should refuse them on any message.
 *
 * @example validateDfa(compileRegex("a").dfa) // null
 */
export function validateDfa(dfa: Dfa): string | null {
  const { stateCount: n, classCount: k } = dfa;
  if (!Number.isInteger(n) || n < 2 || n > HARD_MAX_STATES) return `stateCount ${n} is out of range`;
  if (!Number.isInteger(k) || k < 1 || k > 256) return `classCount ${k} is out of range`;
  if (dfa.classes.length !== 256) return "classes must have 256 entries";
  if (dfa.transitions.length !== n * k) return "transitions must have stateCount × classCount entries";
  if (dfa.acceptAtEnd.length !== n) return "acceptAtEnd must have stateCount entries";
  if (!Number.isInteger(dfa.start) || dfa.start < 0 || dfa.start >= n) return `start ${dfa.start} is out of range`;
  if (dfa.classes.some((c) => c >= k)) return "a byte maps to a class ≥ classCount";
  if (dfa.transitions.some((t) => t >= n)) return "a transition targets a state ≥ stateCount";
  if (dfa.acceptAtEnd.some((a) => a > 1)) return "acceptAtEnd entries must be 0 or 1";
  if (dfa.acceptAtEnd[DEAD] !== 0 || dfa.acceptAtEnd[MATCHED] !== 1) return "DEAD must reject and MATCHED accept at end";
  for (let c = 0; c < k; c++) {
    if (dfa.transitions[DEAD * k + c] !== DEAD) return "DEAD must be absorbing";
    if (dfa.transitions[MATCHED * k + c] !== MATCHED) return "MATCHED must be absorbing";
  }
  return null;
}

/**
 * Validates `options.maxStates`, returning the cap or an error message.
 *
 * @example resolveMaxStates({ maxStates: 100 }) // 100
 * @example resolveMaxStates({ maxStates: 1e6 }) // "maxStates must be an integer from 2 to 65535, got `1000000`"
 */
export function resolveMaxStates(options: CompileOptions | undefined, fallback = DEFAULT_MAX_STATES): number | string {
  const max = options?.maxStates ?? fallback;
  if (!Number.isInteger(max) || max < 2 || max > HARD_MAX_STATES) {
    return `maxStates must be an integer from 2 to ${HARD_MAX_STATES}, got \`${String(options?.maxStates)}\``;
  }
  return max;
}

/**
 * Determinises and minimises an NFA into the engine's table format, or returns null when the
 * result would need more than `maxStates` states.
 *
 * @example buildDfa(buildByteNfa(prog, "search"), 4096)
 */
export function buildDfa(nfa: ByteNfa, maxStates: number): Dfa | null {
  const raw = determinize(nfa, constructionBudget(maxStates));
  if (raw === null) return null;
  const min = minimize(raw);
  if (min.stateCount > maxStates) return null;
  return {
    stateCount: min.stateCount,
    classCount: min.classCount,
    classes: min.classes,
    transitions: Uint16Array.from(min.trans),
    acceptAtEnd: min.accept,
    start: min.start,
  };
}

/**
 * States subset construction may visit for a table capped at `maxStates` (see CONSTRUCTION_FACTOR).
 *
 * @example constructionBudget(4096) // 8192
 */
export function constructionBudget(maxStates: number): number {
  return Math.max(maxStates, Math.min(maxStates * CONSTRUCTION_FACTOR, CONSTRUCTION_LIMIT));
}

/**
 * The DFA that matches nothing (an empty set).
 *
 * @example runDfa(neverDfa(), new Uint8Array(0)) // false
 */
export function neverDfa(): Dfa {
  return {
    stateCount: 2,
    classCount: 1,
    classes: new Uint8Array(256),
    transitions: Uint16Array.of(DEAD, MATCHED),
    acceptAtEnd: Uint8Array.of(0, 1),
    start: DEAD,
  };
}
