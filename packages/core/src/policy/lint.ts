// `lintPolicy`: what loads but is probably not what the author meant. It reuses the loader for what
// refuses a policy (errors, with the loader's own codes and paths) and its warnings, and adds findings of
// its own about rules, sets and flows. Every finding is certain; lint is not complete (docs/policy.md,
// "Lint").

import { isGlob } from "../automata/index.js";
import type { ExprContext } from "../compile/expr.js";
import { pathKey, type FieldPath } from "../compile/fields.js";
import { ESSENTIAL } from "../packs/essential.js";
import { HEURISTICS } from "../packs/heuristics.js";
import type { PolicyIssue } from "./issues.js";
import { loadPolicy } from "./load.js";
import { analyse, both, contradiction, implies, type Branch, type Condition } from "./lint-logic.js";
import { parseYaml, type SourceMap } from "./parse.js";
import { EFFECTS, type PolicyDoc, type RuleDoc } from "./types.js";
import { validatePolicyShape } from "./validate.js";

/**
 * The codes lint reports besides the loader's (`parse_error`, `invalid_pattern`, … as errors, and
 * `default_allow` as a warning).
 *
 * @example
 * LINT_CODES.includes("shadowed_allow") // true
 */
export const LINT_CODES = ["never_matches", "shadowed_allow", "shadowed_rule", "unused_set", "unproduced_label"] as const;

/** One thing lint found: the loader's issue shape plus a severity. */
export interface LintFinding extends PolicyIssue {
  /** `error`: the policy does not load; `warning`: it loads, but this is probably a mistake. */
  severity: "error" | "warning";
}

/** The outcome of {@link lintPolicy}. */
export interface LintResult {
  /** Whether the policy loads (no finding has severity `error`). */
  loads: boolean;
  /** Every finding, in source order. */
  findings: LintFinding[];
}

/**
 * Lints a policy (YAML text or a parsed object). Never throws. Findings of severity `error` are the
 * loader's errors, unchanged; the rest are warnings:
 *
 * - `default_allow`: `default: allow` (the loader's warning);
 * - `never_matches`: a rule no action can match (contradictory tests, values the guard never produces,
 *   an `unless` that always holds);
 * - `shadowed_allow`: an `allow` or `flag` rule every match of which a `deny` or `kill` rule also matches;
 * - `shadowed_rule`: any other rule that can never name a decision, because a rule that takes precedence
 *   matches whenever it does;
 * - `unused_set`: a set no condition reads;
 * - `unproduced_label`: a label a flow sink forbids that no flow source produces.
 *
 * @example
 * const { loads, findings } = lintPolicy(yamlText);
 * for (const f of findings) console.log(`${f.line}:${f.column}: ${f.severity}: ${f.message} (${f.code})`);
 */
export function lintPolicy(source: string | object): LintResult {
  const loaded = loadPolicy(source);
  const findings: LintFinding[] = [
    ...loaded.errors.map((e) => ({ ...e, severity: "error" as const })),
    ...loaded.warnings.map((w) => ({ ...w, severity: "warning" as const })),
  ];
  let value: unknown = source;
  let map: SourceMap | undefined;
  if (typeof source === "string") {
    const parsed = parseYaml(source);
    if (parsed.errors.length) return { loads: false, findings };
    value = parsed.value;
    map = parsed.source;
  }
  const shape = validatePolicyShape(value);
  const doc = shape.doc ?? shape.partial;
  if (doc) {
    const place = (f: Omit<LintFinding, "severity">, key = false): LintFinding => {
      const at = map ? (key ? map.locateKey(f.path) : map.locate(f.path)) : undefined;
      return { ...f, severity: "warning", ...(at ? { line: at.line, column: at.column } : {}) };
    };
    for (const f of lintDoc(doc)) findings.push(place(f, f.code === "unused_set"));
  }
  findings.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  return { loads: loaded.policy !== undefined, findings };
}

interface Analysed {
  id: string;
  index: number;
  rule: RuleDoc;
  essential: boolean;
  when: Condition;
  unless: Condition | undefined;
}

function lintDoc(doc: PolicyDoc): Omit<LintFinding, "severity">[] {
  const out: Omit<LintFinding, "severity">[] = [];
  const used = new Set<string>();
  // One context for every condition, so that equal fields and patterns get equal numbers.
  const slots = new Map<string, number>();
  const automata = new Map<string, number>();
  const intern = (key: string) => automata.get(key) ?? (automata.set(key, automata.size), automata.size - 1);
  const contextFor = (sets: Record<string, string[]>, prefix: string, record: boolean): ExprContext => ({
    slot: (p: FieldPath) => slots.get(pathKey(p)) ?? (slots.set(pathKey(p), slots.size), slots.size - 1),
    regex: (p) => intern(`re:${p}`),
    glob: (p) => intern(`glob:${p}`),
    stringSet: (values) => intern(`list:${JSON.stringify(values)}`),
    namedSet(name) {
      if (record) used.add(name);
      return Object.prototype.hasOwnProperty.call(sets, name) ? intern(`set:${prefix}${name}`) : `unknown set \`sets.${name}\``;
    },
    setLiterals(name) {
      const entries = Object.prototype.hasOwnProperty.call(sets, name) ? sets[name] : undefined;
      return entries && !entries.some(isGlob) ? entries : undefined;
    },
  });
  const user = contextFor(doc.sets ?? {}, "", true);
  const essential = contextFor(ESSENTIAL.sets ?? {}, "essential:", false);

  const rules: Analysed[] = [];
  if (doc.extends?.includes("essential")) {
    for (const [index, rule] of (ESSENTIAL.rules ?? []).entries()) {
      const when = analyse(rule.when, essential);
      const unless = rule.unless !== undefined ? analyse(rule.unless, essential) : undefined;
      if (when) rules.push({ id: rule.id, index, rule, essential: true, when, unless });
    }
  }
  (doc.rules ?? []).forEach((rule, index) => {
    // A rule the shape check refused is null in a partial document; the loader reported it.
    if (!rule) return;
    const when = analyse(rule.when, user);
    const unless = rule.unless !== undefined ? analyse(rule.unless, user) : undefined;
    if (when && (rule.unless === undefined || unless)) rules.push({ id: rule.id, index, rule, essential: false, when, unless });
  });

  const dead = new Set<Analysed>();
  for (const r of rules) {
    if (r.essential) continue;
    const why = neverMatches(r);
    if (why) {
      dead.add(r);
      out.push({ code: "never_matches", path: why.path, message: `rule \`${r.id}\` can never match: ${why.reason}` });
    }
  }
  // Precedence is effect first, then policy order (essential rules first): the first rule that covers.
  for (const x of rules) {
    if (x.essential || dead.has(x)) continue;
    const rank = EFFECTS.indexOf(x.rule.effect);
    const before = (y: Analysed) => EFFECTS.indexOf(y.rule.effect) > rank || (EFFECTS.indexOf(y.rule.effect) === rank && rules.indexOf(y) < rules.indexOf(x));
    const y = rules.find((y) => y !== x && before(y) && covers(y, x));
    if (!y) continue;
    const allow = (x.rule.effect === "allow" || x.rule.effect === "flag") && (y.rule.effect === "deny" || y.rule.effect === "kill");
    out.push({
      code: allow ? "shadowed_allow" : "shadowed_rule",
      path: ["rules", x.index],
      message: allow
        ? `rule \`${x.id}\` (${x.rule.effect}) never lets anything through: \`${y.id}\` (${y.rule.effect}) matches every action it matches`
        : `rule \`${x.id}\` never decides: \`${y.id}\` (${y.rule.effect}) matches every action it matches and takes precedence`,
    });
  }

  // The built-in heuristics' conditions only matter here for the sets they read.
  const heuristics = doc.extends?.includes("heuristics") ? HEURISTICS : [];
  for (const s of heuristics) for (const st of s?.steps ?? []) if (typeof st?.when === "string") analyse(st.when, user);
  // The policy's other conditions: the sets they read, and whether they can ever hold.
  for (const o of otherConditions(doc)) {
    const c = typeof o.when === "string" ? analyse(o.when, user) : undefined;
    const why = c ? neverHolds(c) : undefined;
    if (why) out.push({ code: "never_matches", path: o.path, message: `${o.what} can never match: ${why}` });
  }
  for (const name of Object.keys(doc.sets ?? {})) {
    if (!used.has(name)) out.push({ code: "unused_set", path: ["sets", name], message: `set \`${name}\` is never used` });
  }

  const produced = new Set((doc.flows?.sources ?? []).flatMap((s) => s?.labels ?? []));
  (doc.flows?.sinks ?? []).forEach((sink, i) => {
    sink?.forbid?.forEach((label, j) => {
      if (!produced.has(label)) {
        out.push({ code: "unproduced_label", path: ["flows", "sinks", i, "forbid", j], message: `no flow source produces label \`${label}\`: sink \`${sink.id}\` sees it only where an adapter declares it in \`action.labels\`` });
      }
    });
  });
  return out;
}

/** Every `when` of the policy outside its rules, with where it is and what it belongs to. */
function otherConditions(doc: PolicyDoc): { when: unknown; path: (string | number)[]; what: string }[] {
  const out: { when: unknown; path: (string | number)[]; what: string }[] = [];
  (doc.sequences ?? []).forEach((s, i) => s?.steps?.forEach((st, j) => out.push({ when: st?.when, path: ["sequences", i, "steps", j, "when"], what: `step ${j + 1} of sequence \`${s.id}\`` })));
  (doc.limits ?? []).forEach((l, i) => out.push({ when: l?.when, path: ["limits", i, "when"], what: `limit \`${l?.id}\`` }));
  (doc.flows?.sources ?? []).forEach((s, i) => out.push({ when: s?.when, path: ["flows", "sources", i, "when"], what: `flow source ${i + 1}` }));
  (doc.flows?.sinks ?? []).forEach((s, i) => out.push({ when: s?.when, path: ["flows", "sinks", i, "when"], what: `flow sink \`${s?.id}\`` }));
  (doc.origins?.sources ?? []).forEach((s, i) => out.push({ when: s?.when, path: ["origins", "sources", i, "when"], what: `origin source ${i + 1}` }));
  (doc.origins?.control_sinks ?? []).forEach((s, i) => out.push({ when: s?.when, path: ["origins", "control_sinks", i, "when"], what: `control sink \`${s?.id}\`` }));
  (doc.outputs ?? []).forEach((o, i) => out.push({ when: o?.when, path: ["outputs", i, "when"], what: `output rule \`${o?.id}\`` }));
  return out;
}

/**
 * Why a condition outside the rules can never hold, or undefined. How an erring condition counts differs
 * between them (a sink or a limit matches on it, a source labels on it), so only conditions that cannot
 * err are judged: then no reading of the fail-closed rule can make them hold.
 */
function neverHolds(c: Condition): string | undefined {
  return c.total ? unsatisfiable(c.whenTrue) : undefined;
}

/** Why none of `bs` (the ways a condition holds) can hold, or undefined when one can or they are unknown. */
function unsatisfiable(bs: Branch[] | undefined): string | undefined {
  if (!bs) return undefined;
  const whys = bs.map(contradiction);
  if (whys.some((w) => w === undefined)) return undefined;
  return whys.length === 1 ? whys[0]! : whys.length === 0 ? "its condition is `false`" : "none of its alternatives can hold";
}

/** The ways a rule matches with certainty (`when` true, `unless` false), or undefined. */
function matchesWhen(r: Analysed): Branch[] | undefined {
  return r.unless ? both(r.when.whenTrue, r.unless.whenFalse) : r.when.whenTrue;
}

function restrictive(r: Analysed): boolean {
  return r.rule.effect === "ask" || r.rule.effect === "deny" || r.rule.effect === "kill";
}

/**
 * Why rule `r` never matches, or undefined. An erring `when` makes a restrictive rule match and an erring
 * `unless` never narrows one (docs/policy.md), so for those only conditions that cannot err count.
 */
function neverMatches(r: Analysed): { path: (string | number)[]; reason: string } | undefined {
  const base: (string | number)[] = ["rules", r.index];
  const strict = restrictive(r);
  if (!strict || r.when.total) {
    const why = unsatisfiable(r.when.whenTrue);
    if (why) return { path: [...base, "when"], reason: why };
  }
  if (r.unless && (!strict || r.unless.total)) {
    const why = unsatisfiable(r.unless.whenFalse);
    if (why) return { path: [...base, "unless"], reason: `its \`unless\` always holds (${why})` };
    if (!strict || r.when.total) {
      const both = unsatisfiable(matchesWhen(r));
      if (both) return { path: base, reason: `its \`unless\` holds whenever its \`when\` does (${both})` };
    }
  }
  return undefined;
}

/**
 * Whether `y` matches every action `x` matches. `y` may have no `unless` (it could narrow `y` where `x`
 * still matches); a restrictive `x` must have conditions that cannot err (an erring `when` matches it).
 */
function covers(y: Analysed, x: Analysed): boolean {
  if (y.unless) return false;
  if (restrictive(x) && (!x.when.total || (x.unless && !x.unless.total))) return false;
  const ys = y.when.whenTrue;
  const xs = matchesWhen(x);
  if (!ys || !xs) return false;
  const live = xs.filter((b) => contradiction(b) === undefined);
  return live.length > 0 && live.every((b) => ys.some((c) => implies(b, c)));
}
