// parse → validate → compile, with every problem carrying its path and, for YAML, its line and column.

import { parseYaml, type SourceMap } from "./parse.js";
import { validatePolicyShape } from "./validate.js";
import type { PolicyIssue } from "./issues.js";
import { compilePolicy, type CompiledPolicy } from "../compile/compile.js";
import type { PolicyDoc } from "./types.js";

// The document each loaded policy was compiled from: hot reload compares definitions (docs/policy.md,
// "Hot reload"), and a CompiledPolicy does not carry its document.
const documents = new WeakMap<CompiledPolicy, PolicyDoc>();

/**
 * The document `policy` was loaded from by {@link loadPolicy}; undefined for a policy compiled some
 * other way.
 *
 * @example
 * documentOf(loadPolicy(text).policy!)?.rules?.length
 */
export function documentOf(policy: CompiledPolicy): PolicyDoc | undefined {
  return documents.get(policy);
}

/** The outcome of {@link loadPolicy}: a policy only when there are no errors. */
export interface LoadResult {
  policy?: CompiledPolicy;
  errors: PolicyIssue[];
  warnings: PolicyIssue[];
}

/**
 * Loads a policy from YAML text or from an already-parsed object. Never throws: every problem is returned,
 * all at once, each with its path (and YAML line and column).
 *
 * @example
 * const { policy, errors, warnings } = loadPolicy(`
 * version: 1
 * default: deny
 * rules:
 *   - id: search
 *     when: action.tool == "search"
 *     effect: allow
 * `);
 * if (!policy) for (const e of errors) console.error(`${e.line}:${e.column}: ${e.message}`);
 */
export function loadPolicy(source: string | object): LoadResult {
  let value: unknown = source;
  let map: SourceMap | undefined;
  if (typeof source === "string") {
    const parsed = parseYaml(source);
    if (parsed.errors.length) return { errors: parsed.errors, warnings: [] };
    value = parsed.value;
    map = parsed.source;
  }
  const shape = validatePolicyShape(value);
  const place = (i: PolicyIssue & { offset?: number }, isKey = false): PolicyIssue => {
    const { offset, ...issue } = i;
    if (!map) return issue;
    const at = offset !== undefined ? map.locateInString(i.path, offset) : isKey ? map.locateKey(i.path) : map.locate(i.path);
    return at ? { ...issue, line: at.line, column: at.column } : issue;
  };
  const warnings = shape.warnings.map((w) => place(w));
  const shapeErrors = shape.errors.map((e) => place(e, e.code === "unknown_key" || e.code === "unsupported"));
  const doc = shape.doc ?? shape.partial;
  if (!doc) return { errors: shapeErrors, warnings };
  const compiled = compilePolicy(doc);
  const errors = [...shapeErrors, ...compiled.errors.map((e) => place(e))];
  errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  if (!compiled.policy || errors.length) return { errors, warnings };
  // A caller's object could change after loading; the document must stay the one that was compiled.
  documents.set(compiled.policy, typeof source === "string" ? doc : structuredClone(doc));
  return { policy: compiled.policy, errors, warnings };
}
