// The adapter suite's contenders (adapters.mjs): the guard, the actions, and the pairs of each adapter.
// The actions are tool calls the 100-rule reference policy (reference.mjs) allows — the path where a tool
// runs and its output comes back, which is most of an agent's calls — and, for the deny path, the mix's
// tool calls, which it all denies.

import { createGuard, loadPolicy } from "@trailguard/core";
import { actionMix, referencePolicy } from "./reference.mjs";
import { langchainPairs } from "./adapters-langchain.mjs";
import { openaiPairs } from "./adapters-openai.mjs";
import { fetchPairs } from "./adapters-fetch.mjs";

/**
 * The guard and the groups of pairs; each pair is `{ label, n, plain?, bare, adapter, verify, close? }`,
 * whose `call(i)` runs its i-th input.
 *
 * @example
 * const { guard, groups } = await adapterGroups();
 * for (const { pairs } of groups) for (const p of pairs) await p.verify();
 */
export async function adapterGroups() {
  // The reference policy, plus one rule letting the fetch suite reach its local server; the rule matches
  // no action of the mix, so the tool actions decide as in run.mjs.
  const yaml = [
    referencePolicy(100).yaml,
    "  - id: bench-local",
    `    when: 'action.kind == "http" && action.host == "127.0.0.1" && action.path.startsWith("/api/")'`,
    "    effect: allow",
  ].join("\n");
  const { policy, errors } = loadPolicy(yaml);
  if (!policy) throw new Error(`the bench policy does not load: ${JSON.stringify(errors)}`);
  const guard = await createGuard({ policy });
  // The reads the reference policy allows (`tool-<odd i>-read`), with arguments shaped like the mix's. The
  // mix itself has none: its reads all go to /home (`k ≡ 1 mod 4` makes its hash ≡ 1 mod 4, so `r & 2` is 0).
  const allowed = Array.from({ length: 256 }, (_, k) => {
    const r = (k * 2654435761) >>> 0;
    const i = 2 * ((r >>> 8) % 25) + 1;
    return { kind: "tool", session: `s${k % 8}`, tool: `${k & 1 ? "list" : "read"}_${i}`, args: { path: `/srv/data/${k}.json`, limit: 50 } };
  });
  for (const a of allowed) if (guard.check(a).effect !== "allow") throw new Error(`not allowed: ${JSON.stringify(a)}`);
  // The mix's tool calls, every one denied (by a rule or the default), for the deny path.
  const denied = actionMix(100, 1_024).filter((a) => a.kind === "tool");
  for (const a of denied) if (guard.check(a).effect !== "deny") throw new Error(`not denied: ${JSON.stringify(a)}`);

  // What every adapter pays for approvals: `guard.decide` is `guard.check` behind a promise.
  const core = [{
    label: "guard.decide",
    n: allowed.length,
    bare: { name: "guard.check", call: async (i) => guard.check(allowed[i]) },
    adapter: { name: "guard.decide (async, approvals)", call: (i) => guard.decide(allowed[i]) },
    async verify() {},
  }];

  const groups = [
    { title: "core (the decision every adapter makes)", pairs: core },
    { title: "LangChain (langchain 1.5.14, @langchain/core 1.4.0)", pairs: await langchainPairs(guard, allowed, denied) },
    { title: "OpenAI (openai 7.55.0)", pairs: await openaiPairs(guard, allowed) },
    { title: "fetch (Node's fetch / undici)", pairs: await fetchPairs(guard) },
  ];
  return { guard, groups };
}
