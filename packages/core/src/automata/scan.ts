/**
 * Redaction patterns: each RE2 pattern becomes two byte DFAs that together find its leftmost-longest,
 * non-overlapping matches in linear time (DESIGN §4.7, docs/policy.md "Outputs"):
 *
 * - a *reverse* DFA for `.*reverse(P)`, run once from the last byte to the first: after reading position
 *   `i` it accepts iff a match of P starts at `i`, so one backward pass marks every match start;
 * - an anchored *forward* DFA for P, run from a marked start until it dies: the last position where it
 *   accepted is the end of the longest match from there.
 *
 * Both are "scan" tables (see `determinize`): they never stop at a match, and each state's accept entry is
 * a mask of the contexts of the next byte (edge, newline, word byte, other) before which a match ends, so
 * `$`, `\b` and friends are exact. `scanText` is the loop the WebAssembly engine runs
 * (core-wasm/assembly/redact.ts), and the reference its tests compare against.
 */
import { CTX_EDGE, CTX_NEWLINE, CTX_OTHER, CTX_WORD, DEAD, MATCHED, determinize, isWordByte } from "./determinize.js";
import { constructionBudget, resolveMaxStates, HARD_MAX_STATES, type CompileOptions } from "./dfa.js";
import { minimize } from "./minimize.js";
import { buildByteNfa, type ByteNfa } from "./nfa.js";
import { parseRe2 } from "./prog.js";
import { reverseNfa } from "./reverse.js";

/**
 * A scan table: like `Dfa`, but accept entries are context masks and there is a start per context.
 *
 * @example (compileScanPattern("sk-[a-z]+") as { pattern: ScanPattern }).pattern.forward.starts // [2, 2, 2, 2]
 */
export interface ScanDfa {
  /** Number of states, including DEAD (0) and MATCHED (1, unused by scans but kept for one table layout). */
  stateCount: number;
  classCount: number;
  /** Length 256: byte → class. */
  classes: Uint8Array;
  /** Length stateCount × classCount. */
  transitions: Uint16Array;
  /** Length stateCount: bit `k` set if a match ends in the state when the next byte has context `k`. */
  accept: Uint8Array;
  /** The start state by the context before the first byte: edge, newline, word byte, other. */
  starts: readonly [number, number, number, number];
}

/**
 * A compiled redaction pattern.
 *
 * @example const r = compileScanPattern("sk-[a-z]+"); if (r.ok) scanText(r.pattern, bytes);
 */
export interface ScanPattern {
  /** The pattern as written. */
  source: string;
  /** Anchored at a match start; the run's last accepting position ends the longest match. */
  forward: ScanDfa;
  /** `.*reverse(P)`, started at the end of the text (edge context). */
  reverse: ScanDfa;
}

export type ScanPatternResult = { ok: true; pattern: ScanPattern } | { ok: false; error: string };

/**
 * Forward steps a scan may spend per byte of text, per pattern. A forward run reads its match and then
 * the bytes it needs to see that the match cannot grow; for the patterns redaction is for (a literal or
 * class prefix, then a class repeated: keys, tokens, card numbers) that is one byte past the match, and
 * matches are consumed, so a whole scan needs about one forward step per byte (forward runs start only
 * where the backward pass found a match, never on text that has none). Four leaves room for patterns that
 * look further ahead (alternatives sharing long prefixes, a class that runs on past the match) while
 * capping the quadratic ones (`a|a*b` over `aaaa…` would need n²/2 steps): only those reach the budget,
 * and the text can then make the scan cost at most 1 + 4 steps per byte, and over-redact, no more.
 *
 * @example scanBudget(n) === SCAN_STEPS_PER_BYTE * n + SCAN_STEPS_FLOOR // true
 */
export const SCAN_STEPS_PER_BYTE = 4;
/**
 * Forward steps every scan may spend whatever the text's length: a text of up to 94 bytes can then
 * never run out (its worst case, n(n+1)/2 steps, stays within 4n + 4096), so short outputs are always exact.
 *
 * @example scanBudget(0) // 4096
 */
export const SCAN_STEPS_FLOOR = 4096;

/**
 * The forward-step budget of one pattern over a text of `n` bytes.
 *
 * @example scanBudget(1 << 20) // 4198400
 */
export function scanBudget(n: number): number {
  return SCAN_STEPS_PER_BYTE * n + SCAN_STEPS_FLOOR;
}

/**
 * The context of a byte as scan tables see it: newline, an RE2 word byte (`[0-9A-Za-z_]`), or other.
 *
 * @example byteContext(0x0a) // 1 (CTX_NEWLINE)
 */
export function byteContext(b: number): number {
  return b === 0x0a ? CTX_NEWLINE : isWordByte(b) ? CTX_WORD : CTX_OTHER;
}

/** Determinises and minimises `nfa` into a scan table, or null past `maxStates`. */
function buildScanDfa(nfa: ByteNfa, maxStates: number): ScanDfa | null {
  const raw = determinize(nfa, constructionBudget(maxStates), { mode: "scan" });
  if (raw === null) return null;
  const min = minimize(raw);
  if (min.stateCount > maxStates || !min.starts) return null;
  const s = min.starts;
  return {
    stateCount: min.stateCount,
    classCount: min.classCount,
    classes: min.classes,
    transitions: Uint16Array.from(min.trans),
    accept: min.accept,
    starts: [s[CTX_EDGE] ?? DEAD, s[CTX_NEWLINE] ?? DEAD, s[CTX_WORD] ?? DEAD, s[CTX_OTHER] ?? DEAD],
  };
}

/**
 * Compiles an RE2 pattern for redaction. Refused, with a message naming the pattern: what the RE2 parser
 * refuses (lookaround, backreferences), tables beyond `maxStates`, and patterns that can match the empty
 * string — an empty match redacts nothing and could only make the scan stand still.
 *
 * @example
 * const r = compileScanPattern("sk-[A-Za-z0-9]{20,}");
 * if (r.ok) scanText(r.pattern, new TextEncoder().encode("key sk-abcdefghijklmnopqrstuv")).spans; // [[4, 29]]
 * compileScanPattern("x*"); // { ok: false, error: "pattern `x*` can match the empty string; …" }
 */
export function compileScanPattern(pattern: string, options?: CompileOptions): ScanPatternResult {
  const max = resolveMaxStates(options);
  if (typeof max === "string") return { ok: false, error: max };
  const parsed = parseRe2(pattern);
  if (!parsed.ok) return parsed;
  const subject = `pattern \`${pattern}\``;
  try {
    const nfa = buildByteNfa(parsed.prog, "prefix");
    const forward = buildScanDfa(nfa, max);
    const reverse = forward && buildScanDfa(reverseNfa(nfa, true), max);
    if (!forward || !reverse) return { ok: false, error: `${subject} needs more than ${max} automaton states; simplify it` };
    if (forward.starts.some((s) => forward.accept[s] !== 0)) {
      return { ok: false, error: `${subject} can match the empty string; a redaction pattern must match at least one character` };
    }
    return { ok: true, pattern: { source: pattern, forward, reverse } };
  } catch (e) {
    // Fail closed: an internal surprise refuses the pattern rather than producing a doubtful table.
    return { ok: false, error: `${subject} could not be compiled: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/**
 * Checks the invariants the scan loop relies on (sizes, indices in range, DEAD absorbing and never
 * accepting). Returns null when sound, or what is wrong.
 *
 * @example validateScanDfa(pattern.forward) // null
 */
export function validateScanDfa(d: ScanDfa): string | null {
  const { stateCount: n, classCount: k } = d;
  if (!Number.isInteger(n) || n < 2 || n > HARD_MAX_STATES) return `stateCount ${n} is out of range`;
  if (!Number.isInteger(k) || k < 1 || k > 256) return `classCount ${k} is out of range`;
  if (d.classes.length !== 256 || d.classes.some((c) => c >= k)) return "classes must map 256 bytes to classes < classCount";
  if (d.transitions.length !== n * k || d.transitions.some((t) => t >= n)) return "transitions must be stateCount × classCount states < stateCount";
  if (d.accept.length !== n || d.accept.some((a) => a > 0b1111)) return "accept must hold a 4-bit mask per state";
  if (d.starts.length !== 4 || d.starts.some((s) => !Number.isInteger(s) || s < 0 || s >= n)) return "starts must be 4 states";
  if (d.accept[DEAD] !== 0) return "DEAD must not accept";
  for (let c = 0; c < k; c++) if (d.transitions[DEAD * k + c] !== DEAD || d.transitions[MATCHED * k + c] !== MATCHED) return "DEAD and MATCHED must be absorbing";
  return null;
}

/** What one pattern's scan found. */
export interface ScanResult {
  /** Byte spans `[start, end)` of the matches, in order, non-overlapping, never empty. */
  spans: [number, number][];
  /**
   * The forward budget ran out: the last span runs from the start of the match being measured to the
   * end of the text (over-redaction, the fail-closed reading of "could not tell where it ends").
   */
  exhausted: boolean;
  /** Transitions taken, backward pass included. */
  steps: number;
}

/** The context before position `i` of `text`: the edge at its start, else its byte `i - 1`'s. */
function contextBefore(text: Uint8Array, i: number): number {
  return i <= 0 || i > text.length ? CTX_EDGE : byteContext(text[i - 1] ?? 0);
}

/**
 * One backward pass of the reverse table: `starts[i]` is 1 iff a match of the pattern starts at byte `i`.
 *
 * @example matchStarts(pattern, new TextEncoder().encode("a sk-…")) // Uint8Array [0, 0, 1, 0, …]
 */
export function matchStarts(p: ScanPattern, text: Uint8Array): Uint8Array {
  const starts = new Uint8Array(text.length);
  const rev = p.reverse;
  let s: number = rev.starts[CTX_EDGE];
  for (let i = text.length - 1; i >= 0; i--) {
    s = rev.transitions[s * rev.classCount + (rev.classes[text[i] ?? 0] ?? 0)] ?? DEAD;
    const m = rev.accept[s] ?? 0;
    // Read backwards, the byte before position i is the *next* one.
    if (m !== 0 && ((m >> contextBefore(text, i)) & 1) !== 0) starts[i] = 1;
  }
  return starts;
}

/**
 * Runs the forward table from byte `from` until it dies or `budget` steps are spent: the end of the
 * longest match starting there (-1: none), and the steps taken (`budget + 1` when it ran out).
 *
 * @example longestMatch(pattern, text, 4, 1000) // { end: 29, steps: 26 }
 */
export function longestMatch(p: ScanPattern, text: Uint8Array, from: number, budget: number): { end: number; steps: number } {
  const fwd = p.forward;
  const n = text.length;
  let f: number = fwd.starts[contextBefore(text, from)] ?? DEAD;
  let end = -1;
  let q = from;
  let steps = 0;
  while (q < n) {
    if (steps >= budget) return { end, steps: budget + 1 };
    f = fwd.transitions[f * fwd.classCount + (fwd.classes[text[q] ?? 0] ?? 0)] ?? DEAD;
    q++;
    steps++;
    if (f === DEAD) break;
    const m = fwd.accept[f] ?? 0;
    if (m !== 0 && ((m >> (q < n ? byteContext(text[q] ?? 0) : CTX_EDGE)) & 1) !== 0) end = q;
  }
  return { end, steps };
}

/**
 * Finds the leftmost-longest, non-overlapping matches of `p` in `text` (UTF-8), spending at most
 * `budget` forward steps. The exact loop the engine runs; linear in the text's length.
 *
 * @example
 * scanText(pattern, new TextEncoder().encode("sk-AAAAAAAAAAAAAAAAAAAAAAAA ok")) // { spans: [[0, 27]], exhausted: false, steps: … }
 */
export function scanText(p: ScanPattern, text: Uint8Array, budget = scanBudget(text.length)): ScanResult {
  const n = text.length;
  const starts = matchStarts(p, text);
  let steps = n;
  let left = budget;
  const spans: [number, number][] = [];
  let pos = 0;
  while (pos < n) {
    while (pos < n && starts[pos] === 0) pos++;
    if (pos >= n) break;
    const run = longestMatch(p, text, pos, left);
    // Out of budget, or (cannot happen: both tables come from one NFA) a start with no match: everything
    // from this match's start on is redacted, the fail-closed reading of "could not tell where it ends".
    if (run.steps > left || run.end <= pos) {
      spans.push([pos, n]);
      return { spans, exhausted: true, steps: steps + Math.min(run.steps, left) };
    }
    steps += run.steps;
    left -= run.steps;
    spans.push([pos, run.end]);
    pos = run.end;
  }
  return { spans, exhausted: false, steps };
}
