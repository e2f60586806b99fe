// Redaction scans (DESIGN §4.7, FORMAT.md "Redaction"). The host writes a text (UTF-8) into the text
// area and names the output rules that apply; for each of their patterns a backward pass of its reverse
// table marks where matches start, then forward runs of its anchored table measure the longest match from
// each start not inside an earlier one. Matched bytes are marked with the lowest applying rule that
// matched them; the host then reads back the runs of marked bytes as spans. This is the loop of
// packages/core/src/automata/scan.ts `scanText`, byte for byte.
//
// Linear time: the backward pass reads each byte once per pattern, and forward runs get a step budget
// proportional to the text; a pattern that exhausts it has everything from the start of the match being
// measured to the end of the text marked (over-redaction, the fail-closed reading), and the scan says so.

import { reserve } from "./memory";
import { dfasBase, DFA_BYTES } from "./program";
import { nPatterns, patternsBase, PATTERN_BYTES } from "./outputs";

// Contexts of a byte, as the compiler's scan tables use them (packages/core/src/automata/determinize.ts).
const CTX_EDGE: u32 = 0;
const CTX_NEWLINE: u32 = 1;
const CTX_WORD: u32 = 2;
const CTX_OTHER: u32 = 3;
// The forward-step budget per pattern: STEPS_PER_BYTE × n + STEPS_FLOOR. The reasons are at
// SCAN_STEPS_PER_BYTE and SCAN_STEPS_FLOOR in packages/core/src/automata/scan.ts; keep them equal.
const STEPS_PER_BYTE: u64 = 4;
const STEPS_FLOOR: u64 = 4096;
/** Spans `redactSpans` writes per call: 12 KiB of output area, however many spans a text has. */
export const SPAN_CAP: i32 = 1024;
const SPAN_BYTES: usize = 12;
// The smallest text area reserved: most outputs fit, so the area rarely grows.
const MIN_AREA: u32 = 64 * 1024;
/** `redact` status bit: some pattern ran out of forward steps and was redacted to the end of the text. */
export const OVER_BUDGET: i32 = 1;
/** `redact` result when the text is longer than the area the host reserved. */
export const TOO_LONG: i32 = -1;

let text: usize = 0;
let cover: usize = 0; // per byte: 0, or 1 + the lowest rule index whose match covers it
let starts: usize = 0; // per byte: 1 if the current pattern has a match starting there
let capacity: u32 = 0;
let spans: usize = 0;
let scanned: u32 = 0;
let steps: u64 = 0;

/**
 * Makes the text area hold at least `n` bytes and returns its address, where the host writes the text.
 * Growing reserves a new area (the old one stays reserved: the allocator only bumps), at least doubling,
 * so repeated growth costs at most twice the largest area.
 */
export function textArea(n: u32): usize {
  if (spans == 0) spans = reserve(<usize>SPAN_CAP * SPAN_BYTES);
  if (n > capacity) {
    let cap = capacity < MIN_AREA ? MIN_AREA : capacity;
    while (cap < n) cap = cap > 0x7fffffff ? n : cap << 1;
    text = reserve(<usize>cap);
    cover = reserve(<usize>cap);
    starts = reserve(<usize>cap);
    capacity = cap;
  }
  return text;
}

/** Address of the spans `redactSpans` writes: `u32 start, u32 end, u32 rule` each. */
export function spansPtr(): usize {
  return spans;
}

/** Transitions taken by the last `redact`, backward passes included. */
export function redactSteps(): f64 {
  return <f64>steps;
}

@inline function context(b: u32): u32 {
  if (b == 0x0a) return CTX_NEWLINE;
  // RE2's word bytes: [0-9A-Za-z_].
  if ((b - 0x30) < 10 || ((b | 0x20) - 0x61) < 26 || b == 0x5f) return CTX_WORD;
  return CTX_OTHER;
}

@inline function contextBefore(i: u32): u32 {
  return i == 0 ? CTX_EDGE : context(<u32>load<u8>(text + <usize>(i - 1)));
}

/** Marks bytes [a, z) as covered by `tag` (1 + rule), keeping a lower tag already there. */
function mark(a: u32, z: u32, tag: u8): void {
  for (let b = a; b < z; b++) {
    const c = load<u8>(cover + <usize>b);
    if (c == 0 || c > tag) store<u8>(cover + <usize>b, tag);
  }
}

/** Scans the text for one pattern (its table entry at `e`); true when the budget ran out. */
function scanPattern(e: usize, n: u32, tag: u8): bool {
  // Backward: after reading byte i, the reverse table knows whether a match starts at i.
  const rev = dfasBase + <usize>load<u16>(e, 6) * DFA_BYTES;
  let k = load<u32>(rev, 4);
  let classes = <usize>load<u32>(rev, 8);
  let trans = <usize>load<u32>(rev, 12);
  let accept = <usize>load<u32>(rev, 16);
  let s = load<u32>(rev, 20);
  for (let i = n; i > 0;) {
    i--;
    s = <u32>load<u16>(trans + (<usize>(s * k + <u32>load<u8>(classes + <usize>load<u8>(text + <usize>i))) << 1));
    const m = <u32>load<u8>(accept + <usize>s);
    store<u8>(starts + <usize>i, m != 0 ? <u8>((m >> contextBefore(i)) & 1) : 0);
  }
  steps += <u64>n;

  // Forward: from each start not inside an earlier match, run until the table dies; the last accepting
  // position ends the longest match.
  const fwd = dfasBase + <usize>load<u16>(e, 4) * DFA_BYTES;
  k = load<u32>(fwd, 4);
  classes = <usize>load<u32>(fwd, 8);
  trans = <usize>load<u32>(fwd, 12);
  accept = <usize>load<u32>(fwd, 16);
  const budget = STEPS_PER_BYTE * <u64>n + STEPS_FLOOR;
  let used: u64 = 0;
  let pos: u32 = 0;
  while (pos < n) {
    // Eight bytes at a time through stretches without a start: most of a text is not a match.
    while (pos + 8 <= n && load<u64>(starts + <usize>pos) == 0) pos += 8;
    while (pos < n && load<u8>(starts + <usize>pos) == 0) pos++;
    if (pos >= n) break;
    let f = <u32>load<u16>(e + 8 + (<usize>contextBefore(pos) << 1));
    let end = pos;
    // The run may read up to `stop`: the end of the text, or where the budget runs out (checked once
    // per run rather than per step).
    const left = budget - used;
    const stop: u32 = <u64>(n - pos) <= left ? n : pos + <u32>left;
    let q = pos;
    while (q < stop) {
      f = <u32>load<u16>(trans + (<usize>(f * k + <u32>load<u8>(classes + <usize>load<u8>(text + <usize>q))) << 1));
      q++;
      if (f == 0) break;
      const m = <u32>load<u8>(accept + <usize>f);
      if (m != 0 && ((m >> (q < n ? context(<u32>load<u8>(text + <usize>q)) : CTX_EDGE)) & 1) != 0) end = q;
    }
    used += <u64>(q - pos);
    // Out of budget (stopped short of the end while still alive), or (the tables come from one NFA, so it
    // cannot happen) a start without a match: everything from here on is redacted rather than guessed at.
    if ((q == stop && stop < n && f != 0) || end == pos) {
      mark(pos, n, tag);
      steps += used;
      return true;
    }
    mark(pos, end, tag);
    pos = end;
  }
  steps += used;
  return false;
}

/**
 * Scans the `n` bytes in the text area for the patterns of the output rules in `mask` (bit i: rule i).
 * Returns a status (`OVER_BUDGET` set when some pattern ran out of steps) or `TOO_LONG`.
 */
export function redact(n: u32, mask: u32): i32 {
  if (n > capacity) return TOO_LONG;
  scanned = n;
  steps = 0;
  let status: i32 = 0;
  if (n == 0) return status;
  memory.fill(cover, 0, <usize>n);
  for (let p: i32 = 0; p < nPatterns; p++) {
    const e = patternsBase + <usize>p * PATTERN_BYTES;
    const applying = load<u32>(e) & mask;
    if (applying == 0) continue;
    // The lowest rule in policy order names a span that several rules' patterns cover.
    if (scanPattern(e, n, <u8>(ctz(applying) + 1))) status |= OVER_BUDGET;
  }
  return status;
}

/**
 * Writes the spans of marked bytes of the last scan that start at or after byte `from`, at most
 * `SPAN_CAP`, to the span area as `u32 start, u32 end, u32 rule` (the lowest rule among the span's bytes);
 * returns how many. Overlapping and adjacent matches form one span. The host calls again from the last
 * span's end while a call returns `SPAN_CAP`.
 */
export function redactSpans(from: u32): i32 {
  let count: i32 = 0;
  let b = from;
  while (b < scanned && count < SPAN_CAP) {
    while (b < scanned && load<u8>(cover + <usize>b) == 0) b++;
    if (b >= scanned) break;
    const start = b;
    let rule = load<u8>(cover + <usize>b);
    while (b < scanned) {
      const c = load<u8>(cover + <usize>b);
      if (c == 0) break;
      if (c < rule) rule = c;
      b++;
    }
    const at = spans + <usize>count * SPAN_BYTES;
    store<u32>(at, start);
    store<u32>(at, b, 4);
    store<u32>(at, <u32>rule - 1, 8);
    count++;
  }
  return count;
}
