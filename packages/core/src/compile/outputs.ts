// Output rules (DESIGN §4.7) → the engine's outputs section (core-wasm/FORMAT.md, "Outputs"): each rule's
// `when` as bytecode, each distinct pattern as a forward and a reverse scan table in the automaton table.

import { compileScanPattern, type ScanDfa } from "../automata/index.js";
import type { OutputDoc, PolicyDoc } from "../policy/types.js";

/**
 * What a match becomes when its rule names no `replacement`.
 *
 * @example DEFAULT_REPLACEMENT // "[REDACTED]"
 */
export const DEFAULT_REPLACEMENT = "[REDACTED]";

/**
 * An output rule as the host knows it.
 *
 * @example policy.outputs[0] // { id: "mask-keys", replacement: "[REDACTED]", patterns: ["sk-[A-Za-z0-9]{20,}"] }
 */
export interface CompiledOutput {
  id: string;
  /** What each redacted span becomes. */
  replacement: string;
  /** The patterns as written. */
  patterns: readonly string[];
}

/**
 * The engine's view of the output rules.
 *
 * @example assemble({ ...parts, outputs: compileOutputs(doc, cond, table).parts })
 */
export interface OutputParts {
  /** Per rule, in policy order: the program counter of its `when`, absent for "every action". */
  rules: { whenPc?: number }[];
  /** Per distinct pattern: the rules listing it (bit mask), its tables, the forward table's start states. */
  patterns: { rules: number; forward: number; reverse: number; starts: readonly number[] }[];
}

type Cond = (text: string, path: (string | number)[]) => number | undefined;

/**
 * Compiles `outputs`: conditions through `cond` (which reports its own errors), patterns into scan tables
 * handed to `table` (which returns their index in the automaton table). A pattern that cannot be a scan
 * table is an `invalid_pattern` error at its place in the document, naming it.
 *
 * @example
 * const { parts, info, errors } = compileOutputs(doc, cond, (key, t) => dfas.intern(key, () => t));
 */
export function compileOutputs(doc: PolicyDoc, cond: Cond, table: (key: string, t: ScanDfa) => number) {
  const errors: { path: (string | number)[]; message: string; code: string }[] = [];
  const parts: OutputParts = { rules: [], patterns: [] };
  const info: CompiledOutput[] = [];
  const byPattern = new Map<string, number>();
  (doc.outputs ?? []).forEach((o: OutputDoc | null, i) => {
    if (!o) return; // an entry the shape check refused (see validateOutputs)
    // A rule with an error still takes its index: the policy will not load, so the tables are only
    // built to report the rest of the problems.
    const whenPc = o.when !== undefined ? cond(o.when, ["outputs", i, "when"]) : undefined;
    o.redact.forEach((source, j) => {
      let at = byPattern.get(source);
      if (at === undefined) {
        const r = compileScanPattern(source);
        if (!r.ok) {
          errors.push({ path: ["outputs", i, "redact", j], code: "invalid_pattern", message: r.error });
          return;
        }
        at = parts.patterns.length;
        byPattern.set(source, at);
        const { forward, reverse } = r.pattern;
        parts.patterns.push({ rules: 0, forward: table(`scan-forward:${source}`, forward), reverse: table(`scan-reverse:${source}`, reverse), starts: forward.starts });
      }
      const p = parts.patterns[at]!;
      // `>>> 0`: bit 31 makes the mask negative as a signed 32-bit number.
      p.rules = (p.rules | (1 << i)) >>> 0;
    });
    parts.rules.push(whenPc !== undefined ? { whenPc } : {});
    info.push({ id: o.id, replacement: o.replacement ?? DEFAULT_REPLACEMENT, patterns: [...o.redact] });
  });
  return { parts, info, errors };
}
