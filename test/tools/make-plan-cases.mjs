// Regenerates test/corpus/plans/: each run makes a fresh test-only key pair and signs the plans with it.
// Run from the repository root after `pnpm build`: node test/tools/make-plan-cases.mjs
import { generatePlanKey, signPlan } from "@trailguard/core";
import { writeFileSync } from "node:fs";
import { stringify } from "yaml";
const k = generatePlanKey();
const plan = { version: 1, id: "refund-flow", nodes: { lookup: { when: 'action.tool == "crm.lookup"' }, refund: { when: 'action.tool == "refund" && action.args.amount <= 100' } }, edges: [["start", "lookup"], ["lookup", "refund"], ["refund", "lookup"]] };
const sig = signPlan(plan, k.secretKey);
const other = generatePlanKey();
const badSig = signPlan(plan, other.secretKey);
const policy = (extra = "") => `version: 1\ndefault: allow\nplans:\n  required: true\n  keys: ["${k.publicKey}"]\n${extra}`;
const act = (tool, args) => ({ type: "action", kind: "tool", session: "s1", tool, ...(args ? { args } : {}) });
const planEv = (signature, p = plan, session = "s1") => ({ type: "plan", session, plan: p, signature });
const cases = {
  "required-without-plan": { description: "plans.required: an action of a session without a plan is denied (no_plan)", policy: policy(), events: [act("crm.lookup")], expect: [{ effect: "deny", code: "no_plan", rule: null }] },
  "frontier-steps": { description: "each action must be a step on the frontier: start → lookup → refund → lookup", policy: policy(), events: [planEv(sig), act("crm.lookup"), act("refund", { amount: 50 }), act("crm.lookup")], expect: [{ effect: "allow" }, { effect: "allow" }, { effect: "allow" }] },
  "off-plan": { description: "an action that is not a successor of the current node is denied (off_plan) and does not move the plan", policy: policy(), events: [planEv(sig), act("refund", { amount: 5 }), act("crm.lookup"), act("crm.lookup"), act("refund", { amount: 500 }), act("refund", { amount: 5 })], expect: [{ effect: "deny", code: "off_plan" }, { effect: "allow" }, { effect: "deny", code: "off_plan" }, { effect: "deny", code: "off_plan" }, { effect: "allow" }] },
  "bad-signature": { description: "a plan signed by a key the policy does not list is refused; the session stays planless (bad_signature)", policy: policy(), events: [planEv(badSig), act("crm.lookup")], expect: [{ effect: "deny", code: "bad_signature" }] },
  "tampered-plan": { description: "changing a signed plan (a node's condition) breaks its signature", policy: policy(), events: [planEv(sig, { ...plan, nodes: { ...plan.nodes, refund: { when: "true" } } }), act("crm.lookup")], expect: [{ effect: "deny", code: "bad_signature" }] },
  "rules-still-apply": { description: "an on-plan action is still decided by the rules: a deny rule wins", policy: policy("rules:\n  - id: no-lookup-of-vip\n    when: action.args.vip == true\n    effect: deny\n"), events: [planEv(sig), act("crm.lookup", { vip: true }), act("crm.lookup")], expect: [{ effect: "deny", code: "rule", rule: "no-lookup-of-vip" }, { effect: "allow" }] },
  "per-session": { description: "a plan binds only the session it was installed for", policy: policy(), events: [planEv(sig), { ...act("crm.lookup"), session: "s2" }], expect: [{ effect: "deny", code: "no_plan" }] },
};
for (const [name, c] of Object.entries(cases)) writeFileSync(`${new URL("../corpus/plans/", import.meta.url).pathname}${name}.yaml`, stringify(c, { lineWidth: 0 }));
console.log(Object.keys(cases).length, "cases");
