// Redacts every string inside a tool's output: a string, or the strings (keys included) anywhere in
// JSON-like objects and arrays. Each string is scanned on its own in the engine (engine/scan.ts); the
// value comes back with matches replaced, copied only where something changed.

import type { TextScan } from "../engine/scan.js";

/**
 * Levels of nesting walked into an output, as deep as the audit log copies values: deeper structure (or a
 * cycle) cannot be checked, so the output is withheld.
 *
 * @example MAX_OUTPUT_DEPTH // 32
 */
export const MAX_OUTPUT_DEPTH = 32;

/**
 * The output cannot be redacted match by match: it is withheld whole.
 *
 * @example throw new Unscannable("the output nests deeper than 32 levels");
 */
export class Unscannable extends Error {}

/**
 * What the walk needs: the engine's scan and the replacement of each output rule, by engine index.
 *
 * @example { scan: (t, m, max) => engine.scanText(t, m, max), replacements: ["[REDACTED]"], mask: 1, maxBytes: 4 << 20 }
 */
export interface RedactContext {
  scan: (text: string, mask: number, maxBytes: number) => TextScan | undefined;
  replacements: readonly string[];
  mask: number;
  /** UTF-8 bytes the whole output may take (each value that is not a string counts as one). */
  maxBytes: number;
}

/**
 * One redaction of one output. `redacted` counts replaced spans and withheld values, `over` says whether
 * a pattern ran out of scan steps somewhere.
 *
 * @example
 * const r = new Redactor(ctx);
 * const output = r.value({ note: "key sk-…" }); // { note: "key [REDACTED]" }, r.redacted === 1
 */
export class Redactor {
  redacted = 0;
  over = false;
  private left: number;

  constructor(private readonly ctx: RedactContext) {
    this.left = ctx.maxBytes;
  }

  /**
   * The value with every match replaced. Strings are scanned; numbers and bigints are scanned in their
   * decimal form and become the redacted string when something matched (a card number stored as a number
   * is still a card number); valid dates likewise, as ISO strings; booleans, null and undefined pass.
   * Plain objects and arrays are walked, keys included. Anything else (functions, class instances, maps,
   * binary buffers) cannot be scanned as the model will see it, and is replaced whole.
   * Throws `Unscannable` past the size or depth bound.
   */
  value(v: unknown, depth = 0): unknown {
    switch (typeof v) {
      case "string":
        return this.text(v);
      case "number":
      case "bigint": {
        const s = String(v);
        const r = this.text(s);
        return r === s ? v : r;
      }
      case "boolean":
      case "undefined":
        this.charge(1);
        return v;
      case "object": {
        if (v === null) {
          this.charge(1);
          return v;
        }
        if (depth >= MAX_OUTPUT_DEPTH) throw new Unscannable(`the output nests deeper than ${MAX_OUTPUT_DEPTH} levels`);
        if (Array.isArray(v)) return this.array(v, depth);
        if (v instanceof Date) {
          if (Number.isNaN(v.getTime())) return v;
          const s = v.toISOString();
          const r = this.text(s);
          return r === s ? v : r;
        }
        const proto = Object.getPrototypeOf(v);
        if (proto === Object.prototype || proto === null) return this.object(v as Record<string, unknown>, proto === null, depth);
        return this.withheld();
      }
      default:
        return this.withheld();
    }
  }

  /** The replacement of the first applying rule, for what is replaced whole. */
  firstReplacement(): string {
    const r = Math.clz32(0) - 1 - Math.clz32(this.ctx.mask & -this.ctx.mask);
    return this.ctx.replacements[r] ?? "[REDACTED]";
  }

  private withheld(): string {
    this.charge(1);
    this.redacted++;
    return this.firstReplacement();
  }

  private charge(n: number): void {
    this.left -= n;
    if (this.left < 0) throw new Unscannable(`the output is larger than ${this.ctx.maxBytes} bytes`);
  }

  private text(s: string): string {
    if (s.length === 0) return s;
    // Cheap lower bound first, so that an oversized string never reaches the engine.
    if (s.length > this.left) this.charge(s.length);
    const r = this.ctx.scan(s, this.ctx.mask, this.left);
    if (!r) throw new Unscannable(`the output is larger than ${this.ctx.maxBytes} bytes`);
    this.charge(r.bytes);
    if (r.overBudget) this.over = true;
    if (r.spans.length === 0) return s;
    let out = "";
    let at = 0;
    for (const span of r.spans) {
      // Spans are ordered and disjoint; `max` keeps that true even if a widened span touched the next.
      const start = Math.max(span.start, at);
      out += s.slice(at, start) + (this.ctx.replacements[span.rule] ?? "[REDACTED]");
      at = Math.max(at, span.end);
      this.redacted++;
    }
    return out + s.slice(at);
  }

  private array(a: readonly unknown[], depth: number): unknown[] {
    let out: unknown[] | undefined;
    for (let i = 0; i < a.length; i++) {
      const item = a[i];
      const r = this.value(item, depth + 1);
      if (r !== item && !out) out = a.slice(0, i);
      if (out) out.push(r);
    }
    return out ?? (a as unknown[]);
  }

  private object(o: Record<string, unknown>, nullProto: boolean, depth: number): Record<string, unknown> {
    const keys = Object.keys(o);
    const entries: [string, unknown][] = [];
    let changed = false;
    for (const k of keys) {
      const item = o[k];
      const key = this.text(k);
      const r = this.value(item, depth + 1);
      if (key !== k || r !== item) changed = true;
      entries.push([key, r]);
    }
    if (!changed) return o;
    const out: Record<string, unknown> = nullProto ? Object.create(null) : {};
    for (const [k0, v] of entries) {
      // Two keys may redact to the same text: later ones are numbered, so no value is lost.
      let k = k0;
      for (let n = 2; Object.prototype.hasOwnProperty.call(out, k); n++) k = `${k0} (${n})`;
      Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
}
