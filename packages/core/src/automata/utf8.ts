/**
 * Rune ranges → UTF-8 byte-range sequences, so that a byte-level automaton can match
 * exactly the UTF-8 encodings of a set of code points (the "utf8-ranges" algorithm of RE2,
 * Go's regexp/syntax and Rust's regex-syntax).
 */

/** An inclusive range of byte values, one position of a UTF-8 encoding. */
export interface ByteRange {
  readonly lo: number;
  readonly hi: number;
}

/** Largest Unicode scalar value. */
export const MAX_RUNE = 0x10ffff;
/** Surrogates have no UTF-8 encoding; TextEncoder turns lone ones into U+FFFD, so no input byte string contains them. */
const SURROGATE_LO = 0xd800;
const SURROGATE_HI = 0xdfff;
/** Last code point of each UTF-8 encoding length (1, 2, 3 bytes); 4-byte encodings run to MAX_RUNE. */
const LENGTH_LIMITS = [0x7f, 0x7ff, 0xffff] as const;
/** Continuation bytes carry 6 payload bits each. */
const CONT_BITS = 6;

/**
 * Encodes one scalar value as UTF-8.
 *
 * @example encodeRune(0xe9) // [0xc3, 0xa9]
 */
export function encodeRune(r: number): number[] {
  if (r <= 0x7f) return [r];
  // 0xc0/0xe0/0xf0 are the lead-byte markers of 2/3/4-byte sequences; 0x80 marks continuation bytes.
  if (r <= 0x7ff) return [0xc0 | (r >> 6), 0x80 | (r & 0x3f)];
  if (r <= 0xffff) return [0xe0 | (r >> 12), 0x80 | ((r >> 6) & 0x3f), 0x80 | (r & 0x3f)];
  return [0xf0 | (r >> 18), 0x80 | ((r >> 12) & 0x3f), 0x80 | ((r >> 6) & 0x3f), 0x80 | (r & 0x3f)];
}

/**
 * Sorts and merges a flat list of inclusive rune ranges `[lo, hi, lo, hi, …]`, clipping to
 * valid scalar values and dropping the surrogate block.
 *
 * @example normalizeRanges([0x61, 0x7a, 0x41, 0x5a, 0x5b, 0x5b]) // [0x41, 0x5b, 0x61, 0x7a]
 */
export function normalizeRanges(flat: readonly number[]): number[] {
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const lo = Math.max(0, flat[i] ?? 0);
    const hi = Math.min(MAX_RUNE, flat[i + 1] ?? -1);
    if (lo > hi) continue;
    // Carve the surrogates out so that no sequence below can encode one.
    if (lo < SURROGATE_LO && hi > SURROGATE_HI) {
      pairs.push([lo, SURROGATE_LO - 1], [SURROGATE_HI + 1, hi]);
    } else if (lo >= SURROGATE_LO && hi <= SURROGATE_HI) {
      continue;
    } else if (lo < SURROGATE_LO && hi >= SURROGATE_LO) {
      pairs.push([lo, SURROGATE_LO - 1]);
    } else if (lo <= SURROGATE_HI && hi > SURROGATE_HI) {
      pairs.push([SURROGATE_HI + 1, hi]);
    } else {
      pairs.push([lo, hi]);
    }
  }
  pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [lo, hi] of pairs) {
    const last = out.length - 1;
    // Adjacent ranges merge too (hence +1), which keeps the sequence list short.
    if (out.length > 0 && lo <= (out[last] ?? 0) + 1) {
      out[last] = Math.max(out[last] ?? 0, hi);
    } else {
      out.push(lo, hi);
    }
  }
  return out;
}

/**
 * Splits the rune range `[lo, hi]` (no surrogates inside) into byte-range sequences whose
 * concatenations are exactly the UTF-8 encodings of the range.
 *
 * @example utf8Sequences(0x80, 0x7ff) // [[{lo: 0xc2, hi: 0xdf}, {lo: 0x80, hi: 0xbf}]]
 */
export function utf8Sequences(lo: number, hi: number): ByteRange[][] {
  const out: ByteRange[][] = [];
  const stack: Array<[number, number]> = [[lo, hi]];
  while (stack.length > 0) {
    const top = stack.pop();
    if (top === undefined) break;
    splitRange(top[0], top[1], stack, out);
  }
  // The stack pops right halves first; sorting restores ascending order, which keeps output deterministic.
  out.sort((a, b) => (a[0]?.lo ?? 0) - (b[0]?.lo ?? 0) || (a[1]?.lo ?? 0) - (b[1]?.lo ?? 0));
  return out;
}

function splitRange(lo: number, hi: number, stack: Array<[number, number]>, out: ByteRange[][]): void {
  if (lo > hi) return;
  // Ranges straddling an encoding-length boundary split there: each half then has one length.
  for (const limit of LENGTH_LIMITS) {
    if (lo <= limit && limit < hi) {
      stack.push([limit + 1, hi], [lo, limit]);
      return;
    }
  }
  if (hi <= 0x7f) {
    out.push([{ lo, hi }]);
    return;
  }
  // A range maps to one sequence of byte ranges only when, for every suffix of continuation
  // bytes, lo's suffix is all-zero and hi's all-one whenever their prefixes differ.
  for (let i = 1; i < 4; i++) {
    const m = (1 << (CONT_BITS * i)) - 1;
    if ((lo & ~m) !== (hi & ~m)) {
      if ((lo & m) !== 0) {
        stack.push([(lo | m) + 1, hi], [lo, lo | m]);
        return;
      }
      if ((hi & m) !== m) {
        stack.push([hi & ~m, hi], [lo, (hi & ~m) - 1]);
        return;
      }
    }
  }
  const a = encodeRune(lo);
  const b = encodeRune(hi);
  out.push(a.map((x, i) => ({ lo: x, hi: b[i] ?? x })));
}
