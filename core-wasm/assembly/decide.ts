// One action, end to end: the host writes the inputs and, per part, the field slots; `part` evaluates
// rules and trajectory conditions; `finish` decides against the session state, applies precedence and
// shadow mode, commits the state when the action runs, and marks the session on `kill`.

import { shadowMode, plansRequired } from "./program";
import { beginPlan, planPart, nextNode, onPlanMask, offPlan, planParts } from "./plans";
import { evaluateRules, accEffect, accRule, accCode, essAccEffect, essAccRule, essAccCode, EFFECT_ASK } from "./evaluate";
import {
  beginTrajectory, hitPart, decideTrajectory, commit, isKilled, markKilled, initSession, recordBytes,
  agentRecordBytes, trajEffect, trajCode, trajIndex, sourceLabelsLo, sourceLabelsHi,
} from "./trajectory";
import { recordMatch } from "./matched";
import { reserve } from "./memory";
import { addGrant, useGrant, clearGrants } from "./grants";
import { beginOutputs, outputsPart, outputMask } from "./outputs";

const EFFECT_ALLOW: i32 = 0;
const EFFECT_FLAG: i32 = 1;
const EFFECT_DENY: i32 = 3;
const EFFECT_KILL: i32 = 4;
const CODE_KILLED: i32 = 7;
const CODE_NO_PLAN: i32 = 8;
const CODE_OFF_PLAN: i32 = 9;

// f64 now, u32 labelsLo, u32 labelsHi, i32 lift, i32 explicit, f64 repeatKey, i32 session, i32 agent,
// u32 grantKeyLo, u32 grantKeyHi (FORMAT.md, "Deciding one action").
const INPUT_BYTES: usize = 48;
export let inputs: usize = 0;
export let outputs: usize = 0;
let sessions: usize = 0;
let sessionCap: i32 = 0;
let agents: usize = 0;
let agentCap: i32 = 0;
let globalRecord: usize = 0;
// Parts evaluated for the current action, to check that the plan saw every one of them.
let parts: i32 = 0;

/** Reserves the input and output areas and the global record. */
export function setupDecide(globalBytes: u32): void {
  inputs = reserve(INPUT_BYTES);
  outputs = reserve(16);
  globalRecord = reserve(<usize>(globalBytes > 0 ? globalBytes : <u32>8));
  memory.fill(globalRecord, 0, <usize>globalBytes);
}

// The runtime is a bump allocator: an area that is not the last allocation cannot be given back. A
// record area that is the last one (the common case: a burst of new sessions) grows in place; another
// is copied to a new area and the old one stays reserved, which doubling bounds to as much again as the
// live records. Either way an allocation that cannot get memory traps before it changes anything, and
// the caller assigns the area only after it is filled.
function grow(base: usize, cap: i32, want: i32, bytes: u32): usize {
  const size = <usize>want * <usize>bytes;
  const next = cap > 0 ? heap.realloc(base, size) : reserve(size);
  memory.fill(next + <usize>cap * <usize>bytes, 0, <usize>(want - cap) * <usize>bytes);
  return next;
}

/** Makes room for `want` session records; new records are initialised. */
export function ensureSessions(want: i32): void {
  if (want <= sessionCap) return;
  sessions = grow(sessions, sessionCap, want, recordBytes);
  for (let i = sessionCap; i < want; i++) initSession(sessions + <usize>i * recordBytes);
  sessionCap = want;
}

/** Makes room for `want` agent records (zeroed). */
export function ensureAgents(want: i32): void {
  if (want <= agentCap) return;
  agents = grow(agents, agentCap, want, agentRecordBytes > 0 ? agentRecordBytes : <u32>8);
  agentCap = want;
}

export function sessionRecord(i: i32): usize {
  // Every write to a record goes through here; an index outside the records would write over whatever
  // lies next (the program's tables among it): a trap instead, which the host turns into a deny.
  if (i < 0 || i >= sessionCap) unreachable();
  return sessions + <usize>i * recordBytes;
}

export function resetSessionAt(i: i32): void {
  initSession(sessionRecord(i));
}

function agentRecord(i: i32): usize {
  if (i < 0) return globalRecord;
  // As for session records: an index past the records would read or write whatever lies next.
  if (i >= agentCap) unreachable();
  return agents + <usize>i * <usize>(agentRecordBytes > 0 ? agentRecordBytes : <u32>8);
}

/** Address of agent record `i` (for moving state to a fresh instance). */
export function agentRecordPtr(i: i32): usize {
  return agentRecord(i);
}

/** Address of the global record. */
export function globalPtr(): usize {
  return globalRecord;
}

/** Evaluates one part; `first = 1` for the first part of an action. */
export function part(first: i32): void {
  evaluateRules(first ? 0 : 1);
  if (first) {
    beginTrajectory();
    beginPlan();
    beginOutputs();
    parts = 0;
  }
  parts++;
  outputsPart();
  // The inputs (session slot included) are written before the first part.
  hitPart(sessionRecord(load<i32>(inputs, 32)));
}

/** Evaluates session `i`'s plan frontier on the current part (the host filled the plan's slots). */
export function sessionPlanPart(i: i32): void {
  const sess = sessionRecord(i);
  const plan = load<i32>(sess, 24);
  if (plan >= 0) planPart(plan, load<i32>(sess, 28));
}

/** Installs plan `plan` for session `i`, at its start. */
export function setSessionPlan(i: i32, plan: i32): void {
  const sess = sessionRecord(i);
  store<i32>(sess, plan, 24);
  store<i32>(sess, -1, 28);
}

/** Decides the action whose parts were evaluated. See FORMAT.md, "Results". */
export function finish(): i32 {
  const now = load<f64>(inputs);
  const sess = sessionRecord(load<i32>(inputs, 32));
  const agent = agentRecord(load<i32>(inputs, 36));
  store<u32>(outputs, 0);
  store<u32>(outputs, 0, 4);
  store<u32>(outputs, 0, 8);
  store<u32>(outputs, 0, 12);
  if (isKilled(sess)) return pack(EFFECT_DENY, CODE_KILLED, shadowMode ? 0 : 1, -1);

  const floor = load<i32>(sess, 16);
  const lift = load<i32>(inputs, 16);
  const explicit = load<i32>(inputs, 20);
  let origin = lift > floor ? lift : floor;
  if (explicit >= 0 && explicit < origin) origin = explicit;
  const repeatKey = load<f64>(inputs, 24);
  decideTrajectory(sess, agent, globalRecord, now, load<u32>(inputs, 8), load<u32>(inputs, 12), origin, repeatKey, recordMatch);

  let effect = accEffect;
  let code = accCode;
  let index = accRule;
  if (trajEffect > effect) {
    effect = trajEffect; code = trajCode; index = trajIndex;
  }
  // No plan where one is required, or an action off the plan: denied unless something kills it.
  const plan = load<i32>(sess, 24);
  const planCode = plan < 0 ? (plansRequired ? CODE_NO_PLAN : 0) : (offPlan || onPlanMask == 0 || planParts != parts ? CODE_OFF_PLAN : 0);
  if (planCode != 0 && effect < EFFECT_KILL) {
    effect = EFFECT_DENY; code = planCode; index = -1;
  }
  const full = effect;
  let enforced = 1;
  if (shadowMode) {
    if (essAccEffect >= EFFECT_ASK) {
      effect = essAccEffect; code = essAccCode; index = essAccRule;
    } else enforced = 0;
  }
  // An approval granted for this very action lets an enforced `ask` through, and only that: a once-grant
  // is not spent on an `ask` that shadow mode does not enforce.
  let granted = 0;
  if (enforced == 1 && effect == EFFECT_ASK && useGrant(sess, load<u32>(inputs, 40), load<u32>(inputs, 44), now)) {
    effect = EFFECT_ALLOW;
    granted = 1;
  }
  if (enforced == 0 || effect <= EFFECT_FLAG) {
    commit(sess, agent, globalRecord, now, repeatKey);
    if (plan >= 0 && planCode == 0) store<i32>(sess, nextNode(), 28);
    store<u32>(outputs, sourceLabelsLo);
    store<u32>(outputs, sourceLabelsHi, 4);
    store<u32>(outputs, 1, 8);
    store<u32>(outputs, outputMask, 12);
  }
  // A kill marks the session even in shadow mode, so that the record shows what enforcement would do.
  if (full == EFFECT_KILL) markKilled(sess);
  return pack(effect, code, enforced, index) | (granted << 9);
}

function pack(effect: i32, code: i32, enforced: i32, index: i32): i32 {
  return effect | (code << 4) | (enforced << 8) | ((index + 1) << 16);
}

/** Grants session `i` an approval for the action with key (lo, hi) until `until` (FORMAT.md, "Grants"). */
export function grant(i: i32, lo: u32, hi: u32, until: f64, once: i32): void {
  addGrant(sessionRecord(i), lo, hi, until, once != 0);
}

/** Withdraws every grant of session `i`. */
export function revokeGrants(i: i32): void {
  clearGrants(sessionRecord(i));
}
