// The loaded program: header fields and absolute addresses of its tables (see FORMAT.md).

export const MAGIC: u32 = 0x31505754;
export const VERSION: u32 = 3;

// 20 words; version 3 added word 16, the outputs section.
export const HEADER_BYTES: usize = 80;
export const RULE_BYTES: usize = 16;
export const VALUE_BYTES: usize = 16;
export const DFA_BYTES: usize = 24;
export const BUCKET_BYTES: usize = 16;
export const KEY_BYTES: usize = 16;
// The compiler never emits more index keys than this; the engine keeps one cursor per key on the stack.
export const MAX_KEYS: i32 = 8;

export const TAG_ABSENT: i32 = 0;
export const TAG_NULL: i32 = 1;
export const TAG_BOOL: i32 = 2;
export const TAG_NUM: i32 = 3;
export const TAG_STR: i32 = 4;
export const TAG_LIST: i32 = 5;
export const TAG_MAP: i32 = 6;
export const TAG_ERROR: i32 = 7;
export const TAG_OTHER: i32 = 8;

export let progBase: usize = 0;
export let nSlots: i32 = 0;
export let nRules: i32 = 0;
export let nConsts: i32 = 0;
export let nDfas: i32 = 0;
export let defaultEffect: i32 = 3;
export let shadowMode: bool = false;
export let plansRequired: bool = false;
export let rulesBase: usize = 0;
export let constsBase: usize = 0;
export let dfasBase: usize = 0;
export let codeBase: usize = 0;
export let indexBase: usize = 0;
export let maxStack: i32 = 0;
export let trajOffset: u32 = 0;
export let outputsOffset: u32 = 0;

// Load status codes, mirrored in packages/core/src/engine/abi.ts.
export const LOAD_OK: i32 = 0;
export const LOAD_BAD_MAGIC: i32 = 1;
export const LOAD_BAD_VERSION: i32 = 2;
export const LOAD_BAD_LENGTH: i32 = 3;
export const LOAD_BAD_OFFSET: i32 = 4;
export const LOAD_BAD_OUTPUTS: i32 = 6;

export function within(off: u32, len: u32, total: u32): bool {
  return <u64>off + <u64>len <= <u64>total;
}

/** Reads the header, checks that every table lies inside the program and relocates pointers. */
export function loadProgram(base: usize, length: u32): i32 {
  if (length < <u32>HEADER_BYTES) return LOAD_BAD_LENGTH;
  if (load<u32>(base) != MAGIC) return LOAD_BAD_MAGIC;
  if (load<u32>(base, 4) != VERSION) return LOAD_BAD_VERSION;
  if (load<u32>(base, 56) != length) return LOAD_BAD_LENGTH;
  const slots = load<u32>(base, 8);
  const rules = load<u32>(base, 12);
  const consts = load<u32>(base, 16);
  const dfas = load<u32>(base, 20);
  const rOff = load<u32>(base, 32);
  const cOff = load<u32>(base, 36);
  const dOff = load<u32>(base, 40);
  const codeOff = load<u32>(base, 44);
  const iOff = load<u32>(base, 48);
  if (!within(rOff, rules * <u32>RULE_BYTES, length)) return LOAD_BAD_OFFSET;
  if (!within(cOff, consts * <u32>VALUE_BYTES, length)) return LOAD_BAD_OFFSET;
  if (!within(dOff, dfas * <u32>DFA_BYTES, length)) return LOAD_BAD_OFFSET;
  if (codeOff > length || iOff > length) return LOAD_BAD_OFFSET;

  progBase = base;
  nSlots = <i32>slots;
  nRules = <i32>rules;
  nConsts = <i32>consts;
  nDfas = <i32>dfas;
  defaultEffect = <i32>load<u32>(base, 24);
  shadowMode = (load<u32>(base, 28) & 1) != 0;
  plansRequired = (load<u32>(base, 28) & 2) != 0;
  rulesBase = base + rOff;
  constsBase = base + cOff;
  dfasBase = base + dOff;
  codeBase = base + codeOff;
  indexBase = base + iOff;
  maxStack = <i32>load<u32>(base, 52);
  trajOffset = load<u32>(base, 60);
  if (trajOffset < <u32>HEADER_BYTES || !within(trajOffset, 64, length)) return LOAD_BAD_OFFSET;
  outputsOffset = load<u32>(base, 64);
  if (outputsOffset < <u32>HEADER_BYTES || !within(outputsOffset, 16, length)) return LOAD_BAD_OFFSET;

  for (let i: i32 = 0; i < nConsts; i++) relocateValue(constsBase + <usize>i * VALUE_BYTES, base);
  relocateDfas(dfasBase, nDfas, base);
  relocateIndex(base);
  return LOAD_OK;
}

export function relocateValue(v: usize, base: usize): void {
  const tag = load<i32>(v);
  if (tag == TAG_STR) {
    store<u32>(v, load<u32>(v, 8) + <u32>base, 8);
  } else if (tag == TAG_LIST || tag == TAG_MAP) {
    const items = load<u32>(v, 8) + <u32>base;
    store<u32>(v, items, 8);
    const n = load<u32>(v, 12);
    for (let j: u32 = 0; j < n; j++) relocateValue(<usize>items + <usize>j * VALUE_BYTES, base);
  }
}

/** Turns the automaton table's offsets into addresses. */
export function relocateDfas(table: usize, n: i32, base: usize): void {
  for (let i: i32 = 0; i < n; i++) {
    const d = table + <usize>i * DFA_BYTES;
    store<u32>(d, load<u32>(d, 8) + <u32>base, 8);
    store<u32>(d, load<u32>(d, 12) + <u32>base, 12);
    store<u32>(d, load<u32>(d, 16) + <u32>base, 16);
  }
}

function relocateIndex(base: usize): void {
  store<u32>(indexBase, load<u32>(indexBase, 4) + <u32>base, 4);
  const nKeys = <i32>load<u32>(indexBase, 8);
  for (let k: i32 = 0; k < nKeys; k++) {
    const key = indexBase + 12 + <usize>k * KEY_BYTES;
    const buckets = load<u32>(key, 4) + <u32>base;
    store<u32>(key, buckets, 4);
    const n = load<u32>(key, 8);
    for (let b: u32 = 0; b < n; b++) {
      const e = <usize>buckets + <usize>b * BUCKET_BYTES;
      if (load<u32>(e, 4) == 0xffffffff) continue;
      store<u32>(e, load<u32>(e) + <u32>base);
      store<u32>(e, load<u32>(e, 8) + <u32>base, 8);
    }
  }
}
