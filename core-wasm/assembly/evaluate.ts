// The rule loop: pick the candidate rules through the index, evaluate each, apply the fail-closed error
// semantics and the fixed precedence kill > deny > ask > flag > allow (DESIGN §4), then `default`.

import {
  nRules, rulesBase, indexBase, defaultEffect, RULE_BYTES, KEY_BYTES, BUCKET_BYTES, MAX_KEYS,
  VALUE_BYTES, TAG_STR,
} from "./program";
import { run, slotsBase, R_TRUE, R_ERROR } from "./vm";
import { recordMatch, clearMatched } from "./matched";

export const EFFECT_ASK: i32 = 2;
export const CODE_DEFAULT: i32 = 0;
const CODE_RULE: i32 = 1;
const CODE_EVAL_ERROR: i32 = 2;
const NO_LIST: u32 = 0xffffffff;


// The best decision of the current part, over all rules and over the essential pack alone.
let bestEffect: i32 = -1;
let bestRule: i32 = -1;
let bestCode: i32 = 0;
let essEffect: i32 = -1;
let essRule: i32 = -1;
let essCode: i32 = 0;

// The accumulated decision over the parts of one action: each part is decided on its own (its own
// default included) and the most restrictive part wins; `essAcc*` tracks the essential pack's blocking
// decisions alone, which enforce even in shadow mode.
export let accEffect: i32 = -1;
export let accRule: i32 = -1;
export let accCode: i32 = 0;
export let essAccEffect: i32 = -1;
export let essAccRule: i32 = -1;
export let essAccCode: i32 = 0;

// Cursors of the candidate lists: [0] unindexed, [1..] one per index key whose bucket matched.
const listPtr = new StaticArray<usize>(MAX_KEYS + 1);
const listLen = new StaticArray<u32>(MAX_KEYS + 1);
const listPos = new StaticArray<u32>(MAX_KEYS + 1);

function fnv1a(p: usize, n: u32): u32 {
  // FNV-1a, 32-bit: the compiler hashes keys the same way (packages/core/src/compile/index-rules.ts).
  let h: u32 = 0x811c9dc5;
  for (let i: u32 = 0; i < n; i++) {
    h ^= <u32>load<u8>(p + i);
    h *= 0x01000193;
  }
  return h;
}

function keyEqual(a: usize, b: usize, n: u32): bool {
  for (let i: u32 = 0; i < n; i++) if (load<u8>(a + i) != load<u8>(b + i)) return false;
  return true;
}

/** Finds the rule list of the bucket whose key equals the slot's string value, or sets length 0. */
function lookup(key: usize, list: i32): void {
  unchecked(listLen[list] = 0);
  const slot = slotsBase + <usize>load<u32>(key) * VALUE_BYTES;
  if (load<i32>(slot) != TAG_STR) return;
  const p = <usize>load<u32>(slot, 8);
  const n = load<u32>(slot, 12);
  const buckets = <usize>load<u32>(key, 4);
  const mask = load<u32>(key, 8) - 1;
  let b = fnv1a(p, n) & mask;
  // Linear probing over a table the compiler keeps at most half full, so the loop is short and ends.
  for (let probes: u32 = 0; probes <= mask; probes++) {
    const e = buckets + <usize>b * BUCKET_BYTES;
    const kn = load<u32>(e, 4);
    if (kn == NO_LIST) return;
    if (kn == n && keyEqual(<usize>load<u32>(e), p, n)) {
      unchecked(listPtr[list] = <usize>load<u32>(e, 8));
      unchecked(listLen[list] = load<u32>(e, 12));
      return;
    }
    b = (b + 1) & mask;
  }
}

function consider(rule: i32, effect: i32, essential: bool, byError: bool): void {
  const code = byError ? CODE_EVAL_ERROR : CODE_RULE;
  // Strictly greater: among rules of equal effect the first in policy order decides.
  if (effect > bestEffect || (effect == bestEffect && rule < bestRule)) {
    bestEffect = effect; bestRule = rule; bestCode = code;
  }
  if (essential && (effect > essEffect || (effect == essEffect && rule < essRule))) {
    essEffect = effect; essRule = rule; essCode = code;
  }
}

function evaluateRule(r: i32): void {
  const rule = rulesBase + <usize>r * RULE_BYTES;
  const effect = <i32>load<u8>(rule);
  const flags = load<u8>(rule, 1);
  const restrictive = effect >= EFFECT_ASK;
  const w = run(load<u32>(rule, 4));
  let byError = false;
  if (w != R_TRUE) {
    // An erring `when` never makes an action more permitted (DESIGN §4).
    if (w != R_ERROR || !restrictive) return;
    byError = true;
  }
  if (flags & 2) {
    const u = run(load<u32>(rule, 8));
    if (u == R_TRUE) return;
    if (u == R_ERROR) {
      // An erring `unless` never narrows a restrictive rule and always narrows a permissive one.
      if (!restrictive) return;
      byError = true;
    }
  }
  recordMatch(0, r, byError);
  consider(r, effect, (flags & 1) != 0, byError);
}

/** Evaluates the rules on the part in the field slots, folding the result into the action's. */
export function evaluateRules(accumulate: i32): void {
  if (accumulate == 0) {
    accEffect = -1; accRule = -1; accCode = 0;
    essAccEffect = -1; essAccRule = -1; essAccCode = 0;
    clearMatched();
  }
  bestEffect = -1; bestRule = -1; bestCode = 0;
  essEffect = -1; essRule = -1; essCode = 0;
  unchecked(listPtr[0] = <usize>load<u32>(indexBase, 4));
  unchecked(listLen[0] = load<u32>(indexBase));
  const nKeys = <i32>load<u32>(indexBase, 8);
  for (let k: i32 = 0; k < nKeys; k++) lookup(indexBase + 12 + <usize>k * KEY_BYTES, k + 1);
  for (let l: i32 = 0; l <= nKeys; l++) unchecked(listPos[l] = 0);

  // Merge the sorted candidate lists so rules are evaluated, and recorded, in policy order.
  while (true) {
    let pick: i32 = -1;
    let min: u32 = 0xffffffff;
    for (let l: i32 = 0; l <= nKeys; l++) {
      const pos = unchecked(listPos[l]);
      if (pos < unchecked(listLen[l])) {
        const r = <u32>load<u16>(unchecked(listPtr[l]) + (<usize>pos << 1));
        if (r < min) { min = r; pick = l; }
      }
    }
    if (pick < 0) break;
    unchecked(listPos[pick] = unchecked(listPos[pick]) + 1);
    if (<i32>min < nRules) evaluateRule(<i32>min);
  }
  accumulatePart();
}

/** Folds this part's rule decision into the action's (each part with its own default). */
function accumulatePart(): void {
  let effect = bestEffect;
  let rule = bestRule;
  let code = bestCode;
  if (effect < 0) {
    effect = defaultEffect; rule = -1; code = CODE_DEFAULT;
  }
  // Strictly greater: between parts of equal effect the first part's decision stands.
  if (effect > accEffect) {
    accEffect = effect; accRule = rule; accCode = code;
  }
  // The essential pack cannot be weakened, not even by shadow mode: its blocking rules still enforce.
  if (essEffect >= EFFECT_ASK && essEffect > essAccEffect) {
    essAccEffect = essEffect; essAccRule = essRule; essAccCode = essCode;
  }
}
