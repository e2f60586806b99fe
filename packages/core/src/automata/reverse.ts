/**
 * The reverse of a byte-level NFA: it reads a text from its last byte to its first and accepts exactly
 * the reversed byte strings the original accepts. Output redaction runs it backwards over a text to mark
 * every position where a match of the pattern starts (see `scan.ts`).
 */
import { EMPTY_BEGIN_LINE, EMPTY_BEGIN_TEXT, EMPTY_END_LINE, EMPTY_END_TEXT } from "./prog.js";
import { NFA_ASSERT, NFA_BYTE, NFA_MATCH, NFA_SPLIT, type ByteNfa } from "./nfa.js";

const LINE_AND_TEXT = EMPTY_BEGIN_LINE | EMPTY_END_LINE | EMPTY_BEGIN_TEXT | EMPTY_END_TEXT;

/**
 * Empty-width assertions as seen from the other direction: what lies *before* a position in the text is
 * what comes *next* when the text is read backwards, so `^` becomes `$`, `\A` becomes `\z` and back.
 * Word boundaries look at both sides and stay as they are.
 *
 * @example mirrorAssertions(EMPTY_BEGIN_LINE) === EMPTY_END_LINE // true
 */
export function mirrorAssertions(flags: number): number {
  let out = flags & ~LINE_AND_TEXT;
  if (flags & EMPTY_BEGIN_LINE) out |= EMPTY_END_LINE;
  if (flags & EMPTY_END_LINE) out |= EMPTY_BEGIN_LINE;
  if (flags & EMPTY_BEGIN_TEXT) out |= EMPTY_END_TEXT;
  if (flags & EMPTY_END_TEXT) out |= EMPTY_BEGIN_TEXT;
  return out;
}

/**
 * Reverses `nfa` (built in `prefix` mode: it matches from its start and may end anywhere). Every edge
 * turns around: state `v` of the result is an epsilon fan-out to what led into `v`, a byte edge `u → v`
 * becomes a byte state into `u`, an assertion keeps its place with its sides mirrored. The result starts
 * at the original's MATCH states and matches on reaching the original's start.
 *
 * With `search`, the result is `.*reverse(P)`: it may skip any bytes at the end of the text first, so a
 * backward run accepts after reading position `i` iff some match of P starts at `i`. The skip loop reads
 * single bytes: a match that is not empty consists of whole UTF-8 characters and can only start on a
 * character's first byte, so no position inside a character is ever reported (empty matches, which could,
 * are refused by the caller).
 *
 * @example reverseNfa(buildByteNfa(parsed.prog, "prefix"), true)
 */
export function reverseNfa(nfa: ByteNfa, search: boolean): ByteNfa {
  const n = nfa.size;
  const kind: number[] = new Array<number>(n).fill(NFA_SPLIT);
  const lo: number[] = new Array<number>(n).fill(0);
  const hi: number[] = new Array<number>(n).fill(0);
  const flags: number[] = new Array<number>(n).fill(0);
  const out: number[] = new Array<number>(n).fill(-1);
  const incoming: number[][] = Array.from({ length: n }, () => []);
  const add = (k: number, l: number, h: number, f: number, o: number): number => {
    kind.push(k);
    lo.push(l);
    hi.push(h);
    flags.push(f);
    out.push(o);
    return kind.length - 1;
  };
  const matches: number[] = [];
  for (let u = 0; u < n; u++) {
    switch (nfa.kind[u]) {
      case NFA_BYTE:
        incoming[nfa.out[u] ?? 0]?.push(add(NFA_BYTE, nfa.lo[u] ?? 0, nfa.hi[u] ?? 0, 0, u));
        break;
      case NFA_SPLIT:
        for (const v of nfa.eps[u] ?? []) incoming[v]?.push(u);
        break;
      case NFA_ASSERT:
        incoming[nfa.out[u] ?? 0]?.push(add(NFA_ASSERT, 0, 0, mirrorAssertions(nfa.flags[u] ?? 0), u));
        break;
      case NFA_MATCH:
        matches.push(u);
        break;
      default:
        break; // FAIL: nothing leads anywhere from it, so nothing leads into it in reverse
    }
  }
  incoming[nfa.start]?.push(add(NFA_MATCH, 0, 0, 0, -1));
  let start = add(NFA_SPLIT, 0, 0, 0, -1);
  const fanOut = new Map<number, number[]>([[start, matches]]);
  if (search) {
    const skip = add(NFA_SPLIT, 0, 0, 0, -1);
    const any = add(NFA_BYTE, 0x00, 0xff, 0, skip);
    fanOut.set(skip, [start, any]);
    start = skip;
  }
  // Byte, assertion and MATCH states have no epsilon list of their own.
  const eps = kind.map((_, s) => (s < n ? incoming[s] ?? [] : fanOut.get(s) ?? []));
  return {
    size: kind.length,
    kind: Uint8Array.from(kind),
    lo: Uint8Array.from(lo),
    hi: Uint8Array.from(hi),
    flags: Uint8Array.from(flags),
    out: Int32Array.from(out),
    eps,
    start,
    assertions: mirrorAssertions(nfa.assertions),
  };
}
