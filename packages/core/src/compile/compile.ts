// A validated policy document (plus the packs it extends) → a CompiledPolicy: the engine program and
// the tables the host needs to fill field slots and to name rules in decisions.

import { compileRegex, compileGlob, compileSet, isGlob, type Dfa, type ScanDfa } from "../automata/index.js";
import { cachedAutomaton } from "./automaton-cache.js";
import { EFFECTS, type Effect, type PolicyDoc } from "../policy/types.js";
import type { PolicyIssue } from "../policy/issues.js";
import { ESSENTIAL } from "../packs/essential.js";
import { HEURISTICS } from "../packs/heuristics.js";
import { compileExpr, type ConstValue, type ExprContext, type Ir } from "./expr.js";
import { CodeWriter, MAX_U16 } from "./codegen.js";
import { ruleKey } from "./index-rules.js";
import { assemble } from "./program.js";
import { pathKey, type FieldPath } from "./fields.js";
import { compileTrajectory, type TrajectoryInfo } from "./trajectory.js";
import { compileOutputs, type CompiledOutput } from "./outputs.js";
import { parseDuration } from "../policy/shape.js";
import canonicalize from "canonicalize";
import { sha256Hex } from "../audit/hash.js";

/** A rule as the host knows it: enough to name it in a decision. */
export interface CompiledRule {
  id: string;
  effect: Effect;
  reason?: string;
  essential: boolean;
}

/** A policy ready for the engine. Immutable; share it between guards freely. */
export interface CompiledPolicy {
  readonly name?: string;
  readonly format: 1;
  /** The engine program (core-wasm/FORMAT.md). */
  readonly program: Uint8Array;
  /** The path each field slot holds, by slot number. */
  readonly slots: readonly FieldPath[];
  /** Rules by engine index: the essential pack's first, then the policy's own in order. */
  readonly rules: readonly CompiledRule[];
  readonly default: "allow" | "deny";
  readonly mode: "enforce" | "shadow";
  /** Top-level action fields the policy reads; the host canonicalises only what is read. */
  readonly reads: ReadonlySet<string>;
  /** Sequences, limits, sinks and control sinks by engine index, labels and origins. */
  readonly trajectory: TrajectoryInfo;
  /** Output rules by engine index (bit `i` of the masks the engine hands back), in policy order. */
  readonly outputs: readonly CompiledOutput[];
  /** Sealed plans: whether each session needs one, and the keys that may sign them. */
  readonly plans: { required: boolean; keys: readonly string[] };
  /** Session bounds: live sessions kept, idle time before eviction (0: none), what a returning one gets. */
  readonly sessions: { max: number; idleMs: number; evicted: "deny" | "fresh" };
  /** Argument paths the audit log keeps in clear, each below `args` (an empty path keeps every argument). */
  readonly auditClear: readonly (readonly string[])[];
  /** SHA-256 (hex) of the policy document's canonical JSON (RFC 8785): the `policy` of every audit record. */
  readonly hash: string;
}

// The engine's rule lists are u16 (core-wasm/FORMAT.md), and a policy past this is a generator bug.
const MAX_RULES = 0xffff;
// DESIGN §8: 100,000 sessions in one engine.
const DEFAULT_MAX_SESSIONS = 100_000;
// The engine keeps one cursor per key field on its stack (core-wasm/assembly/program.ts MAX_KEYS).
const MAX_INDEX_KEYS = 8;

/**
 * Compiles a validated document. Expression problems come back with their path and offset; the loader
 * turns offsets into YAML lines and columns.
 *
 * @example
 * const { policy, errors } = compilePolicy(doc);
 */
export function compilePolicy(doc: PolicyDoc): { policy?: CompiledPolicy; errors: (PolicyIssue & { offset?: number })[] } {
  const errors: (PolicyIssue & { offset?: number })[] = [];
  const slots = new Interned<FieldPath>();
  const consts = new Interned<ConstValue>();
  const dfas = new Interned<Dfa | ScanDfa>();

  const automaton = (key: string, build: () => { ok: true; dfa: Dfa } | { ok: false; error: string }): number | string => {
    const known = dfas.get(key);
    if (known !== undefined) return known;
    const r = build();
    return r.ok ? dfas.add(key, r.dfa) : r.error;
  };
  const contextFor = (sets: Record<string, string[]>, setPrefix: string): ExprContext => ({
    slot: (path) => slots.intern(pathKey(path), () => path),
    regex: (p) => automaton(`re:${p}`, () => cachedAutomaton(`re:${p}`, () => compileRegex(p))),
    glob: (p) => automaton(`glob:${p}`, () => cachedAutomaton(`glob:${p}`, () => compileGlob(p))),
    // Literal lists are exact strings: escape what compileSet would read as glob syntax.
    stringSet: (values) => {
      const key = `list:${JSON.stringify(values)}`;
      return automaton(key, () => cachedAutomaton(key, () => compileSet(values.map((v) => v.replace(/[\\*?[]/g, "\\$&")))));
    },
    setLiterals(name) {
      const entries = sets[name];
      // Only sets of plain strings: an entry in glob syntax (`*.x`, or escaped `a\\*b` meaning `a*b`) is not its own key.
      return entries && !entries.some(isGlob) ? entries : undefined;
    },
    namedSet(name) {
      const entries = sets[name];
      if (!entries) return `unknown set \`sets.${name}\`${Object.keys(sets).length ? `; defined: ${Object.keys(sets).join(", ")}` : ""}`;
      return automaton(`set:${setPrefix}${name}`, () => {
        // Cached by its entries, not its name: two policies' `sets.hosts` may differ.
        const r = cachedAutomaton(`set:${JSON.stringify(entries)}`, () => compileSet(entries));
        return r.ok ? r : { ok: false, error: `set \`${name}\`: ${r.error}` };
      });
    },
  });

  const code = new CodeWriter((v) => consts.intern(JSON.stringify(v), () => v));

  const rules: CompiledRule[] = [];
  const layout: { effect: number; essential: boolean; whenPc: number; unlessPc?: number; key?: ReturnType<typeof ruleKey> }[] = [];
  const sources: { doc: PolicyDoc; essential: boolean; prefix: string }[] = [];
  if (doc.extends?.includes("essential")) sources.push({ doc: ESSENTIAL, essential: true, prefix: "essential:" });
  sources.push({ doc, essential: false, prefix: "" });

  for (const src of sources) {
    const ctx = contextFor(src.doc.sets ?? {}, src.prefix);
    (src.doc.rules ?? []).forEach((rule, i) => {
      if (!rule) return; // a rule the shape check refused (see ShapeResult.partial)
      const cond = (field: "when" | "unless"): Ir | undefined => {
        const text = rule[field];
        if (text === undefined) return undefined;
        const r = compileExpr(text, ctx);
        if ("ir" in r) return r.ir;
        for (const issue of r.issues) {
          errors.push({ code: issue.code, message: issue.message, path: ["rules", i, field], offset: issue.offset });
        }
        return undefined;
      };
      const when = cond("when");
      const unless = cond("unless");
      if (!when || (rule.unless !== undefined && !unless)) return;
      const whenPc = code.emitCondition(when);
      const unlessPc = unless ? code.emitCondition(unless) : undefined;
      layout.push({ effect: EFFECTS.indexOf(rule.effect), essential: src.essential, whenPc, unlessPc, key: ruleKey(when) });
      rules.push({ id: rule.id, effect: rule.effect, ...(rule.reason !== undefined ? { reason: rule.reason } : {}), essential: src.essential });
    });
  }

  // Trajectory conditions read the policy's own sets, as its rules do.
  const userCtx = contextFor(doc.sets ?? {}, "");
  const cond = (text: string, path: (string | number)[]): number | undefined => {
    const r = compileExpr(text, userCtx);
    if ("ir" in r) return code.emitCondition(r.ir);
    for (const issue of r.issues) errors.push({ code: issue.code, message: issue.message, path, offset: issue.offset });
    return undefined;
  };
  // The heuristics pack's sequences come first, as the essential pack's rules do.
  const heuristics = doc.extends?.includes("heuristics") ? HEURISTICS : [];
  const withPacks = heuristics.length > 0 ? { ...doc, sequences: [...heuristics, ...(doc.sequences ?? [])] } : doc;
  const trajectory = compileTrajectory(withPacks, cond, userCtx.slot, heuristics.length);
  for (const e of trajectory.errors) errors.push(e);
  const outputs = compileOutputs(doc, cond, (key, table) => dfas.intern(key, () => table));
  for (const e of outputs.errors) errors.push(e);

  if (rules.length > MAX_RULES) errors.push({ code: "too_large", path: ["rules"], message: `a policy may have at most ${MAX_RULES} rules` });
  for (const [what, n] of [["constants", consts.items.length], ["fields", slots.items.length], ["patterns and sets", dfas.items.length]] as const) {
    if (n > MAX_U16) errors.push({ code: "too_large", path: [], message: `the policy uses ${n} ${what}; the engine holds at most ${MAX_U16}` });
  }
  if (errors.length) return { errors };

  const { unindexed, keys } = buildIndex(layout, slots);
  const program = assemble({
    nSlots: slots.items.length,
    rules: layout,
    consts: consts.items,
    dfas: dfas.items,
    code: code.bytes(),
    maxStack: code.maxDepth,
    defaultEffect: EFFECTS.indexOf(doc.default),
    shadow: doc.mode === "shadow",
    plansRequired: doc.plans?.required === true,
    unindexed,
    keys,
    trajectory: trajectory.parts,
    outputs: outputs.parts,
  });
  const reads = new Set(slots.items.map((p) => String(p[0])));
  return {
    errors,
    policy: {
      ...(doc.name !== undefined ? { name: doc.name } : {}),
      format: 1,
      program,
      slots: slots.items,
      rules,
      default: doc.default,
      mode: doc.mode ?? "enforce",
      reads,
      trajectory: trajectory.info,
      outputs: outputs.info,
      plans: { required: doc.plans?.required === true, keys: doc.plans?.keys ?? [] },
      auditClear: (doc.audit?.clear ?? []).map((c) => c.split(".").slice(1)),
      hash: policyHash(doc),
      sessions: {
        max: doc.sessions?.max ?? DEFAULT_MAX_SESSIONS,
        idleMs: doc.sessions?.idle !== undefined ? parseDuration(doc.sessions.idle)! : 0,
        evicted: doc.sessions?.evicted ?? "deny",
      },
    },
  };
}

function buildIndex(layout: { key?: ReturnType<typeof ruleKey> }[], slots: Interned<FieldPath>) {
  // Key fields by how many rules they index; the most selective few get a hash table each.
  const counts = new Map<string, number>();
  for (const r of layout) if (r.key) counts.set(r.key.field, (counts.get(r.key.field) ?? 0) + 1);
  const chosen = [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, MAX_INDEX_KEYS).map(([f]) => f);
  const keys = chosen.map((field) => ({ field, slot: slots.get(pathKey([field]))!, buckets: new Map<string, number[]>() }));
  const unindexed: number[] = [];
  layout.forEach((r, i) => {
    const key = r.key && keys.find((k) => k.field === r.key!.field);
    if (!key || !r.key) return unindexed.push(i);
    for (const v of new Set(r.key.values)) {
      const list = key.buckets.get(v) ?? [];
      list.push(i);
      key.buckets.set(v, list);
    }
  });
  return { unindexed, keys: keys.map(({ slot, buckets }) => ({ slot, buckets })) };
}

/** Gives each distinct key one index, in first-seen order: slots, constants and automata are shared. */
class Interned<T> {
  readonly items: T[] = [];
  private readonly index = new Map<string, number>();

  get(key: string): number | undefined {
    return this.index.get(key);
  }

  add(key: string, item: T): number {
    this.items.push(item);
    this.index.set(key, this.items.length - 1);
    return this.items.length - 1;
  }

  intern(key: string, item: () => T): number {
    return this.get(key) ?? this.add(key, item());
  }
}

/**
 * The policy's identity in audit records: SHA-256 of the document's canonical JSON (RFC 8785), so the
 * same policy hashes the same however its YAML was laid out. `sha256Hex` is the runtime's native hash
 * where the entry point registered one (Node): the same digest, without running a JS SHA-256 cold.
 */
function policyHash(doc: PolicyDoc): string {
  return sha256Hex(canonicalize(doc) ?? "null");
}
