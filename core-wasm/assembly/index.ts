// The trailguard engine's exports. No imports from the host: `abort` is bound to `onAbort` below
// (asconfig.json), so the module instantiates with an empty import object. No clock, no randomness,
// no I/O: time arrives in the inputs, and the same program, state and inputs give the same result.

import { reserve } from "./memory";
import { loadProgram, nSlots, nRules, maxStack, trajOffset, outputsOffset, VALUE_BYTES, LOAD_OK } from "./program";
import { setSlots, setStack, usePolicyTables } from "./vm";
import { setMatched, matchedBase, matchedCount as matched } from "./matched";
import { loadTrajectory, scratchBytes, recordBytes, agentRecordBytes, globalRecordBytes, observeOrigin, instructOrigin } from "./trajectory";
import { setupDecide, inputs, outputs, ensureSessions, ensureAgents, sessionRecord, agentRecordPtr, globalPtr, resetSessionAt, part, finish, sessionPlanPart, setSessionPlan, grant, revokeGrants } from "./decide";
import { installPlan, planSlots } from "./plans";
import { loadOutputs } from "./outputs";
import { textArea, redact, redactSpans, spansPtr, redactSteps } from "./redact";

export { reserve, part, finish, ensureSessions, ensureAgents, sessionRecord, agentRecordPtr, globalPtr, resetSessionAt, sessionPlanPart, setSessionPlan, installPlan, planSlots, grant, revokeGrants };
export { textArea, redact, redactSpans, spansPtr, redactSteps };

/** Traps: the host turns a trap into a deny and a fresh engine. */
export function onAbort(message: usize, file: usize, line: u32, column: u32): void {
  unreachable();
}

let slots: usize = 0;
// The most parts (shell segments, SQL statements) one action may have; mirrored in engine/abi.ts.
const MAX_PARTS: i32 = 64;
// Sequences, limits, sinks and control sinks can add to the matched buffer once each per action.
const MATCHED_EXTRA: i32 = 4096;

/**
 * Installs the program written at `ptr` (FORMAT.md), then reserves the field slots, the value stack, the
 * matched buffer, the trajectory scratch and the input and output areas. Returns 0 or a status code.
 */
export function install(ptr: usize, length: u32): i32 {
  let status = loadProgram(ptr, length);
  if (status != LOAD_OK) return status;
  status = loadOutputs(ptr, length, outputsOffset);
  if (status != LOAD_OK) return status;
  slots = reserve(<usize>(<i32>(nSlots > 0 ? nSlots : 1)) * VALUE_BYTES);
  setSlots(slots);
  setStack(reserve(<usize>(maxStack + 1) * VALUE_BYTES));
  const cap = (nRules + 1) * MAX_PARTS + MATCHED_EXTRA;
  setMatched(reserve(<usize>cap * 4), cap);
  const traj = ptr + <usize>trajOffset;
  loadTrajectory(traj, reserve(scratchBytes(traj)));
  setupDecide(globalRecordBytes);
  usePolicyTables();
  return LOAD_OK;
}

/** Address of the field slots the host fills before each `part`. */
export function slotsPtr(): usize { return slots; }
/** Address of the per-action inputs (FORMAT.md, "Inputs"). */
export function inputPtr(): usize { return inputs; }
/** Address of the per-action outputs (FORMAT.md, "Outputs"). */
export function outputPtr(): usize { return outputs; }
/** Address of the matched buffer. */
export function matchedPtr(): usize { return matchedBase; }
/** Entries in the matched buffer after the last `finish`. */
export function matchedCount(): i32 { return matched; }
/** Bytes of one session record (for export and import). */
export function sessionBytes(): u32 { return recordBytes; }
/** Bytes of one agent record. */
export function agentBytes(): u32 { return agentRecordBytes; }
/** Bytes of the global record. */
export function globalBytes(): u32 { return globalRecordBytes; }
/** Content of origin `o` reached session `i`. */
export function observe(i: i32, o: i32): void { observeOrigin(sessionRecord(i), o); }
/** An instruction of origin `o` for session `i`. */
export function instruct(i: i32, o: i32): void { instructOrigin(sessionRecord(i), o); }
