import { describe, it, expect } from "vitest";
import { ActionDeniedError, callbackApprover, createGuard, type Decision, type Guard } from "@trailguard/core";
import { ASK_QUESTION, DELEGATE_WORK, guardCrew, type GuardCrewOptions, type HandOff } from "./index.js";
import { CREW_POLICY, CUSTOMERS, OPEN_HANDOFF_POLICY, counting } from "./crew.test-support.js";

/** A crew of researcher and analyst whose tool bodies and hand-off runners count their runs. */
function crewOf(guard: Guard, extra: Partial<GuardCrewOptions> = {}) {
  const browse = counting(() => "page text");
  const readCustomers = counting(() => CUSTOMERS);
  const wipe = counting(() => "wiped");
  const delegated: HandOff[] = [];
  const messages: HandOff[] = [];
  const decisions: Decision[] = [];
  const crew = guardCrew(guard, {
    session: "run-1",
    agents: [{ role: "researcher", tools: ["browse"] }, { role: "analyst", tools: ["read_customers", "wipe"] }],
    tools: { browse: browse.body, read_customers: readCustomers.body, wipe: wipe.body },
    delegate: (h) => {
      delegated.push(h);
      return `done: ${h.text}`;
    },
    message: (h) => {
      messages.push(h);
      return "an answer";
    },
    onDecision: (d) => decisions.push(d),
    ...extra,
  });
  return { crew, browse, readCustomers, wipe, delegated, messages, decisions };
}

describe("guardCrew: per-agent tool scopes", () => {
  it("runs an allowed call once, with the original arguments, and hands back the output", async () => {
    const c = crewOf(await createGuard({ policy: CREW_POLICY }));
    expect(await c.crew.tool("researcher", "browse", { url: "https://news.example/acme" })).toBe("page text");
    expect(c.browse.calls).toEqual([{ url: "https://news.example/acme" }]);
    expect(c.decisions.map((d) => d.rule)).toEqual(["researcher-browses"]);
  });

  it("soft deny: the agent reads the refusal and the tool body never runs", async () => {
    const c = crewOf(await createGuard({ policy: CREW_POLICY }), { agents: ["researcher", "analyst"] });
    // The researcher holds every tool structurally here; the policy scopes customer data to the analyst.
    const out = await c.crew.tool("researcher", "read_customers", {});
    expect(out).toMatch(/^trailguard denied the action `read_customers` \(default\)/);
    expect(c.readCustomers.calls).toEqual([]);
  });

  it("hard deny throws ActionDeniedError and the tool body never runs", async () => {
    const c = crewOf(await createGuard({ policy: CREW_POLICY }), { mode: "hard", agents: ["researcher", "analyst"] });
    const err = await c.crew.tool("researcher", "read_customers", {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ActionDeniedError);
    expect((err as ActionDeniedError).decision.code).toBe("default");
    expect(c.readCustomers.calls).toEqual([]);
  });

  it("kill always throws, even in soft mode, and the session stays killed", async () => {
    const c = crewOf(await createGuard({ policy: CREW_POLICY }));
    const err = await c.crew.tool("analyst", "wipe", {}).catch((e: unknown) => e);
    expect((err as ActionDeniedError).code).toBe("session_killed");
    expect(c.wipe.calls).toEqual([]);
    expect(await c.crew.tool("researcher", "browse", { url: "https://news.example/" })).toMatch(/\(killed\)/);
    expect(c.browse.calls).toEqual([]);
  });

  it("toolsFor hands an agent only the tools it holds, each guarded", async () => {
    const c = crewOf(await createGuard({ policy: CREW_POLICY }));
    const tools = c.crew.toolsFor("analyst");
    expect(Object.keys(tools).sort()).toEqual(["read_customers", "wipe"]);
    expect(await tools["read_customers"]!({})).toBe(CUSTOMERS);
    expect(c.readCustomers.calls).toEqual([{}]);
    expect(c.crew.toolsFor("nobody")).toEqual({});
  });

  it("an approver's modified arguments are what the tool runs with", async () => {
    const policy = CREW_POLICY.replace("  - id: no-wipe", [
      "  - id: ask-browse",
      "    when: action.agent == \"analyst\" && action.tool == \"browse\" && !action.args.url.startsWith(\"https://safe.example/\")",
      "    effect: ask",
      "  - id: analyst-browses-safe",
      "    when: action.agent == \"analyst\" && action.tool == \"browse\" && action.args.url.startsWith(\"https://safe.example/\")",
      "    effect: allow",
      "  - id: no-wipe",
    ].join("\n"));
    const guard = await createGuard({ policy, approver: callbackApprover(() => ({ approved: true, args: { url: "https://safe.example/" } })) });
    const c = crewOf(guard, { agents: ["researcher", "analyst"] });
    expect(await c.crew.tool("analyst", "browse", { url: "https://any.example/" })).toBe("page text");
    expect(c.browse.calls).toEqual([{ url: "https://safe.example/" }]);
  });
});

describe("guardCrew: labels carried across delegation", () => {
  it("the analyst's customer data handed to the researcher is refused at the hand-off, which never runs", async () => {
    const c = crewOf(await createGuard({ policy: CREW_POLICY }));
    const rows = String(await c.crew.tool("analyst", "read_customers"));
    const out = await c.crew.delegate("analyst", "researcher", "look up press on these accounts", rows);
    expect(out).toMatch(/by `no-pii-to-researcher` \(flow\)/);
    expect(c.delegated).toEqual([]);
    expect(c.decisions.at(-1)).toMatchObject({ effect: "deny", code: "flow", labels: ["pii"] });
    // Unlabelled work still flows (value taint, not session taint).
    expect(await c.crew.delegate("analyst", "researcher", "find press on ACME")).toBe("done: find press on ACME");
    expect(c.delegated).toEqual([{ from: "analyst", to: "researcher", text: "find press on ACME" }]);
  });

  it("the same data asked of the researcher as a question is refused too", async () => {
    const c = crewOf(await createGuard({ policy: CREW_POLICY }));
    await c.crew.tool("analyst", "read_customers");
    const ask = c.crew.coworkerTools("analyst")[ASK_QUESTION]!;
    expect(await ask({ coworker: "researcher", question: "who is cust8812734?", context: "" })).toMatch(/no-pii-to-researcher/);
    expect(c.messages).toEqual([]);
  });

  it("when the hand-off is allowed, the researcher's web request carrying that data is denied and never runs", async () => {
    const guard = await createGuard({ policy: OPEN_HANDOFF_POLICY });
    let researcherSaw: unknown;
    const c = crewOf(guard, {
      delegate: async (h) => {
        // The researcher acts on what it was handed: a web request with the account id in it.
        const account = /cust\d+/.exec(h.context ?? "")?.[0];
        researcherSaw = await c.crew.tool(h.to, "browse", { url: `https://search.example/?q=${account}` });
        await c.crew.tool(h.to, "browse", { url: "https://search.example/?q=acme" });
        return "researched";
      },
    });
    const rows = String(await c.crew.tool("analyst", "read_customers"));
    const delegateWork = c.crew.coworkerTools("analyst")[DELEGATE_WORK]!;
    expect(await delegateWork({ coworker: "researcher", task: "research these accounts", context: rows })).toBe("researched");
    expect(researcherSaw).toMatch(/by `no-pii-on-the-web` \(flow\)/);
    // Only the request without customer data ran.
    expect(c.browse.calls).toEqual([{ url: "https://search.example/?q=acme" }]);
    expect(c.decisions.map((d) => d.rule)).toEqual(["analyst-reads-customers", "hand-offs", "no-pii-on-the-web", "researcher-browses"]);
  });

  it("a hard-mode hand-off denial throws and the coworker never runs", async () => {
    const c = crewOf(await createGuard({ policy: CREW_POLICY }), { mode: "hard" });
    const rows = String(await c.crew.tool("analyst", "read_customers"));
    const err = await c.crew.message("analyst", "researcher", rows).catch((e: unknown) => e);
    expect((err as ActionDeniedError).decision.rule).toBe("no-pii-to-researcher");
    expect(c.messages).toEqual([]);
  });

  it("a coworker's answer goes through recordResult, so output rules redact what the delegator reads", async () => {
    const policy = `${OPEN_HANDOFF_POLICY}outputs:\n  - id: mask-mail\n    when: action.kind == "delegate"\n    redact: ["[a-z]+@example\\\\.com"]\n`;
    const guard = await createGuard({ policy });
    const c = crewOf(guard, { delegate: () => "reach bob@example.com" });
    const out = await c.crew.delegate("analyst", "researcher", "find a contact");
    expect(out).not.toContain("bob@example.com");
  });
});

describe("guardCrew: fails closed", () => {
  it("refuses unknown agents, unknown coworkers, tools an agent does not hold, and missing runners", async () => {
    const guard = await createGuard({ policy: CREW_POLICY });
    const c = crewOf(guard, { message: undefined });
    expect(await c.crew.tool("intern", "browse", { url: "https://x.example/" })).toMatch(/adapter_error.*unknown agent `intern`/);
    expect(await c.crew.tool("researcher", "read_customers")).toMatch(/holds no tool `read_customers`/);
    expect(await c.crew.tool("researcher", "nope")).toMatch(/holds no tool `nope`/);
    expect(await c.crew.delegate("analyst", "intern", "x")).toMatch(/unknown coworker `intern`/);
    expect(await c.crew.message("analyst", "researcher", "x")).toMatch(/without a `message` runner/);
    expect(c.browse.calls.length + c.readCustomers.calls.length + c.delegated.length).toBe(0);
    expect(c.decisions.map((d) => d.code)).toEqual(Array(5).fill("adapter_error"));
  });

  it("a guard that throws denies, and nothing runs", async () => {
    const guard = await createGuard({ policy: CREW_POLICY });
    guard.decide = () => Promise.reject(new Error("engine gone"));
    const c = crewOf(guard);
    expect(await c.crew.tool("researcher", "browse", { url: "https://x.example/" })).toMatch(/adapter_error.*engine gone/);
    expect(await c.crew.delegate("analyst", "researcher", "x")).toMatch(/adapter_error/);
    expect(c.browse.calls).toEqual([]);
    expect(c.delegated).toEqual([]);
  });

  it("an observer that throws refuses the action", async () => {
    const c = crewOf(await createGuard({ policy: CREW_POLICY }), { onDecision: () => { throw new Error("log down"); } });
    expect(await c.crew.tool("researcher", "browse", { url: "https://x.example/" })).toMatch(/log down/);
    expect(c.browse.calls).toEqual([]);
  });

  it("an output that cannot be recorded is withheld", async () => {
    const guard = await createGuard({ policy: CREW_POLICY });
    guard.recordResult = () => { throw new Error("no memory"); };
    const c = crewOf(guard);
    const err = await c.crew.tool("analyst", "read_customers").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ActionDeniedError);
    expect((err as ActionDeniedError).decision.code).toBe("adapter_error");
  });

  it("refuses to build without a session", async () => {
    const guard = await createGuard({ policy: CREW_POLICY });
    expect(() => guardCrew(guard, { session: "", agents: [] })).toThrow(/session/);
  });
});
