// Sealed plans (DESIGN §4.5). A plan is compiled by the host into a program whose rules are the plan's
// nodes, plus an adjacency table; its signature is checked by the host before it gets here. Each action
// of a session with a plan must match a node on the frontier (the successors of its current node).

import { reserve } from "./memory";
import { MAGIC, VALUE_BYTES, RULE_BYTES, relocateValue, relocateDfas } from "./program";
import { run, useTables, usePolicyTables, R_TRUE } from "./vm";

// Plan record in the registry: code, consts, dfas, rules, slots, edges bases, then counts.
const PLAN_BYTES: usize = 32;
// Nodes are bits of a u64 frontier mask.
export const MAX_NODES: i32 = 63;
// The registry's capacity; the host installs each distinct plan once.
const MAX_PLANS: i32 = 4096;

let registry: usize = 0;
let nPlans: i32 = 0;
// Per action: nodes matched by every part so far, whether any part matched none, and how many parts the
// frontier was evaluated on (an action whose parts were not all checked is off the plan).
export let onPlanMask: u64 = 0;
export let offPlan: bool = false;
export let planParts: i32 = 0;

function rec(id: i32): usize { return registry + <usize>id * PLAN_BYTES; }

/**
 * Installs a plan program (FORMAT.md, "Plans") written at `ptr`; returns its id, or -1 when it is not a
 * valid plan program or the registry is full.
 */
export function installPlan(ptr: usize, length: u32): i32 {
  if (registry == 0) registry = reserve(<usize>MAX_PLANS * PLAN_BYTES);
  if (nPlans >= MAX_PLANS || length < 64 || load<u32>(ptr) != MAGIC || load<u32>(ptr, 56) != length) return -1;
  const nodes = <i32>load<u32>(ptr, 12);
  if (nodes < 1 || nodes > MAX_NODES) return -1;
  const nSlots = <i32>load<u32>(ptr, 8);
  const nConsts = <i32>load<u32>(ptr, 16);
  const consts = ptr + <usize>load<u32>(ptr, 36);
  for (let i: i32 = 0; i < nConsts; i++) relocateValue(consts + <usize>i * VALUE_BYTES, ptr);
  const dfas = ptr + <usize>load<u32>(ptr, 40);
  relocateDfas(dfas, <i32>load<u32>(ptr, 20), ptr);
  const r = rec(nPlans);
  store<u32>(r, <u32>(ptr + <usize>load<u32>(ptr, 44)));       // code
  store<u32>(r, <u32>consts, 4);
  store<u32>(r, <u32>dfas, 8);
  store<u32>(r, <u32>(ptr + <usize>load<u32>(ptr, 32)), 12);   // rules = nodes
  store<u32>(r, <u32>reserve(<usize>(<i32>(nSlots > 0 ? nSlots : 1)) * VALUE_BYTES), 16);
  store<u32>(r, <u32>(ptr + <usize>load<u32>(ptr, 60)), 20);   // edges: (nodes + 1) × u64, last row = start
  store<u32>(r, <u32>nodes, 24);
  return nPlans++;
}

/** Address of a plan's slot buffer, which the host fills per part. */
export function planSlots(id: i32): usize {
  return <usize>load<u32>(rec(id), 16);
}

function frontier(id: i32, node: i32): u64 {
  const r = rec(id);
  const nodes = <i32>load<u32>(r, 24);
  const row = node < 0 ? nodes : node;
  return load<u64>(<usize>load<u32>(r, 20) + <usize>row * 8);
}

/** Clears the per-action plan state. */
export function beginPlan(): void {
  onPlanMask = 0xffffffffffffffff;
  offPlan = false;
  planParts = 0;
}

/** Evaluates the frontier of plan `id` at `node` on the current part (its fields in the plan's slots). */
export function planPart(id: i32, node: i32): void {
  const r = rec(id);
  const front = frontier(id, node);
  const rules = <usize>load<u32>(r, 12);
  useTables(<usize>load<u32>(r), <usize>load<u32>(r, 4), <usize>load<u32>(r, 8), <usize>load<u32>(r, 16));
  let hit: u64 = 0;
  const nodes = <i32>load<u32>(r, 24);
  for (let i: i32 = 0; i < nodes; i++) {
    // An erring node condition never puts an action on the plan.
    if ((front & (<u64>1 << <u64>i)) != 0 && run(load<u32>(rules + <usize>i * RULE_BYTES, 4)) == R_TRUE) hit |= <u64>1 << <u64>i;
  }
  usePolicyTables();
  planParts++;
  if (hit == 0) offPlan = true;
  onPlanMask &= hit;
}

/** The node an on-plan action moves to: the first node every part matched. */
export function nextNode(): i32 {
  return onPlanMask == 0 ? -1 : <i32>ctz(onPlanMask);
}
