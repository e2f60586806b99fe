// The shape of `outputs` (DESIGN §4.7): output rules whose patterns are redacted from tool outputs. The
// patterns themselves are compiled, and refused with their own messages, by compile/outputs.ts.

import type { OutputDoc } from "./types.js";
import { checkId, isRecord, requireCondition, unknownKeys, type Report } from "./shape.js";

/**
 * Output rules a policy may have: the engine hands back the rules that apply to an action's output as a
 * u32 mask (core-wasm/assembly/outputs.ts).
 *
 * @example
 * MAX_OUTPUT_RULES // 32
 */
export const MAX_OUTPUT_RULES = 32;
/**
 * Distinct redaction patterns over all output rules. Scanning an output costs two linear passes per
 * pattern that applies (docs/policy.md, "Outputs"), so this caps the worst case of one scan at 64 × the
 * per-pattern bound.
 *
 * @example
 * MAX_REDACT_PATTERNS // 64
 */
export const MAX_REDACT_PATTERNS = 64;
/**
 * Characters of a `replacement`: every match becomes it, so a long one could inflate an output that is
 * full of short matches far beyond its size.
 *
 * @example
 * MAX_REPLACEMENT_LENGTH // 256
 */
export const MAX_REPLACEMENT_LENGTH = 256;

const KEYS = ["id", "when", "redact", "replacement"];

/**
 * Validates `outputs`; returns the well-formed entries, so that the compiler can still report the
 * problems of their conditions and patterns. A malformed entry keeps its place as null, so that those
 * problems name the right index (and so the right YAML line).
 *
 * @example
 * const good = validateOutputs(doc.outputs, seen, err, problems);
 */
export function validateOutputs(v: unknown, seen: Map<string, string>, err: Report, problems: () => number): (OutputDoc | null)[] {
  if (!Array.isArray(v)) {
    err("type_error", ["outputs"], "`outputs` must be a list of output rules (`id`, `when`, `redact`)");
    return [];
  }
  if (v.length > MAX_OUTPUT_RULES) err("too_large", ["outputs"], `a policy may have at most ${MAX_OUTPUT_RULES} output rules, not ${v.length}`);
  const good: (OutputDoc | null)[] = [];
  const patterns = new Set<string>();
  v.forEach((o, i) => {
    const at = ["outputs", i];
    if (!isRecord(o)) {
      good.push(null);
      return err("type_error", at, "an output rule must be a mapping with `id`, `when` and `redact`");
    }
    const before = problems();
    unknownKeys(o, KEYS, at, "output rule", err);
    checkId(o, at, "an output rule", seen, err);
    if ("when" in o) requireCondition(o, "when", at, "an output rule", err);
    if (o.redact === undefined) err("missing_key", at, "an output rule needs `redact`: a non-empty list of patterns");
    else if (!Array.isArray(o.redact) || o.redact.length === 0) err("type_error", [...at, "redact"], "`redact` must be a non-empty list of patterns");
    else o.redact.forEach((p, j) => {
      if (typeof p !== "string" || p === "") err("type_error", [...at, "redact", j], "a pattern must be a non-empty string");
      else patterns.add(p);
    });
    if ("replacement" in o) {
      if (typeof o.replacement !== "string") err("type_error", [...at, "replacement"], "`replacement` must be a string");
      else if (o.replacement.length > MAX_REPLACEMENT_LENGTH) err("too_large", [...at, "replacement"], `\`replacement\` may have at most ${MAX_REPLACEMENT_LENGTH} characters`);
    }
    good.push(problems() === before ? (o as unknown as OutputDoc) : null);
  });
  if (patterns.size > MAX_REDACT_PATTERNS) {
    err("too_large", ["outputs"], `the output rules use ${patterns.size} distinct patterns; a policy may have at most ${MAX_REDACT_PATTERNS}`);
  }
  return good;
}
