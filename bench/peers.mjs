// The contenders, each a `decide(i)` over the same action mix. trailguard runs its full path (guard.check:
// canonicalise, encode, engine) and, separately, the engine alone on pre-canonicalised parts; the peers
// get the canonical action precomputed outside the timed loop, which favours them. The hand-written twin
// runs both ways: on the precomputed canonical action (the floor for the engine alone) and canonicalising
// each action itself with core's canonicalisers (the floor for guard.check, which pays the same step:
// checks written by hand on raw URLs and command lines would be bypassable, so a real twin must do it).

import { createGuard, loadPolicy, canonicaliseUrl, canonicaliseShell } from "@trailguard/core";
import { parse as celParse } from "@marcbachmann/cel-js";
import { celEnv, isCelError, parse as bufParse, plan as bufPlan } from "@bufbuild/cel";
import * as cedar from "@cedar-policy/cedar-wasm/nodejs";
import { referencePolicy } from "./reference.mjs";
// The engine host is internal to core; the bench reaches it to measure the engine without canonicalising.
import { Engine } from "../packages/core/dist/engine/host.js";

// One session and agent slot, time 0, no taint: the engine alone, as the guard would call it.
const ENGINE_INPUTS = { now: 0, session: 0, agent: 0, valueLabels: 0n, lift: -1, explicit: -1, repeatKey: 0 };

const RANK = { allow: 0, flag: 1, ask: 2, deny: 3, kill: 4 };
const NAMES = ["allow", "flag", "ask", "deny", "kill"];

/** The canonical action the engine sees (one part: the mix has single-command shell lines). */
export function canonical(action) {
  const a = { ...action };
  if (a.url) Object.assign(a, canonicaliseUrl(a.url));
  if (a.command) {
    const part = canonicaliseShell(a.command).parts[0];
    a.line = a.command;
    a.program = part.program;
    a.argv = part.argv;
    a.command = part.argv.join(" ");
  }
  return a;
}

// What a peer's evaluation returns for an erring condition when the peer reports errors as values
// (@bufbuild/cel) rather than throwing: a throw the peer never made would be timed as its cost.
const ERRED = Symbol("erred");

/** Precedence as the engine applies it, for the peers that evaluate rule by rule. */
function combine(rules, evaluate, a) {
  let best = -1;
  for (const r of rules) {
    let m;
    try {
      m = evaluate(r, a);
    } catch {
      m = ERRED;
    }
    if (m === ERRED) m = RANK[r.effect] >= 2; // an erring condition matches only restrictive rules (DESIGN §4)
    if (m === true && RANK[r.effect] > best) best = RANK[r.effect];
  }
  return best < 0 ? "deny" : NAMES[best];
}

/**
 * Builds every contender for a reference policy of `n` rules over `actions`.
 *
 * @example
 * const peers = await buildPeers(100, actionMix(100));
 */
export async function buildPeers(n, actions) {
  const ref = referencePolicy(n);
  const { policy, errors } = loadPolicy(ref.yaml);
  if (!policy) throw new Error(`reference policy does not load: ${errors.map((e) => e.message).join("; ")}`);
  const guard = await createGuard({ policy });
  const engine = await Engine.create(policy);
  engine.ensure(1, 1);
  const canon = actions.map(canonical);

  const celRules = ref.rules.map((r) => ({ ...r, fn: celParse(r.when) }));
  const celCtx = canon.map((a) => ({ action: a, sets: ref.sets }));
  // @bufbuild/cel: each condition parsed and planned once in one environment (its standard library
  // covers startsWith, contains, matches and size); evaluated on the same activation as cel-js.
  const bufEnv = celEnv();
  const bufRules = ref.rules.map((r) => ({ ...r, fn: bufPlan(bufEnv, bufParse(r.when)) }));

  const cedarPolicies = ref.rules.map(toCedar).join("\n");
  const parsed = cedar.preparsePolicySet(`ref${n}`, { staticPolicies: cedarPolicies });
  if (parsed.type !== "success") throw new Error(`cedar: ${JSON.stringify(parsed.errors)}`);
  const cedarCalls = canon.map((a) => ({
    principal: { type: "Agent", id: a.session },
    action: { type: "Action", id: a.kind === "tool" ? a.tool : a.kind },
    resource: { type: "Resource", id: "any" },
    context: cedarContext(a),
    preparsedPolicySetId: `ref${n}`,
    entities: [],
  }));

  const effect = (d) => d.effect;
  return {
    "trailguard guard.check": (i) => effect(guard.check(actions[i])),
    "trailguard engine only": (i) => NAMES[engine.decide([canon[i]], ENGINE_INPUTS).effect],
    "hand-written JS": (i) => combine(ref.rules, (r, a) => r.js(a), canon[i]),
    "hand-written JS, canonicalising": (i) => combine(ref.rules, (r, a) => r.js(a), canonical(actions[i])),
    "cel-js (@marcbachmann)": (i) => combine(celRules, (r, c) => r.fn(c), celCtx[i]),
    "@bufbuild/cel": (i) => combine(bufRules, (r, c) => {
      const v = r.fn(c);
      return isCelError(v) ? ERRED : v;
    }, celCtx[i]),
    "cedar-wasm": (i) => (cedar.statefulIsAuthorized(cedarCalls[i]).response?.decision === "allow" ? "allow" : "deny"),
  };
}

function toCedar(r) {
  const head = r.effect === "allow" ? "permit" : "forbid";
  let m;
  if ((m = /^action\.tool == "(\w+)" && action\.args\.amount > (\d+)$/.exec(r.when))) {
    return `${head} (principal, action == Action::"${m[1]}", resource) when { context has amount && context.amount > ${m[2]} };`;
  }
  if ((m = /^action\.tool in \["(\w+)", "(\w+)"\] && action\.args\.path\.startsWith\("([^"]+)"\)$/.exec(r.when))) {
    return `${head} (principal, action in [Action::"${m[1]}", Action::"${m[2]}"], resource) when { context has path && context.path like "${m[3]}*" };`;
  }
  if ((m = /action\.method == "DELETE" && action\.path\.matches\("\^(\/api\/v\d+\/)\(data\|users\)\/"\)/.exec(r.when))) {
    return `${head} (principal, action == Action::"http", resource) when { context.method == "DELETE" && (context.path like "${m[1]}data/*" || context.path like "${m[1]}users/*") };`;
  }
  if ((m = /action\.host in sets\.(\w+) && action\.path\.startsWith\("([^"]+)"\)/.exec(r.when))) {
    const i = m[1].split("_")[1];
    return `${head} (principal, action == Action::"http", resource) when { ["api${i}.example", "cdn${i}.example", "auth${i}.example"].contains(context.host) && context.path like "${m[2]}*" };`;
  }
  if ((m = /^action\.program == "(\w+)" && action\.command\.contains\(" --force"\)$/.exec(r.when))) {
    return `${head} (principal, action == Action::"shell", resource) when { context.program == "${m[1]}" && context.command like "* --force*" };`;
  }
  if ((m = /^action\.kind == "shell" && action\.program == "(\w+)"$/.exec(r.when))) {
    return `${head} (principal, action == Action::"shell", resource) when { context.program == "${m[1]}" };`;
  }
  if ((m = /^action\.kind == "fs\.write" && action\.file\.startsWith\("([^"]+)"\)/.exec(r.when))) {
    return `${head} (principal, action == Action::"fs.write", resource) when { context.file like "${m[1]}*" };`;
  }
  throw new Error(`no Cedar twin for \`${r.when}\``);
}

function cedarContext(a) {
  const c = {};
  if (a.args && typeof a.args.amount === "number") c.amount = a.args.amount;
  if (a.args && typeof a.args.path === "string") c.path = a.args.path;
  if (a.kind === "http") Object.assign(c, { host: a.host, path: a.path, method: a.method });
  if (a.kind === "shell") Object.assign(c, { program: a.program, command: a.command });
  return c;
}
