// Output rules (DESIGN §4.7): which rules apply to the output of the action being decided. Each rule's
// `when` is evaluated per part, like the flow sources, and the action's mask is the union over its parts;
// `finish` hands it to the host with the decision (FORMAT.md, "Outputs"). The scan itself is redact.ts.

import { run, R_FALSE } from "./vm";
import { nDfas, dfasBase, DFA_BYTES, within, LOAD_OK, LOAD_BAD_OUTPUTS } from "./program";

// The mask is a u32; the compiler refuses more (packages/core/src/policy/validate-outputs.ts).
export const MAX_OUTPUTS: i32 = 32;
const RULE_BYTES: usize = 8;
export const PATTERN_BYTES: usize = 16;
// A rule's `whenPc` when it has no `when`: it applies to every action.
const ALWAYS: u32 = 0xffffffff;

let nOutputs: i32 = 0;
let rulesBase: usize = 0;
export let nPatterns: i32 = 0;
export let patternsBase: usize = 0;
/** Output rules that apply to the current action, accumulated over its parts. */
export let outputMask: u32 = 0;

/**
 * Reads the outputs section at `off` of the program at `base` (already relocated): every table inside the
 * program, every pattern's automata in the automaton table and its start states inside its forward table.
 */
export function loadOutputs(base: usize, length: u32, off: u32): i32 {
  const sec = base + <usize>off;
  const n = load<u32>(sec);
  const rOff = load<u32>(sec, 4);
  const np = load<u32>(sec, 8);
  const pOff = load<u32>(sec, 12);
  if (n > <u32>MAX_OUTPUTS) return LOAD_BAD_OUTPUTS;
  if (!within(off, rOff, length) || !within(off + rOff, n * <u32>RULE_BYTES, length)) return LOAD_BAD_OUTPUTS;
  // At most 65,535 patterns: their automata have u16 indices; checked before the multiplication.
  if (np > 0xffff || !within(off, pOff, length) || !within(off + pOff, np * <u32>PATTERN_BYTES, length)) return LOAD_BAD_OUTPUTS;
  const all: u32 = n == 32 ? 0xffffffff : ((<u32>1 << n) - 1);
  for (let i: u32 = 0; i < np; i++) {
    const p = sec + <usize>pOff + <usize>i * PATTERN_BYTES;
    const fwd = <i32>load<u16>(p, 4);
    const rev = <i32>load<u16>(p, 6);
    if (fwd >= nDfas || rev >= nDfas || (load<u32>(p) & ~all) != 0) return LOAD_BAD_OUTPUTS;
    const states = load<u32>(dfasBase + <usize>fwd * DFA_BYTES);
    for (let k: usize = 0; k < 4; k++) if (<u32>load<u16>(p + 8 + (k << 1)) >= states) return LOAD_BAD_OUTPUTS;
    if (load<u32>(dfasBase + <usize>rev * DFA_BYTES, 20) >= load<u32>(dfasBase + <usize>rev * DFA_BYTES)) return LOAD_BAD_OUTPUTS;
  }
  nOutputs = <i32>n;
  rulesBase = sec + <usize>rOff;
  nPatterns = <i32>np;
  patternsBase = sec + <usize>pOff;
  return LOAD_OK;
}

/** Clears the mask before an action's first part. */
export function beginOutputs(): void {
  outputMask = 0;
}

/** Adds the output rules whose `when` holds on the current part. */
export function outputsPart(): void {
  for (let i: i32 = 0; i < nOutputs; i++) {
    const bit: u32 = <u32>1 << <u32>i;
    if ((outputMask & bit) != 0) continue;
    const pc = load<u32>(rulesBase + <usize>i * RULE_BYTES);
    // A `when` that errs applies the rule anyway: redacting more is the fail-closed side.
    if (pc == ALWAYS || run(pc) != R_FALSE) outputMask |= bit;
  }
}
