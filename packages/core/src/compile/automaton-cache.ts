// Compiled automata by pattern, shared by every policy a process loads. Building a DFA (subset
// construction, minimisation) is most of what loading a policy costs, and the same patterns come back:
// every policy that extends `essential` carries its ~100 patterns, and a hot reload (guard.updatePolicy)
// or a test suite loads near-identical policies again and again. Automata are never changed once built
// (the compiler and the program writer only read them), so one object may serve every policy.

import type { DfaResult } from "../automata/dfa.js";

// A bound on what the cache holds, so that a process loading endless distinct policies does not grow
// without limit: 32 MiB is ~100 times the essential pack's automata (~300 KB), and one DFA at the
// compiler's state cap is a few MiB, so the budget keeps a working set of many policies.
const MAX_BYTES = 32 * 1024 * 1024;
// What a refusal (an unsupported pattern) is charged: its message, roughly.
const ERROR_BYTES = 256;

const entries = new Map<string, { result: DfaResult; bytes: number }>();
let held = 0;

function sizeOf(r: DfaResult): number {
  return r.ok ? r.dfa.classes.byteLength + r.dfa.transitions.byteLength + r.dfa.acceptAtEnd.byteLength : ERROR_BYTES;
}

/**
 * The automaton for `key`, built by `build` the first time and remembered (least recently used first out
 * past a byte budget). `key` must name the pattern and how it is read (`re:`, `glob:`, `list:`, `set:`),
 * never a policy's own names, so that equal keys always mean equal automata.
 *
 * @example
 * const r = cachedAutomaton(`re:${pattern}`, () => compileRegex(pattern));
 */
export function cachedAutomaton(key: string, build: () => DfaResult): DfaResult {
  const hit = entries.get(key);
  if (hit !== undefined) {
    // Map iteration is insertion order: re-inserting marks it most recently used.
    entries.delete(key);
    entries.set(key, hit);
    return hit.result;
  }
  const result = build();
  const bytes = sizeOf(result);
  if (bytes > MAX_BYTES) return result;
  entries.set(key, { result, bytes });
  held += bytes;
  for (const [oldest, e] of entries) {
    if (held <= MAX_BYTES) break;
    entries.delete(oldest);
    held -= e.bytes;
  }
  return result;
}

/**
 * Forgets every cached automaton (for tests that measure a cold compile).
 *
 * @example
 * clearAutomatonCache();
 */
export function clearAutomatonCache(): void {
  entries.clear();
  held = 0;
}
