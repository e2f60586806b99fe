// The rule index: which rules can possibly match, found by one hash lookup per key field instead of
// evaluating every rule. This is what keeps a 1,000-rule policy as fast as a 10-rule one (DESIGN §8).

import { INDEX_FIELDS } from "./fields.js";
import type { Ir } from "./expr.js";

/** A rule's index entry: the key field and the values under which it is listed. */
export interface RuleKey {
  field: string;
  values: readonly string[];
}

/**
 * Finds a conjunct `FIELD == "lit"` or `FIELD in ["a", "b"]` at the top level of `when`, on a field the
 * host guarantees to be a string. When such a conjunct is false the whole conjunction is false, even if
 * another conjunct errs (`false && error` is `false`), so skipping the rule is exact.
 *
 * @example
 * ruleKey(ir) // → { field: "tool", values: ["search"] } for `action.tool == "search" && …`
 */
export function ruleKey(when: Ir): RuleKey | undefined {
  const conjuncts: Ir[] = [];
  const flatten = (n: Ir): void => {
    if (n.k === "and") {
      flatten(n.a);
      flatten(n.b);
    } else conjuncts.push(n);
  };
  flatten(when);
  let best: RuleKey | undefined;
  let bestRank = Infinity;
  for (const c of conjuncts) {
    const key = conjunctKey(c);
    if (!key) continue;
    const rank = (INDEX_FIELDS as readonly string[]).indexOf(key.field);
    if (rank < bestRank) { best = key; bestRank = rank; }
  }
  return best;
}

function conjunctKey(c: Ir): RuleKey | undefined {
  const field = (n: Ir) =>
    n.k === "load" && n.path.length === 1 && (INDEX_FIELDS as readonly unknown[]).includes(n.path[0]) ? (n.path[0] as string) : undefined;
  if (c.k === "cmp" && c.op === "==") {
    const f = field(c.a) ?? field(c.b);
    const lit = c.a.k === "const" ? c.a.value : c.b.k === "const" ? c.b.value : undefined;
    if (f && typeof lit === "string") return { field: f, values: [lit] };
  }
  if (c.k === "inDfa" && c.literals) {
    const f = field(c.x);
    if (f) return { field: f, values: c.literals };
  }
  return undefined;
}

/** FNV-1a, 32-bit, over UTF-8 bytes: the engine hashes the same way (core-wasm/assembly/evaluate.ts). */
export function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h >>> 0;
}
