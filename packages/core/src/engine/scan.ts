// The host side of a redaction scan (core-wasm/assembly/redact.ts): a JavaScript string goes into the
// engine as UTF-8, the engine finds the byte spans to redact, and they come back as UTF-16 indices into
// the same string.

import { EngineError } from "../errors.js";
import { REDACT_OVER_BUDGET, SPAN_CAP, type EngineExports } from "./abi.js";

/**
 * A span of a string to replace: UTF-16 indices `[start, end)`, and the output rule (engine index) it is for.
 *
 * @example { start: 4, end: 30, rule: 0 } // "key sk-…": characters 4 to 30, for policy.outputs[0]
 */
export interface RedactSpan {
  start: number;
  end: number;
  rule: number;
}

/**
 * What the engine found in one string.
 *
 * @example const { spans, overBudget } = engine.scanText(text, mask)!;
 */
export interface TextScan {
  /** In order, non-overlapping, never empty, never splitting a surrogate pair. */
  spans: RedactSpan[];
  /** A pattern ran out of forward steps: its last span runs to the end of the string. */
  overBudget: boolean;
  /** Transitions the engine took. */
  steps: number;
  /** Bytes of the string's UTF-8 form. */
  bytes: number;
}

const encoder = new TextEncoder();

/** The engine's text area, room for `n` bytes. Reserving may grow memory: the view is made after it. */
function area(x: EngineExports, n: number): Uint8Array {
  const at = x.textArea(n);
  return new Uint8Array(x.memory.buffer, at, n);
}

/**
 * Bytes of `s` in UTF-8 as `TextEncoder` writes it: a lone surrogate becomes U+FFFD, three bytes.
 *
 * @example utf8Length("é😀") // 6
 */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * Turns byte spans of the UTF-8 form of `s` (ascending, non-overlapping) into UTF-16 spans of `s`, in
 * place. A boundary that falls inside a character (the engine reports none: matches are whole
 * characters) widens the span to the whole character, so a span can only grow, never split a pair.
 *
 * @example
 * const spans = [{ start: 1, end: 3, rule: 0 }]; toUtf16("aé", spans); // spans[0] is { start: 1, end: 2, rule: 0 }
 */
export function toUtf16(s: string, spans: RedactSpan[]): void {
  let i = 0; // UTF-16 index
  let b = 0; // its byte offset
  // Moves (i, b) to the last character boundary at or before byte t; returns the width in code units
  // of the character that contains t, or 0 when t is a boundary.
  const seek = (t: number): number => {
    while (i < s.length) {
      const c = s.charCodeAt(i);
      let bytes = 3;
      let units = 1;
      if (c < 0x80) bytes = 1;
      else if (c < 0x800) bytes = 2;
      else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        bytes = 4;
        units = 2;
      }
      if (b === t) return 0;
      if (b + bytes > t) return units;
      b += bytes;
      i += units;
    }
    return 0;
  };
  for (const span of spans) {
    seek(span.start);
    span.start = i;
    const inside = seek(span.end);
    span.end = i + inside;
  }
}

/**
 * Scans `s` in the engine for the patterns of the output rules in `mask`; undefined, without touching
 * the engine, when its UTF-8 form is longer than `maxBytes`. Throws `EngineError` when the engine refuses
 * the text, and lets a trap (`WebAssembly.RuntimeError`) through: the caller withholds.
 *
 * @example
 * const { spans } = scanString(exports, "key=sk-…", 0b1)!;
 */
export function scanString(x: EngineExports, s: string, mask: number, maxBytes = Infinity): TextScan | undefined {
  // Most outputs are ASCII, one byte per unit: encode into that much room first, and count the bytes of
  // the others (at most 3 per unit) only when that did not fit.
  if (s.length > maxBytes) return undefined;
  let n = s.length;
  let { read, written } = encoder.encodeInto(s, area(x, n));
  if (read !== s.length) {
    n = utf8Length(s);
    if (n > maxBytes) return undefined;
    ({ read, written } = encoder.encodeInto(s, area(x, n)));
  }
  if (read !== s.length || written !== n) throw new EngineError("engine_fault", `the output's UTF-8 form took ${written} bytes, not ${n}`);
  const status = x.redact(n, mask >>> 0);
  if (status < 0) throw new EngineError("engine_fault", `the engine refused a text of ${n} bytes`);
  const spans: RedactSpan[] = [];
  let from = 0;
  for (;;) {
    const count = x.redactSpans(from);
    const dv = new DataView(x.memory.buffer, x.spansPtr(), count * 12);
    for (let k = 0; k < count; k++) {
      const start = dv.getUint32(k * 12, true);
      const end = dv.getUint32(k * 12 + 4, true);
      // The engine's spans are ordered, in range and never empty; anything else is a corrupt engine.
      if (end <= start || end > n || start < from) throw new EngineError("engine_fault", `the engine reported an impossible span [${start}, ${end})`);
      spans.push({ start, end, rule: dv.getUint32(k * 12 + 8, true) });
      from = end;
    }
    if (count < SPAN_CAP) break;
  }
  if (n !== s.length) toUtf16(s, spans);
  return { spans, overBudget: (status & REDACT_OVER_BUDGET) !== 0, steps: x.redactSteps(), bytes: n };
}
