// Sequences, limits, flows and origins → the engine's trajectory section (core-wasm/FORMAT.md,
// "Trajectory") and the layout of the per-session, per-agent and global state records.

import { EFFECTS, type Effect, type PolicyDoc } from "../policy/types.js";
import { parseDuration } from "../policy/shape.js";
import type { FieldPath } from "./fields.js";

/**
 * The fixed head of a session record: flags, actions that ran, labels, origin floor, plan and node (32
 * bytes), then four approval grants of 24 bytes (core-wasm/assembly/grants.ts).
 */
export const SESSION_HEAD_BYTES = 32 + 4 * 24;
// 16 buckets of (bucket number, amount), as core-wasm/assembly/trajectory.ts BUCKETS.
const WINDOW_BYTES = 16 * 16;
const STEP_STATE_BYTES = 16;
const SCALAR_STATE_BYTES = 16;
/** Labels are a u64 mask in the engine. */
export const MAX_LABELS = 64;

/** A trajectory entry as the host names it in decisions. */
export interface TrajectoryEntry {
  id: string;
  effect: Effect;
  reason?: string;
}

/** What the host needs to know about a policy's trajectory rules. */
export interface TrajectoryInfo {
  sequences: TrajectoryEntry[];
  limits: (TrajectoryEntry & { repeat: boolean })[];
  sinks: (TrajectoryEntry & { scope: "session" | "value" })[];
  controlSinks: TrajectoryEntry[];
  /** Label names by bit. */
  labels: string[];
  /** Origin names, lowest first. */
  origins: string[];
  /** Bytes of one session record. */
  recordBytes: number;
}

/** The engine's view: program counters, masks and state offsets. */
export interface TrajectoryParts {
  recordBytes: number;
  agentRecordBytes: number;
  globalRecordBytes: number;
  originTop: number;
  sequences: { effect: number; within: number; withinMs: number; stepPcs: number[]; stateOff: number }[];
  limits: { kind: number; scope: number; effect: number; whenPc?: number; max: number; perMs: number; sumSlot: number; stateOff: number }[];
  sources: { whenPc: number; mask: bigint }[];
  sinks: { whenPc: number; mask: bigint; scope: number; effect: number }[];
  control: { whenPc: number; minOrigin: number; effect: number }[];
  originSources: { whenPc: number; origin: number }[];
}

type Cond = (text: string, path: (string | number)[]) => number | undefined;

/**
 * Compiles the trajectory sections with `cond` (which compiles one condition and reports its errors).
 * Problems that are not about a condition (too many labels) come back as messages with paths.
 *
 * @example
 * const { parts, info } = compileTrajectory(doc, cond, slot);
 */
export function compileTrajectory(doc: PolicyDoc, cond: Cond, slot: (p: FieldPath) => number, packSequences = 0) {
  const errors: { path: (string | number)[]; message: string; code: string }[] = [];
  const parts: TrajectoryParts = { recordBytes: 0, agentRecordBytes: 0, globalRecordBytes: 0, originTop: 0, sequences: [], limits: [], sources: [], sinks: [], control: [], originSources: [] };
  const info: TrajectoryInfo = { sequences: [], limits: [], sinks: [], controlSinks: [], labels: [], origins: doc.origins?.order ?? [], recordBytes: 0 };
  const effect = (e: Effect) => EFFECTS.indexOf(e);
  const named = (x: { id: string; effect: Effect; reason?: string }): TrajectoryEntry => ({ id: x.id, effect: x.effect, ...(x.reason !== undefined ? { reason: x.reason } : {}) });
  let session = SESSION_HEAD_BYTES;
  let agent = 0;
  let global = 0;

  (doc.sequences ?? []).forEach((s, i) => {
    // Malformed entries are null (reported by the validator); pack sequences come before the policy's own.
    if (!s) return;
    const at = i - packSequences;
    const pcs = s.steps.map((step, j) => cond(step.when, ["sequences", at, "steps", j, "when"]));
    if (pcs.some((pc) => pc === undefined)) return;
    parts.sequences.push({ effect: effect(s.effect), within: s.within ?? 0, withinMs: s.within_ms ?? -1, stepPcs: pcs as number[], stateOff: session });
    session += STEP_STATE_BYTES * Math.max(0, s.steps.length - 1);
    info.sequences.push(named(s));
  });

  (doc.limits ?? []).forEach((l, at) => {
    if (!l) return;
    const whenPc = l.when !== undefined ? cond(l.when, ["limits", at, "when"]) : undefined;
    if (l.when !== undefined && whenPc === undefined) return;
    const kind = l.repeat !== undefined ? 2 : l.sum !== undefined ? 1 : 0;
    const perMs = l.per !== undefined ? parseDuration(l.per)! : 0;
    const bytes = kind !== 2 && perMs > 0 ? WINDOW_BYTES : SCALAR_STATE_BYTES;
    const scope = l.scope === "agent" ? 1 : l.scope === "global" ? 2 : 0;
    let stateOff: number;
    if (scope === 0) { stateOff = session; session += bytes; }
    else if (scope === 1) { stateOff = agent; agent += bytes; }
    else { stateOff = global; global += bytes; }
    const sumSlot = l.sum !== undefined ? slot(l.sum.split(".")) : 0;
    parts.limits.push({ kind, scope, effect: effect(l.effect), ...(whenPc !== undefined ? { whenPc } : {}), max: l.repeat ?? l.max!, perMs, sumSlot, stateOff });
    info.limits.push({ ...named(l), repeat: kind === 2 });
  });

  const labelBit = (name: string, path: (string | number)[]): bigint | undefined => {
    let i = info.labels.indexOf(name);
    if (i < 0) {
      if (info.labels.length >= MAX_LABELS) {
        errors.push({ path, code: "too_large", message: `a policy may use at most ${MAX_LABELS} labels` });
        return undefined;
      }
      i = info.labels.push(name) - 1;
    }
    return 1n << BigInt(i);
  };
  const maskOf = (names: string[], path: (string | number)[]) => names.reduce((m, n) => m | (labelBit(n, path) ?? 0n), 0n);
  (doc.flows?.sources ?? []).forEach((s, at) => {
    if (!s) return;
    const whenPc = cond(s.when, ["flows", "sources", at, "when"]);
    const mask = maskOf(s.labels, ["flows", "sources", at, "labels"]);
    if (whenPc !== undefined) parts.sources.push({ whenPc, mask });
  });
  (doc.flows?.sinks ?? []).forEach((s, at) => {
    if (!s) return;
    const whenPc = cond(s.when, ["flows", "sinks", at, "when"]);
    const mask = maskOf(s.forbid, ["flows", "sinks", at, "forbid"]);
    if (whenPc === undefined) return;
    const scope = s.scope ?? "value";
    parts.sinks.push({ whenPc, mask, scope: scope === "session" ? 0 : 1, effect: effect(s.effect) });
    info.sinks.push({ ...named(s), scope });
  });

  const order = doc.origins?.order ?? [];
  parts.originTop = Math.max(0, order.length - 1);
  (doc.origins?.sources ?? []).forEach((s, at) => {
    if (!s) return;
    const whenPc = cond(s.when, ["origins", "sources", at, "when"]);
    if (whenPc !== undefined) parts.originSources.push({ whenPc, origin: order.indexOf(s.origin) });
  });
  (doc.origins?.control_sinks ?? []).forEach((s, at) => {
    if (!s) return;
    const whenPc = cond(s.when, ["origins", "control_sinks", at, "when"]);
    if (whenPc === undefined) return;
    parts.control.push({ whenPc, minOrigin: order.indexOf(s.min_origin), effect: effect(s.effect) });
    info.controlSinks.push(named(s));
  });

  // Records stay 8-aligned so f64 state sits on its natural boundary.
  const align = (n: number) => (n + 7) & ~7;
  parts.recordBytes = align(session);
  parts.agentRecordBytes = align(agent);
  parts.globalRecordBytes = align(global);
  info.recordBytes = parts.recordBytes;
  return { parts, info, errors };
}
