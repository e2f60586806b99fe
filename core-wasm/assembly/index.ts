// The trailguard engine's exports. No imports from the host: `abort` is bound to `onAbort` below
// (asconfig.json), so the module instantiates with an empty import object. No clock, no randomness,
// no I/O: the same program and fields always give the same result.

import { reserve } from "./memory";
import { loadProgram, nSlots, nRules, maxStack, VALUE_BYTES, LOAD_OK } from "./program";
import { setSlots, setStack } from "./vm";
import { evaluate as evaluateRules, setMatched, matchedCount as matched, matchedBase } from "./evaluate";

export { reserve };

/** Traps: the host turns a trap into a deny and a fresh engine. */
export function onAbort(message: usize, file: usize, line: u32, column: u32): void {
  unreachable();
}

let slots: usize = 0;
// The most parts (shell segments, SQL statements) one action may have; mirrored in engine/abi.ts.
const MAX_PARTS: i32 = 64;

/**
 * Loads the program written at `ptr` (FORMAT.md), then reserves the field slots, the value stack and the
 * matched-rules buffer. Returns 0 or a load status code.
 */
export function install(ptr: usize, length: u32): i32 {
  const status = loadProgram(ptr, length);
  if (status != LOAD_OK) return status;
  slots = reserve(<usize><i32>(nSlots > 0 ? nSlots : 1) * VALUE_BYTES);
  const stack = reserve(<usize>(maxStack + 1) * VALUE_BYTES);
  // Room for every rule once per part of a multi-part action; the host caps parts (engine/abi.ts).
  const matchedBuf = reserve(<usize>(nRules + 1) * 4 * MAX_PARTS);
  if (slots == 0 || stack == 0 || matchedBuf == 0) return 5;
  setSlots(slots);
  setStack(stack);
  setMatched(matchedBuf);
  return LOAD_OK;
}

/** Address of the field slots the host fills before each `evaluate`. */
export function slotsPtr(): usize { return slots; }

/** Address of the matched-rules buffer. */
export function matchedPtr(): usize { return matchedBase; }

/** Number of entries in the matched-rules buffer after the last `evaluate`. */
export function matchedCount(): i32 { return matched; }

/** Decides the action in the field slots; `accumulate = 1` adds to the previous call (multi-part actions). */
export function evaluate(accumulate: i32): i32 { return evaluateRules(accumulate); }
