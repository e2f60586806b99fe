// Helpers shared by the automata tests (excluded from the build: see packages/core/tsconfig.json).
import { expect } from "vitest";
import { validateDfa, type Dfa, type DfaResult } from "./index.js";

/** UTF-8 bytes of a string, as the engine receives them. */
export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** The DFA of a successful compile, checked for structural validity; throws with the error otherwise. */
export function ok(r: DfaResult): Dfa {
  if (!r.ok) throw new Error(r.error);
  expect(validateDfa(r.dfa)).toBeNull();
  return r.dfa;
}

/** Deterministic PRNG (mulberry32) so failures reproduce. */
export function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
