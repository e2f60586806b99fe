import { describe, it, expect } from "vitest";
import { createGuard, type Action, type Decision } from "@trailguard/core";
import { guardKaibanTeam, type GuardKaibanOptions } from "./index.js";
import { CREW_POLICY, CUSTOMERS, OPEN_HANDOFF_POLICY } from "./crew.test-support.js";
import { Agent, Task, Team, call, countingTool, finish, prompts, scripted } from "./kaibanjs.test-support.js";

/** The scripted models of the latest team built, by role. */
const models: { analyst?: object; researcher?: object } = {};

/** An analyst (reads customers) and a researcher (browses); the analyst's task result feeds the researcher's. */
function team(analystSteps: object[], researcherSteps: object[], secondTask = "Research press coverage of the accounts found.") {
  const readCustomers = countingTool("read_customers", () => CUSTOMERS);
  const browse = countingTool("browse", () => "page text");
  models.analyst = scripted(...analystSteps) as object;
  models.researcher = scripted(...researcherSteps) as object;
  const analyst = new Agent({ name: "Ada", role: "analyst", goal: "know the customers", background: "", tools: [readCustomers.tool as never], llmInstance: models.analyst as never });
  const researcher = new Agent({ name: "Rex", role: "researcher", goal: "find press", background: "", tools: [browse.tool as never], llmInstance: models.researcher as never });
  const tasks = [
    new Task({ description: "List our gold customers.", expectedOutput: "accounts", agent: analyst }),
    new Task({ description: secondTask, expectedOutput: "links", agent: researcher }),
  ];
  const t = new Team({ name: "crew", agents: [analyst, researcher], tasks, logLevel: "error" });
  return { team: t, readCustomers, browse };
}

async function guarded(policy: string, build: { team: InstanceType<typeof Team> }, extra: Partial<GuardKaibanOptions> = {}) {
  const guard = await createGuard({ policy });
  const seen: { decision: Decision; action: Action }[] = [];
  guardKaibanTeam(guard, build.team, { session: "run-1", onDecision: (decision, action) => seen.push({ decision, action }), ...extra });
  return seen;
}

describe("guardKaibanTeam: tools", () => {
  it("runs allowed tool calls once with the model's arguments; the unlabelled hand-off is decided and allowed", async () => {
    const b = team([call("read_customers", { segment: "gold" }), finish("3 gold accounts")], [call("browse", { url: "https://news.example/acme" }), finish("2 links")]);
    const seen = await guarded(CREW_POLICY, b);
    const out = await b.team.start();
    expect(out.status).toBe("FINISHED");
    expect(b.readCustomers.calls).toEqual([{ segment: "gold" }]);
    expect(b.browse.calls).toEqual([{ url: "https://news.example/acme" }]);
    expect(seen.map((s) => [s.action.kind, s.action.agent, s.action.target, s.decision.effect])).toEqual([
      ["tool", "analyst", undefined, "allow"],
      ["delegate", "analyst", "researcher", "allow"],
      ["tool", "researcher", undefined, "allow"],
    ]);
  });

  it("soft deny: the agent reads the refusal, the tool never runs, and the team finishes", async () => {
    // The researcher tries the analyst's scope: a policy rule on action.agent, not a missing tool.
    const browse = countingTool("read_customers", () => CUSTOMERS);
    const researcher = new Agent({ name: "Rex", role: "researcher", goal: "g", background: "", tools: [browse.tool as never], llmInstance: scripted(call("read_customers", {}), finish("could not")) as never });
    const t = new Team({ name: "crew", agents: [researcher], tasks: [new Task({ description: "Look.", expectedOutput: "x", agent: researcher })], logLevel: "error" });
    const seen = await guarded(CREW_POLICY, { team: t });
    const out = await t.start();
    expect(out.status).toBe("FINISHED");
    expect(browse.calls).toEqual([]);
    expect(seen.map((s) => s.decision.effect)).toEqual(["deny"]);
  });

  it("hard deny blocks the task (KaibanJS's BLOCK_TASK) and the tool never runs", async () => {
    const browse = countingTool("read_customers", () => CUSTOMERS);
    const researcher = new Agent({ name: "Rex", role: "researcher", goal: "g", background: "", tools: [browse.tool as never], llmInstance: scripted(call("read_customers", {}), finish("should not get here")) as never });
    const t = new Team({ name: "crew", agents: [researcher], tasks: [new Task({ description: "Look.", expectedOutput: "x", agent: researcher })], logLevel: "error" });
    await guarded(CREW_POLICY, { team: t }, { mode: "hard" });
    const out = await t.start();
    expect(out.status).toBe("BLOCKED");
    expect(browse.calls).toEqual([]);
  });
});

describe("guardKaibanTeam: labels across task hand-offs", () => {
  it("the analyst's customer data handed to the researcher's task is denied as a delegate action (hard: the task is blocked and never runs)", async () => {
    const b = team([call("read_customers", {}), finish(`Accounts: ${CUSTOMERS}`)], [call("browse", { url: "https://news.example/" }), finish("links")]);
    const seen = await guarded(CREW_POLICY, b, { mode: "hard" });
    const out = await b.team.start();
    expect(out.status).toBe("BLOCKED");
    const handOff = seen.find((s) => s.action.kind === "delegate");
    expect(handOff?.decision).toMatchObject({ effect: "deny", rule: "no-pii-to-researcher", code: "flow", labels: ["pii"] });
    // The researcher's task never ran: its model was never asked, so its tool never ran.
    expect(b.browse.calls).toEqual([]);
  });

  it("soft: the researcher works with the refusal in place of the data, and its web request never carries it", async () => {
    const b = team([call("read_customers", {}), finish(`Accounts: ${CUSTOMERS}`)], [call("browse", { url: "https://news.example/acme" }), finish("links")], "Research press coverage of {taskResult:task1}");
    const seen = await guarded(CREW_POLICY, b);
    const out = await b.team.start();
    expect(out.status).toBe("FINISHED");
    expect(seen.find((s) => s.action.kind === "delegate")?.decision.rule).toBe("no-pii-to-researcher");
    expect(String(seen.find((s) => s.action.kind === "delegate")?.action.args?.["task"])).toContain("cust8812734");
    expect(b.browse.calls).toEqual([{ url: "https://news.example/acme" }]);
    // The researcher's model never saw the customer data, and did see the refusal.
    const shown = prompts.get(models.researcher!)!.join("\n");
    expect(shown).toContain("no-pii-to-researcher");
    expect(shown).not.toContain("cust8812734");
    expect(prompts.get(models.analyst!)!.join("\n")).toContain("cust8812734");
  });

  it("when the hand-off is allowed, the researcher's web request with the handed data is denied by a value-scope sink and never runs", async () => {
    const b = team([call("read_customers", {}), finish(`Accounts: ${CUSTOMERS}`)], [call("browse", { url: "https://search.example/?q=cust8812734" }), call("browse", { url: "https://search.example/?q=acme" }), finish("links")]);
    const seen = await guarded(OPEN_HANDOFF_POLICY, b);
    const out = await b.team.start();
    expect(out.status).toBe("FINISHED");
    expect(seen.map((s) => [s.action.kind, s.decision.rule ?? s.decision.code])).toEqual([
      ["tool", "analyst-reads-customers"],
      ["delegate", "hand-offs"],
      ["tool", "no-pii-on-the-web"],
      ["tool", "researcher-browses"],
    ]);
    expect(b.browse.calls).toEqual([{ url: "https://search.example/?q=acme" }]);
  });
});

describe("guardKaibanTeam: kill and failing closed", () => {
  /** One analyst with one tool whose model calls it once, then finishes. */
  function solo(toolName: string, args: Record<string, unknown>) {
    const t = countingTool(toolName, () => "ran");
    const analyst = new Agent({ name: "Ada", role: "analyst", goal: "g", background: "", tools: [t.tool as never], llmInstance: scripted(call(toolName, args), finish("done")) as never });
    const team = new Team({ name: "crew", agents: [analyst], tasks: [new Task({ description: "Work.", expectedOutput: "x", agent: analyst })], logLevel: "error" });
    return { team, calls: t.calls };
  }

  it("kill blocks the task even in soft mode, and the tool never runs", async () => {
    const s = solo("wipe", { all: true });
    const seen = await guarded(CREW_POLICY, s);
    expect((await s.team.start()).status).toBe("BLOCKED");
    expect(s.calls).toEqual([]);
    expect(seen.map((x) => x.decision.effect)).toEqual(["kill"]);
  });

  it("a guard that throws refuses the call (adapter_error), and the tool never runs", async () => {
    const s = solo("read_customers", {});
    const guard = await createGuard({ policy: CREW_POLICY });
    guard.decide = () => Promise.reject(new Error("engine gone"));
    const codes: string[] = [];
    guardKaibanTeam(guard, s.team, { session: "run-1", onDecision: (d) => codes.push(d.code) });
    expect((await s.team.start()).status).toBe("FINISHED");
    expect(s.calls).toEqual([]);
    expect(codes).toEqual(["adapter_error"]);
  });

  it("guarding a team twice decides each call once", async () => {
    const s = solo("read_customers", {});
    const guard = await createGuard({ policy: CREW_POLICY });
    const seen: Decision[] = [];
    guardKaibanTeam(guard, s.team, { session: "run-1", onDecision: (d) => seen.push(d) });
    guardKaibanTeam(guard, s.team, { session: "run-1", onDecision: (d) => seen.push(d) });
    await s.team.start();
    expect(s.calls).toEqual([{}]);
    expect(seen).toHaveLength(1);
  });

  it("refuses to guard without a session", async () => {
    const guard = await createGuard({ policy: CREW_POLICY });
    expect(() => guardKaibanTeam(guard, solo("x", {}).team, { session: "" })).toThrow(/session/);
  });
});
