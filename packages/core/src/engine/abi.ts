// Numbers shared with the engine (core-wasm/FORMAT.md). Change them only together with core-wasm.

/** The engine's exports, as the host calls them. */
export interface EngineExports {
  memory: WebAssembly.Memory;
  reserve(size: number): number;
  install(ptr: number, length: number): number;
  slotsPtr(): number;
  inputPtr(): number;
  outputPtr(): number;
  matchedPtr(): number;
  matchedCount(): number;
  part(first: number): void;
  finish(): number;
  ensureSessions(n: number): void;
  ensureAgents(n: number): void;
  sessionRecord(i: number): number;
  agentRecordPtr(i: number): number;
  globalPtr(): number;
  resetSessionAt(i: number): void;
  sessionBytes(): number;
  agentBytes(): number;
  globalBytes(): number;
  observe(i: number, origin: number): void;
  instruct(i: number, origin: number): void;
  installPlan(ptr: number, length: number): number;
  planSlots(id: number): number;
  sessionPlanPart(i: number): void;
  setSessionPlan(i: number, plan: number): void;
  grant(i: number, lo: number, hi: number, until: number, once: number): void;
  revokeGrants(i: number): void;
  textArea(n: number): number;
  redact(n: number, mask: number): number;
  redactSpans(from: number): number;
  spansPtr(): number;
  redactSteps(): number;
}

export const TAG = { absent: 0, null: 1, bool: 2, number: 3, string: 4, list: 5, map: 6, error: 7, other: 8 } as const;
export const VALUE_BYTES = 16;
/** Parts (shell segments, SQL statements) one action may have; the engine sizes its buffers for this. */
export const MAX_PARTS = 64;
export const LOAD_STATUS = ["ok", "bad magic", "bad format version", "bad length", "table outside the program", "out of memory", "an output rule or pattern out of range"];
/** Spans one `redactSpans` call writes at most (core-wasm/assembly/redact.ts SPAN_CAP). */
export const SPAN_CAP = 1024;
/** `redact` status bit: a pattern ran out of forward steps and was redacted to the end of the text. */
export const REDACT_OVER_BUDGET = 1;
/** Decision codes by the engine's number (core-wasm/assembly/decide.ts, trajectory.ts). */
export const CODES = ["default", "rule", "eval_error", "sequence", "limit", "flow", "origin", "killed", "no_plan", "off_plan"] as const;
