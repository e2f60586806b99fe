// The condition interpreter: a stack machine over 16-byte values (FORMAT.md, "Bytecode").
// Every operation is total: a value it cannot handle becomes an error value, never a trap, so that the
// rule loop can apply the fail-closed error semantics of DESIGN §4.

import {
  codeBase as mainCode, constsBase as mainConsts, dfasBase as mainDfas, VALUE_BYTES, DFA_BYTES,
  TAG_ABSENT, TAG_NULL, TAG_BOOL, TAG_NUM, TAG_STR, TAG_LIST, TAG_MAP, TAG_ERROR,
} from "./program";

export let slotsBase: usize = 0;
export let stackBase: usize = 0;
// The tables conditions read: the policy's, or a sealed plan's while its nodes are evaluated.
let codeBase: usize = 0;
let constsBase: usize = 0;
let dfasBase: usize = 0;
let mainSlots: usize = 0;

export function setSlots(p: usize): void { slotsBase = p; mainSlots = p; }

/** Points the interpreter at the policy's tables (after `loadProgram`). */
export function usePolicyTables(): void {
  codeBase = mainCode; constsBase = mainConsts; dfasBase = mainDfas; slotsBase = mainSlots;
}

/** Points the interpreter at a plan's tables and slots, until `usePolicyTables`. */
export function useTables(code: usize, consts: usize, dfas: usize, slots: usize): void {
  codeBase = code; constsBase = consts; dfasBase = dfas; slotsBase = slots;
}
export function setStack(p: usize): void { stackBase = p; }

// Truth of a condition's result.
export const R_FALSE: i32 = 0;
export const R_TRUE: i32 = 1;
export const R_ERROR: i32 = 2;

@inline function at(sp: i32): usize { return stackBase + <usize>sp * VALUE_BYTES; }
@inline function copyValue(dst: usize, src: usize): void {
  store<u64>(dst, load<u64>(src));
  store<u64>(dst, load<u64>(src, 8), 8);
}
@inline function setBool(v: usize, b: bool): void {
  store<i32>(v, TAG_BOOL);
  store<f64>(v, b ? 1.0 : 0.0, 8);
}
@inline function setTag(v: usize, tag: i32): void { store<i32>(v, tag); }

/** Truth of a value in boolean context: absent is false; anything but a bool is an error. */
@inline function truth(v: usize): i32 {
  const tag = load<i32>(v);
  if (tag == TAG_BOOL) return load<f64>(v, 8) != 0.0 ? R_TRUE : R_FALSE;
  if (tag == TAG_ABSENT) return R_FALSE;
  return R_ERROR;
}

function bytesEqual(a: usize, b: usize, n: u32): bool {
  let i: u32 = 0;
  // 8 bytes at a time: strings compared here are host names, tool names and paths.
  while (i + 8 <= n) {
    if (load<u64>(a + i) != load<u64>(b + i)) return false;
    i += 8;
  }
  while (i < n) {
    if (load<u8>(a + i) != load<u8>(b + i)) return false;
    i++;
  }
  return true;
}

function bytesCompare(a: usize, an: u32, b: usize, bn: u32): i32 {
  const n = an < bn ? an : bn;
  for (let i: u32 = 0; i < n; i++) {
    const x = <i32>load<u8>(a + i);
    const y = <i32>load<u8>(b + i);
    if (x != y) return x < y ? -1 : 1;
  }
  return an == bn ? 0 : (an < bn ? -1 : 1);
}

// Equality outcome: 0 unequal, 1 equal, 2 incomparable.
function equality(a: usize, b: usize): i32 {
  const ta = load<i32>(a);
  const tb = load<i32>(b);
  if (ta == TAG_NULL || tb == TAG_NULL) return ta == tb ? 1 : 0;
  if (ta != tb) return 2;
  if (ta == TAG_NUM || ta == TAG_BOOL) return load<f64>(a, 8) == load<f64>(b, 8) ? 1 : 0;
  if (ta == TAG_STR) {
    const n = load<u32>(a, 12);
    if (n != load<u32>(b, 12)) return 0;
    return bytesEqual(<usize>load<u32>(a, 8), <usize>load<u32>(b, 8), n) ? 1 : 0;
  }
  return 2;
}

// Ordering outcome: -1, 0, 1, or 2 for incomparable.
function ordering(a: usize, b: usize): i32 {
  const ta = load<i32>(a);
  const tb = load<i32>(b);
  if (ta != tb) return 2;
  if (ta == TAG_NUM) {
    const x = load<f64>(a, 8);
    const y = load<f64>(b, 8);
    if (x < y) return -1;
    if (x > y) return 1;
    if (x == y) return 0;
    return 2; // NaN orders with nothing
  }
  if (ta == TAG_STR) {
    return bytesCompare(<usize>load<u32>(a, 8), load<u32>(a, 12), <usize>load<u32>(b, 8), load<u32>(b, 12));
  }
  return 2;
}

/** Runs an automaton over `n` bytes at `p` (FORMAT.md, "Automata"). */
export function runDfa(dfa: usize, p: usize, n: u32): bool {
  const classCount = load<u32>(dfa, 4);
  const classes = <usize>load<u32>(dfa, 8);
  const trans = <usize>load<u32>(dfa, 12);
  const accept = <usize>load<u32>(dfa, 16);
  let s = load<u32>(dfa, 20);
  for (let i: u32 = 0; i < n; i++) {
    const c = <u32>load<u8>(classes + <usize>load<u8>(p + i));
    s = <u32>load<u16>(trans + (<usize>(s * classCount + c) << 1));
    if (s <= 1) return s == 1;
  }
  return load<u8>(accept + s) != 0;
}

function codePoints(p: usize, n: u32): f64 {
  let count: u32 = 0;
  // UTF-8: every byte that is not a continuation byte (10xxxxxx) starts a code point.
  for (let i: u32 = 0; i < n; i++) if ((load<u8>(p + i) & 0xc0) != 0x80) count++;
  return <f64>count;
}

function stringPredicate(op: u8, a: usize, b: usize): bool {
  const ap = <usize>load<u32>(a, 8);
  const an = load<u32>(a, 12);
  const bp = <usize>load<u32>(b, 8);
  const bn = load<u32>(b, 12);
  if (bn > an) return false;
  if (op == 18) return bytesEqual(ap, bp, bn);
  if (op == 19) return bytesEqual(ap + an - bn, bp, bn);
  if (bn == 0) return true;
  // contains: the needles are short literals, so a plain scan stays well within the linear budget
  // for the field sizes the host accepts.
  const first = load<u8>(bp);
  const last = an - bn;
  for (let i: u32 = 0; i <= last; i++) {
    if (load<u8>(ap + i) == first && bytesEqual(ap + i, bp, bn)) return true;
  }
  return false;
}

function inList(x: usize, list: usize): i32 {
  const tx = load<i32>(x);
  if (tx == TAG_LIST || tx == TAG_MAP || tx == TAG_ERROR) return R_ERROR;
  const items = <usize>load<u32>(list, 8);
  const n = load<u32>(list, 12);
  for (let i: u32 = 0; i < n; i++) {
    if (equality(x, items + <usize>i * VALUE_BYTES) == 1) return R_TRUE;
  }
  return R_FALSE;
}

/** Evaluates the condition starting at `pc`; returns R_TRUE, R_FALSE or R_ERROR. */
export function run(startPc: u32): i32 {
  let pc = codeBase + <usize>startPc;
  let sp: i32 = -1;
  while (true) {
    const op = load<u8>(pc);
    switch (op) {
      case 1: { // CONST
        sp++;
        copyValue(at(sp), constsBase + <usize>load<u16>(pc, 1) * VALUE_BYTES);
        pc += 3;
        break;
      }
      case 2: { // LOAD
        sp++;
        copyValue(at(sp), slotsBase + <usize>load<u16>(pc, 1) * VALUE_BYTES);
        pc += 3;
        break;
      }
      case 3: { // HAS
        sp++;
        setBool(at(sp), load<i32>(slotsBase + <usize>load<u16>(pc, 1) * VALUE_BYTES) != TAG_ABSENT);
        pc += 3;
        break;
      }
      case 4: { // NOT
        const v = at(sp);
        const t = truth(v);
        if (t == R_ERROR) setTag(v, TAG_ERROR); else setBool(v, t == R_FALSE);
        pc += 1;
        break;
      }
      case 5: { // AND_L
        const v = at(sp);
        if (truth(v) == R_FALSE) {
          setBool(v, false);
          pc = codeBase + <usize>load<u32>(pc, 1);
        } else pc += 5;
        break;
      }
      case 6: { // AND_R
        const r = truth(at(sp));
        sp--;
        const l = truth(at(sp));
        if (l == R_FALSE || r == R_FALSE) setBool(at(sp), false);
        else if (l == R_ERROR || r == R_ERROR) setTag(at(sp), TAG_ERROR);
        else setBool(at(sp), true);
        pc += 1;
        break;
      }
      case 7: { // OR_L
        if (truth(at(sp)) == R_TRUE) pc = codeBase + <usize>load<u32>(pc, 1);
        else pc += 5;
        break;
      }
      case 8: { // OR_R
        const r = truth(at(sp));
        sp--;
        const l = truth(at(sp));
        if (l == R_TRUE || r == R_TRUE) setBool(at(sp), true);
        else if (l == R_ERROR || r == R_ERROR) setTag(at(sp), TAG_ERROR);
        else setBool(at(sp), false);
        pc += 1;
        break;
      }
      case 9: case 10: case 11: case 12: case 13: case 14: { // EQ NE LT LE GT GE
        const b = at(sp);
        sp--;
        const a = at(sp);
        const ta = load<i32>(a);
        const tb = load<i32>(b);
        if (ta == TAG_ERROR || tb == TAG_ERROR) setTag(a, TAG_ERROR);
        else if (ta == TAG_ABSENT || tb == TAG_ABSENT) setBool(a, false);
        else if (op <= 10) {
          const e = equality(a, b);
          if (e == 2) setTag(a, TAG_ERROR); else setBool(a, (e == 1) == (op == 9));
        } else {
          const o = ordering(a, b);
          if (o == 2) setTag(a, TAG_ERROR);
          else setBool(a, op == 11 ? o < 0 : op == 12 ? o <= 0 : op == 13 ? o > 0 : o >= 0);
        }
        pc += 1;
        break;
      }
      case 15: case 21: { // IN_DFA, MATCH
        const v = at(sp);
        const tag = load<i32>(v);
        if (tag == TAG_STR) {
          const dfa = dfasBase + <usize>load<u16>(pc, 1) * DFA_BYTES;
          setBool(v, runDfa(dfa, <usize>load<u32>(v, 8), load<u32>(v, 12)));
        } else if (tag == TAG_ABSENT) setBool(v, false);
        // Membership skips values of another type, as IN_LIST does: a number is simply not in a set of
        // strings. A list or map where one value belongs, and any pattern match on a non-string, err.
        else if (op == 15 && tag != TAG_LIST && tag != TAG_MAP && tag != TAG_ERROR) setBool(v, false);
        else setTag(v, TAG_ERROR);
        pc += 3;
        break;
      }
      case 16: { // IN_LIST
        const list = at(sp);
        sp--;
        const x = at(sp);
        const tl = load<i32>(list);
        const tx = load<i32>(x);
        if (tl == TAG_ERROR || tx == TAG_ERROR) setTag(x, TAG_ERROR);
        else if (tl == TAG_ABSENT || tx == TAG_ABSENT) setBool(x, false);
        else if (tl != TAG_LIST && tl != TAG_MAP) setTag(x, TAG_ERROR);
        else {
          const r = inList(x, list);
          if (r == R_ERROR) setTag(x, TAG_ERROR); else setBool(x, r == R_TRUE);
        }
        pc += 1;
        break;
      }
      case 17: { // SIZE
        const v = at(sp);
        const tag = load<i32>(v);
        if (tag == TAG_STR) {
          const n = codePoints(<usize>load<u32>(v, 8), load<u32>(v, 12));
          store<i32>(v, TAG_NUM);
          store<f64>(v, n, 8);
        } else if (tag == TAG_LIST || tag == TAG_MAP) {
          const n = <f64>load<u32>(v, 12);
          store<i32>(v, TAG_NUM);
          store<f64>(v, n, 8);
        } else if (tag != TAG_ABSENT) setTag(v, TAG_ERROR);
        pc += 1;
        break;
      }
      case 18: case 19: case 20: { // STARTS ENDS CONTAINS
        const b = at(sp);
        sp--;
        const a = at(sp);
        const ta = load<i32>(a);
        const tb = load<i32>(b);
        if (ta == TAG_ERROR || tb == TAG_ERROR) setTag(a, TAG_ERROR);
        else if (ta == TAG_ABSENT || tb == TAG_ABSENT) setBool(a, false);
        else if (ta != TAG_STR || tb != TAG_STR) setTag(a, TAG_ERROR);
        else setBool(a, stringPredicate(op, a, b));
        pc += 1;
        break;
      }
      case 22: { // TERN
        const t = truth(at(sp));
        if (t == R_TRUE) {
          sp--;
          pc += 9;
        } else if (t == R_FALSE) {
          sp--;
          pc = codeBase + <usize>load<u32>(pc, 1);
        } else {
          setTag(at(sp), TAG_ERROR);
          pc = codeBase + <usize>load<u32>(pc, 5);
        }
        break;
      }
      case 23: { // JMP
        pc = codeBase + <usize>load<u32>(pc, 1);
        break;
      }
      case 24: { // RET
        return truth(at(sp));
      }
      default:
        // A byte the compiler never emits: the program is corrupt. Trap; the host denies and reloads.
        unreachable();
    }
  }
}
