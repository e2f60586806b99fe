// The reference evaluator's decisions: rules with `when` and `unless`, lifetime count limits, the fixed
// precedence and the default effect (DESIGN §4, §4.2, §5), and the kill switch, over a trace of actions in
// one or more sessions. Written plainly, one action after another, for the differential test against the
// engine. Test-only; not public API. What it does not model is listed in test/README.md.

import { evaluate, toCel, type ArgValue, type Cond, type Fields, type Truth } from "./conditions.js";

export type Effect = "allow" | "flag" | "ask" | "deny" | "kill";

/** Effects from the least to the most restrictive: precedence is the index (DESIGN §4). */
export const EFFECT_RANK: readonly Effect[] = ["allow", "flag", "ask", "deny", "kill"];

export interface RefRule {
  id: string;
  when: Cond;
  unless?: Cond;
  effect: Effect;
}

/** A count limit without `per` (the session's whole life), session scope (DESIGN §4.2). */
export interface RefLimit {
  id: string;
  when?: Cond;
  max: number;
  effect: Extract<Effect, "ask" | "deny" | "kill">;
}

export interface RefPolicy {
  default: "allow" | "deny";
  rules: RefRule[];
  limits: RefLimit[];
}

export interface RefAction {
  session: string;
  kind: "tool" | "mcp";
  tool?: string;
  args?: Record<string, ArgValue>;
}

/** The decision fields the reference predicts. */
export interface RefDecision {
  effect: Effect;
  rule: string | null;
  code: string;
  matched: string[];
}

const RESTRICTIVE: ReadonlySet<Effect> = new Set(["ask", "deny", "kill"]);

/**
 * Whether a rule matches, and whether it matched because a condition erred: an erring `when` matches a
 * restrictive rule (ask, deny, kill) and not a permissive one; an erring `unless` never narrows a
 * restrictive rule and always narrows a permissive one (docs/policy.md).
 */
function ruleOutcome(r: { when?: Cond; unless?: Cond; effect: Effect }, fields: Fields, matches: Matcher): { matched: boolean; erred: boolean } {
  const restrictive = RESTRICTIVE.has(r.effect);
  const when: Truth = r.when ? evaluate(r.when, fields, matches) : true;
  if (when === false || (when === "error" && !restrictive)) return { matched: false, erred: false };
  const unless: Truth = r.unless ? evaluate(r.unless, fields, matches) : false;
  if (unless === true || (unless === "error" && !restrictive)) return { matched: false, erred: false };
  return { matched: true, erred: when === "error" || unless === "error" };
}

export type Matcher = (pattern: string, text: string) => boolean;

function fieldsOf(a: RefAction): Fields {
  const args = a.args ?? {};
  return { kind: a.kind, tool: a.tool, "args.s": args.s, "args.t": args.t, "args.n": args.n, "args.ok": args.ok };
}

/** The decision of the rules alone: the most restrictive match, the first in policy order naming it. */
function rulesDecision(fallback: RefPolicy["default"], hits: readonly { id: string; effect: Effect; code: string }[]): RefDecision {
  if (hits.length === 0) return { effect: fallback, rule: null, code: "default", matched: [] };
  const top = Math.max(...hits.map((h) => EFFECT_RANK.indexOf(h.effect)));
  const first = hits.find((h) => EFFECT_RANK.indexOf(h.effect) === top)!;
  return { effect: first.effect, rule: first.id, code: first.code, matched: hits.map((h) => h.id) };
}

/**
 * Decides a trace in order, as a fresh guard would: each session keeps its kill mark and, per limit, the
 * number of matching actions that ran (allow or flag). A killed session's later actions are denied with
 * `code: killed`.
 *
 * @example
 * decideTrace(policy, [{ session: "s1", kind: "tool", tool: "search" }], jsMatches)[0].effect
 */
export function decideTrace(policy: RefPolicy, actions: readonly RefAction[], matches: Matcher): RefDecision[] {
  const killed = new Set<string>();
  const counts = new Map<string, number>();
  const out: RefDecision[] = [];
  for (const a of actions) {
    const fields = fieldsOf(a);
    const hits: { id: string; effect: Effect; code: string }[] = [];
    for (const r of policy.rules) {
      const o = ruleOutcome(r, fields, matches);
      if (o.matched) hits.push({ id: r.id, effect: r.effect, code: o.erred ? "eval_error" : "rule" });
    }
    const limitHits: boolean[] = policy.limits.map((l) => ruleOutcome(l, fields, matches).matched);
    if (killed.has(a.session)) {
      // DESIGN §5 leaves `matched` of a killed session's action open: the engine lists the rules that
      // matched (the kill is found before trajectory state, so no limit is listed).
      out.push({ effect: "deny", rule: null, code: "killed", matched: hits.map((h) => h.id) });
      continue;
    }
    // The rules decide first, `default` when none matched (DESIGN §4: "when no rule matches, default
    // applies"); a limit then takes over only when it is strictly more restrictive than that, so the
    // default too outranks a weaker limit, and a rule names a decision of equal effect.
    let decision = rulesDecision(policy.default, hits);
    policy.limits.forEach((l, i) => {
      // A limit refuses the action that would exceed it: `max` actions have already run.
      if (!limitHits[i] || (counts.get(`${a.session}\u0000${l.id}`) ?? 0) < l.max) return;
      decision.matched.push(l.id);
      if (EFFECT_RANK.indexOf(l.effect) > EFFECT_RANK.indexOf(decision.effect)) decision = { ...decision, effect: l.effect, rule: l.id, code: "limit" };
    });
    out.push(decision);
    if (decision.effect === "kill") killed.add(a.session);
    if (decision.effect === "allow" || decision.effect === "flag") {
      policy.limits.forEach((l, i) => {
        const key = `${a.session}\u0000${l.id}`;
        if (limitHits[i]) counts.set(key, (counts.get(key) ?? 0) + 1);
      });
    }
  }
  return out;
}

/**
 * The policy as YAML text for `loadPolicy` (JSON is YAML; conditions are CEL strings).
 *
 * @example
 * loadPolicy(policyText(policy))
 */
export function policyText(p: RefPolicy): string {
  const doc: Record<string, unknown> = {
    version: 1,
    default: p.default,
    rules: p.rules.map((r) => ({ id: r.id, when: toCel(r.when), ...(r.unless ? { unless: toCel(r.unless) } : {}), effect: r.effect })),
  };
  if (p.limits.length > 0) {
    doc.limits = p.limits.map((l) => ({ id: l.id, ...(l.when ? { when: toCel(l.when) } : {}), max: l.max, effect: l.effect }));
  }
  return JSON.stringify(doc, null, 1);
}
