// Trajectory rules (DESIGN §4.1–§4.4): sequences, limits, flows and origins, decided against bounded
// per-session state. Conditions are evaluated per part (`hitPart`); `decideTrajectory` then compares the
// hits with the state, and `commit` advances the state, only for an action that runs.

import { run, slotsBase, R_TRUE, R_ERROR } from "./vm";
import { VALUE_BYTES, TAG_NUM, TAG_ABSENT } from "./program";

// Trajectory section (FORMAT.md, "Trajectory").
export let trajBase: usize = 0;
export let recordBytes: u32 = 0;
export let agentRecordBytes: u32 = 0;
export let globalRecordBytes: u32 = 0;
let nSeq: i32 = 0;
let seqBase: usize = 0;
let nLimits: i32 = 0;
let limitsBase: usize = 0;
let nSources: i32 = 0;
let sourcesBase: usize = 0;
let nSinks: i32 = 0;
let sinksBase: usize = 0;
let nControl: i32 = 0;
let controlBase: usize = 0;
let nOriginSources: i32 = 0;
let originSourcesBase: usize = 0;
export let originTop: i32 = 0;

const SEQ_BYTES: usize = 24;
const LIMIT_BYTES: usize = 32;
const SOURCE_BYTES: usize = 16;
const SINK_BYTES: usize = 16;
const CONTROL_BYTES: usize = 16;
const ORIGIN_SOURCE_BYTES: usize = 8;
// Windows are tracked in this many buckets: an event counts for at most `per` plus one bucket, so a
// limit errs toward denying, never toward allowing, in exchange for bounded state.
const BUCKETS: i32 = 16;
const EFFECT_ASK: i32 = 2;

// Per-action scratch, reset by `beginTrajectory`.
let scratch: usize = 0;
let seqHits: usize = 0; // u32 step mask per sequence
let limitHits: usize = 0; // u8 per limit
let sinkHits: usize = 0; // u8 per sink
let controlHits: usize = 0; // u8 per control sink
let limitErr: usize = 0; // u8 per limit: its usage value was not a number
export let sourceLabelsLo: u32 = 0;
export let sourceLabelsHi: u32 = 0;
let originMin: i32 = 0;

// Matched-entry kinds (FORMAT.md, "Results").
export const KIND_SEQ: u32 = 1;
export const KIND_LIMIT: u32 = 2;
export const KIND_SINK: u32 = 3;
export const KIND_CONTROL: u32 = 4;

/** Reads the trajectory section and reserves the per-action scratch. */
export function loadTrajectory(base: usize, scratchPtr: usize): void {
  trajBase = base;
  recordBytes = load<u32>(base);
  agentRecordBytes = load<u32>(base, 4);
  globalRecordBytes = load<u32>(base, 8);
  originTop = load<i32>(base, 12);
  nSeq = <i32>load<u32>(base, 16); seqBase = base + <usize>load<u32>(base, 20);
  nLimits = <i32>load<u32>(base, 24); limitsBase = base + <usize>load<u32>(base, 28);
  nSources = <i32>load<u32>(base, 32); sourcesBase = base + <usize>load<u32>(base, 36);
  nSinks = <i32>load<u32>(base, 40); sinksBase = base + <usize>load<u32>(base, 44);
  nControl = <i32>load<u32>(base, 48); controlBase = base + <usize>load<u32>(base, 52);
  nOriginSources = <i32>load<u32>(base, 56); originSourcesBase = base + <usize>load<u32>(base, 60);
  scratch = scratchPtr;
  seqHits = scratch;
  limitHits = seqHits + <usize>nSeq * 4;
  sinkHits = limitHits + <usize>nLimits;
  controlHits = sinkHits + <usize>nSinks;
  limitErr = controlHits + <usize>nControl;
}

/** Bytes of per-action scratch the section needs (for `reserve`). */
export function scratchBytes(base: usize): usize {
  return <usize>load<u32>(base, 16) * 4 + <usize>load<u32>(base, 24) * 2 + <usize>load<u32>(base, 40) + <usize>load<u32>(base, 48) + 8;
}

/** Clears the per-action scratch before the first part. */
export function beginTrajectory(): void {
  memory.fill(scratch, 0, <usize>nSeq * 4 + <usize>nLimits * 2 + <usize>nSinks + <usize>nControl);
  sourceLabelsLo = 0;
  sourceLabelsHi = 0;
  originMin = originTop;
}

/** True when a condition holds, or errs while guarding a restrictive effect (fail-closed, DESIGN §4). */
@inline function holds(pc: u32, effect: i32): bool {
  const r = run(pc);
  return r == R_TRUE || (r == R_ERROR && effect >= EFFECT_ASK);
}

/**
 * Evaluates the trajectory conditions on the current part; hits accumulate over the parts. A sequence
 * step after the first is evaluated only when the step before it is armed in the session's state: one
 * action never counts as two steps, so an unarmed step's hit could neither advance nor complete anything.
 */
export function hitPart(sess: usize): void {
  for (let s: i32 = 0; s < nSeq; s++) {
    const e = seqBase + <usize>s * SEQ_BYTES;
    const effect = <i32>load<u8>(e);
    const steps = <i32>load<u16>(e, 2);
    const pcs = trajBase + <usize>load<u32>(e, 16);
    const states = sess + <usize>load<u32>(e, 20);
    const h = seqHits + <usize>s * 4;
    let mask = load<u32>(h);
    for (let j: i32 = 0; j < steps; j++) {
      if ((mask & (1 << j)) != 0) continue;
      if (j > 0 && seqStart(states + <usize>(j - 1) * 16) == 0) continue;
      if (holds(load<u32>(pcs + <usize>j * 4), effect)) mask |= 1 << j;
    }
    store<u32>(h, mask);
  }
  for (let l: i32 = 0; l < nLimits; l++) {
    const e = limitsBase + <usize>l * LIMIT_BYTES;
    if (load<u8>(limitHits + l) != 0) continue;
    const hasWhen = load<u8>(e, 3) != 0;
    if (!hasWhen || holds(load<u32>(e, 4), <i32>load<u8>(e, 2))) store<u8>(limitHits + l, 1);
  }
  for (let i: i32 = 0; i < nSources; i++) {
    const e = sourcesBase + <usize>i * SOURCE_BYTES;
    // An erring source condition labels anyway: more taint can only deny more.
    if (run(load<u32>(e)) != 0) {
      sourceLabelsLo |= load<u32>(e, 4);
      sourceLabelsHi |= load<u32>(e, 8);
    }
  }
  for (let i: i32 = 0; i < nSinks; i++) {
    const e = sinksBase + <usize>i * SINK_BYTES;
    if (load<u8>(sinkHits + i) == 0 && holds(load<u32>(e), <i32>load<u8>(e, 13))) store<u8>(sinkHits + i, 1);
  }
  for (let i: i32 = 0; i < nControl; i++) {
    const e = controlBase + <usize>i * CONTROL_BYTES;
    if (load<u8>(controlHits + i) == 0 && holds(load<u32>(e), <i32>load<u8>(e, 8))) store<u8>(controlHits + i, 1);
  }
  for (let i: i32 = 0; i < nOriginSources; i++) {
    const e = originSourcesBase + <usize>i * ORIGIN_SOURCE_BYTES;
    // An erring origin source lowers the floor anyway: a lower origin can only deny more.
    if (run(load<u32>(e)) != 0) {
      const o = load<i32>(e, 4);
      if (o < originMin) originMin = o;
    }
  }
}

// ---- state records (FORMAT.md, "Session state") ----
// session record: +0 u32 flags (bit 0 killed), +4 u32 pos (actions that ran), +8 u64 labels,
// +16 i32 origin floor, +20 u32 0, +24 i32 plan id (-1 none), +28 i32 plan node (-1 at start), +32 the
// approval grants (grants.ts), then sequence and limit state at offsets the compiler assigns.

/** Initialises a fresh session record. */
export function initSession(rec: usize): void {
  memory.fill(rec, 0, recordBytes);
  store<i32>(rec, originTop, 16);
  store<i32>(rec, -1, 24);
  store<i32>(rec, -1, 28);
}

export function isKilled(rec: usize): bool {
  return (load<u32>(rec) & 1) != 0;
}

export function markKilled(rec: usize): void {
  store<u32>(rec, load<u32>(rec) | 1);
}

function limitRecord(e: usize, sess: usize, agent: usize, global: usize): usize {
  const scope = load<u8>(e, 1);
  const base = scope == 0 ? sess : scope == 1 ? agent : global;
  return base + <usize>load<u32>(e, 28);
}

function windowTotal(state: usize, bucketNo: f64): f64 {
  let total: f64 = 0;
  for (let b: i32 = 0; b < BUCKETS; b++) {
    const no = load<f64>(state + <usize>b * 16);
    if (no > bucketNo - <f64>BUCKETS && no <= bucketNo) total += load<f64>(state + <usize>b * 16, 8);
  }
  return total;
}

/** The usage amount a sum limit reads: absent is 0; anything but a number is NaN (the limit errs). */
function usageOf(e: usize): f64 {
  const slot = slotsBase + <usize>load<u16>(e, 24) * VALUE_BYTES;
  const tag = load<i32>(slot);
  if (tag == TAG_ABSENT) return 0;
  if (tag != TAG_NUM) return NaN;
  return load<f64>(slot, 8);
}

/** A trajectory candidate: the best one found by `decideTrajectory`. */
export let trajEffect: i32 = -1;
export let trajCode: i32 = 0;
export let trajIndex: i32 = -1;

function candidate(effect: i32, code: i32, index: i32): void {
  // Strictly greater: among equal effects the earlier kind (sequence, limit, flow, origin) and index wins.
  if (effect > trajEffect) {
    trajEffect = effect; trajCode = code; trajIndex = index;
  }
}

@inline function seqStart(st: usize): u32 { return load<u32>(st); } // position + 1; 0 = none
@inline function withinWindow(e: usize, st: usize, pos: u32, now: f64): bool {
  const within = load<u32>(e, 4);
  const withinMs = load<f64>(e, 8);
  const start = seqStart(st);
  if (start == 0) return false;
  if (within > 0 && pos - (start - 1) + 1 > within) return false;
  if (withinMs >= 0 && now - load<f64>(st, 8) > withinMs) return false;
  return true;
}

/**
 * Finds the most restrictive trajectory outcome for the current action and records every sequence,
 * limit, sink and control sink that fires in the matched buffer (via `record`).
 */
export function decideTrajectory(sess: usize, agent: usize, global: usize, now: f64, valueLo: u32, valueHi: u32, origin: i32,
  repeatKey: f64, record: (kind: u32, index: i32, err: bool) => void): void {
  trajEffect = -1; trajCode = 0; trajIndex = -1;
  const pos = load<u32>(sess, 4);
  for (let s: i32 = 0; s < nSeq; s++) {
    const e = seqBase + <usize>s * SEQ_BYTES;
    const steps = <i32>load<u16>(e, 2);
    const mask = load<u32>(seqHits + <usize>s * 4);
    const last = steps - 1;
    if ((mask & (1 << last)) == 0) continue;
    const fires = steps == 1 || withinWindow(e, sess + <usize>load<u32>(e, 20) + <usize>(last - 1) * 16, pos, now);
    if (fires) {
      record(KIND_SEQ, s, false);
      candidate(<i32>load<u8>(e), 3, s);
    }
  }
  for (let l: i32 = 0; l < nLimits; l++) {
    if (load<u8>(limitHits + l) == 0) continue;
    const e = limitsBase + <usize>l * LIMIT_BYTES;
    const kind = load<u8>(e);
    const max = load<f64>(e, 8);
    const per = load<f64>(e, 16);
    const st = limitRecord(e, sess, agent, global);
    let exceeded = false;
    let err = false;
    if (kind == 2) {
      // repeat: the same canonical action `max` times in a row, this one included.
      exceeded = load<f64>(st) == repeatKey && <f64>(load<u32>(st, 8) + 1) >= max;
    } else {
      const amount = kind == 0 ? 1.0 : usageOf(e);
      if (isNaN(amount)) {
        err = true;
        exceeded = <i32>load<u8>(e, 2) >= EFFECT_ASK;
        store<u8>(limitErr + l, 1);
      } else {
        const total = per > 0 ? windowTotal(st, Math.floor(now / (per / <f64>BUCKETS))) : load<f64>(st);
        exceeded = total + amount > max;
      }
    }
    if (exceeded) {
      record(KIND_LIMIT, l, err);
      candidate(<i32>load<u8>(e, 2), 4, l);
    }
  }
  for (let i: i32 = 0; i < nSinks; i++) {
    if (load<u8>(sinkHits + i) == 0) continue;
    const e = sinksBase + <usize>i * SINK_BYTES;
    const session = load<u8>(e, 12) == 0;
    const lo = valueLo | (session ? load<u32>(sess, 8) : 0);
    const hi = valueHi | (session ? load<u32>(sess, 12) : 0);
    if ((lo & load<u32>(e, 4)) != 0 || (hi & load<u32>(e, 8)) != 0) {
      record(KIND_SINK, i, false);
      candidate(<i32>load<u8>(e, 13), 5, i);
    }
  }
  for (let i: i32 = 0; i < nControl; i++) {
    if (load<u8>(controlHits + i) == 0) continue;
    const e = controlBase + <usize>i * CONTROL_BYTES;
    if (origin < load<i32>(e, 4)) {
      record(KIND_CONTROL, i, false);
      candidate(<i32>load<u8>(e, 8), 6, i);
    }
  }
}

/** Advances the state for an action that runs (DESIGN: trajectory state records only what happened). */
export function commit(sess: usize, agent: usize, global: usize, now: f64, repeatKey: f64): void {
  const pos = load<u32>(sess, 4);
  for (let s: i32 = 0; s < nSeq; s++) {
    const e = seqBase + <usize>s * SEQ_BYTES;
    const steps = <i32>load<u16>(e, 2);
    const mask = load<u32>(seqHits + <usize>s * 4);
    const states = sess + <usize>load<u32>(e, 20);
    // Descending, so that one action never advances two steps of the same sequence.
    for (let j: i32 = steps - 2; j >= 0; j--) {
      if ((mask & (1 << j)) == 0) continue;
      const st = states + <usize>j * 16;
      let start: u32 = 0;
      let time: f64 = 0;
      if (j == 0) {
        start = pos + 1; time = now;
      } else {
        const prev = states + <usize>(j - 1) * 16;
        if (!withinWindow(e, prev, pos, now)) continue;
        start = seqStart(prev); time = load<f64>(prev, 8);
      }
      // Keep the latest start: it has the most of its window left.
      if (seqStart(st) == 0 || start >= seqStart(st) || !withinWindow(e, st, pos, now)) {
        store<u32>(st, start);
        store<f64>(st, time, 8);
      }
    }
  }
  for (let l: i32 = 0; l < nLimits; l++) {
    if (load<u8>(limitHits + l) == 0 || load<u8>(limitErr + l) != 0) continue;
    const e = limitsBase + <usize>l * LIMIT_BYTES;
    const kind = load<u8>(e);
    const per = load<f64>(e, 16);
    const st = limitRecord(e, sess, agent, global);
    if (kind == 2) {
      if (load<f64>(st) == repeatKey) store<u32>(st, load<u32>(st, 8) + 1, 8);
      else {
        store<f64>(st, repeatKey);
        store<u32>(st, 1, 8);
      }
      continue;
    }
    const amount = kind == 0 ? 1.0 : usageOf(e);
    if (per > 0) {
      const bucketNo = Math.floor(now / (per / <f64>BUCKETS));
      const b = st + <usize>(<i32>(bucketNo % <f64>BUCKETS)) * 16;
      if (load<f64>(b) != bucketNo) {
        store<f64>(b, bucketNo);
        store<f64>(b, 0, 8);
      }
      store<f64>(b, load<f64>(b, 8) + amount, 8);
    } else store<f64>(st, load<f64>(st) + amount);
  }
  store<u32>(sess, load<u32>(sess, 8) | sourceLabelsLo, 8);
  store<u32>(sess, load<u32>(sess, 12) | sourceLabelsHi, 12);
  if (originMin < load<i32>(sess, 16)) store<i32>(sess, originMin, 16);
  store<u32>(sess, pos + 1, 4);
}

/** Content of origin `o` reached the session's agent: the floor drops to it. */
export function observeOrigin(sess: usize, o: i32): void {
  if (o < load<i32>(sess, 16)) store<i32>(sess, o, 16);
}

/** An instruction of origin `o`: the floor is the instruction's origin from here on. */
export function instructOrigin(sess: usize, o: i32): void {
  store<i32>(sess, o, 16);
}
