// Hot reload's state map: which parts of a session's (and an agent's, and the global) engine record
// mean the same under the new policy as under the old, and where they live in each layout. A part is
// carried only when that is certain; everything else starts afresh (docs/policy.md, "Hot reload").

import canonicalize from "canonicalize";
import type { CompiledPolicy } from "../compile/compile.js";
import { compileTrajectory, type TrajectoryParts } from "../compile/trajectory.js";
import { HEURISTICS } from "../packs/heuristics.js";
import { documentOf } from "../policy/load.js";
import { parseDuration } from "../policy/shape.js";
import type { PolicyDoc } from "../policy/types.js";

/** Byte ranges to copy from an old record into a new one: `[from, to, length]`. */
type Copies = [number, number, number][];

/** What carries from records written under `old` to records read under `next`. */
export interface CarryMap {
  session: Copies;
  agent: Copies;
  global: Copies;
  /** New label bit of each old label bit, or -1: labels carry by name. */
  labels: number[];
  /** New origin index of each old one, or -1: origins carry by name. */
  origins: number[];
  /** Ids of the sequences and limits whose state carries, and of those whose state is dropped. */
  carried: string[];
  dropped: string[];
}

/**
 * Where each part of the old records goes under the new policy. A sequence or limit carries when one
 * with its id is in both policies and its definition (everything but `effect`, `reason` and `max`,
 * plus the entries of every set its conditions name) is the same; without both documents (a policy not
 * compiled by `loadPolicy`) nothing of the trajectory carries.
 *
 * @example
 * const map = carryMap(guard.policy, next);
 */
export function carryMap(old: CompiledPolicy, next: CompiledPolicy): CarryMap {
  const map: CarryMap = {
    session: [], agent: [], global: [],
    labels: old.trajectory.labels.map((l) => next.trajectory.labels.indexOf(l)),
    origins: old.trajectory.origins.map((o) => next.trajectory.origins.indexOf(o)),
    carried: [], dropped: [],
  };
  const a = documentOf(old);
  const b = documentOf(next);
  const before = a ? layout(a) : undefined;
  const after = b ? layout(b) : undefined;
  const oldIds = [...old.trajectory.sequences, ...old.trajectory.limits].map((e) => e.id);
  if (!a || !b || !before || !after) {
    map.dropped = oldIds;
    return map;
  }
  const seqA = sequencesOf(a);
  const seqB = sequencesOf(b);
  seqA.forEach((s, i) => {
    const j = seqB.findIndex((t) => t.id === s.id);
    if (j < 0 || fingerprint(a, sequenceDefinition(s)) !== fingerprint(b, sequenceDefinition(seqB[j]!))) return void map.dropped.push(s.id);
    const len = 16 * Math.max(0, s.steps.length - 1);
    if (len > 0) map.session.push([before.sequences[i]!.stateOff, after.sequences[j]!.stateOff, len]);
    map.carried.push(s.id);
  });
  const limA = a.limits ?? [];
  const limB = b.limits ?? [];
  limA.forEach((l, i) => {
    const j = limB.findIndex((m) => m.id === l.id);
    const from = before.limits[i]!;
    if (j < 0 || fingerprint(a, limitDefinition(l)) !== fingerprint(b, limitDefinition(limB[j]!))) return void map.dropped.push(l.id);
    const to = after.limits[j]!;
    // Same kind, window and scope (part of the definition): the same state size, read the same way.
    const len = from.kind !== 2 && from.perMs > 0 ? 16 * 16 : 16;
    (from.scope === 0 ? map.session : from.scope === 1 ? map.agent : map.global).push([from.stateOff, to.stateOff, len]);
    map.carried.push(l.id);
  });
  return map;
}

/**
 * A session record for the new policy: `fresh` (the new engine's empty record) with what `old` carries:
 * the kill mark, the count of actions that ran (sequence windows count from it), labels and the origin
 * floor by name, and the state of unchanged sequences and limits. Grants and the plan are not copied.
 */
export function carrySession(old: Uint8Array, fresh: Uint8Array, map: CarryMap): Uint8Array {
  const out = fresh.slice();
  const from = new DataView(old.buffer, old.byteOffset, old.byteLength);
  const to = new DataView(out.buffer);
  // Bit 0 of the flags is the kill mark: a killed session stays killed whatever the policy.
  to.setUint32(0, (to.getUint32(0, true) & ~1) | (from.getUint32(0, true) & 1), true);
  to.setUint32(4, from.getUint32(4, true), true);
  to.setBigUint64(8, carryLabels(from.getBigUint64(8, true), map), true);
  // An origin the new order does not name (or none before: nothing was tracked) is read as the lowest:
  // the floor can only end up too low (refusing more), never too high.
  const floor = map.origins[from.getInt32(16, true)];
  to.setInt32(16, floor !== undefined && floor >= 0 ? floor : 0, true);
  copy(old, out, map.session);
  return out;
}

/** An agent or global record for the new policy: `fresh` with the state of unchanged limits. */
export function carryRecord(old: Uint8Array, fresh: Uint8Array, copies: Copies): Uint8Array {
  const out = fresh.slice();
  copy(old, out, copies);
  return out;
}

/** New label mask of an old one (labels by name; those the new policy lacks are dropped). */
export function carryLabels(mask: bigint, map: CarryMap): bigint {
  let out = 0n;
  map.labels.forEach((bit, i) => {
    if (bit >= 0 && (mask >> BigInt(i)) & 1n) out |= 1n << BigInt(bit);
  });
  return out;
}

function copy(src: Uint8Array, dst: Uint8Array, copies: Copies): void {
  for (const [from, to, len] of copies) {
    if (from + len > src.length || to + len > dst.length) throw new RangeError("a carried range is outside its record");
    dst.set(src.subarray(from, from + len), to);
  }
}

function sequencesOf(doc: PolicyDoc): NonNullable<PolicyDoc["sequences"]> {
  return [...(doc.extends?.includes("heuristics") ? HEURISTICS : []), ...(doc.sequences ?? [])];
}

/** The engine layout of a document's trajectory records (the compiler's own, with conditions left out). */
function layout(doc: PolicyDoc): TrajectoryParts | undefined {
  const heuristics = doc.extends?.includes("heuristics") ? HEURISTICS : [];
  const withPacks = heuristics.length > 0 ? { ...doc, sequences: sequencesOf(doc) } : doc;
  const r = compileTrajectory(withPacks, () => 0, () => 0, heuristics.length);
  return r.errors.length ? undefined : r.parts;
}

function sequenceDefinition(s: NonNullable<PolicyDoc["sequences"]>[number]): unknown {
  return { steps: s.steps.map((st) => st.when), within: s.within ?? null, within_ms: s.within_ms ?? null };
}

function limitDefinition(l: NonNullable<PolicyDoc["limits"]>[number]): unknown {
  return {
    when: l.when ?? null, sum: l.sum ?? null, repeat: l.repeat !== undefined, scope: l.scope ?? "session",
    per: l.per !== undefined ? parseDuration(l.per) ?? null : null,
  };
}

// `sets.NAME` in a condition's text; a match inside a string literal only makes the fingerprint stricter.
const SET_REF = /\bsets\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)/g;

/** A definition with the entries of every set its text names: a changed set changes what it matches. */
function fingerprint(doc: PolicyDoc, def: unknown): string {
  const text = JSON.stringify(def);
  const sets: Record<string, unknown> = {};
  for (const m of text.matchAll(SET_REF)) sets[m[1]!] = doc.sets?.[m[1]!] ?? null;
  return canonicalize({ def, sets }) ?? "";
}
