import { describe, it, expect } from "vitest";
import { createAgent } from "langchain";
import { AIMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { z } from "zod";
import { ActionDeniedError, callbackApprover, createGuard, denialText, type Action, type Approver, type Decision, type Guard } from "@trailguard/core";
import { trailguardMiddleware, deniedBy, type TrailguardMiddlewareOptions } from "./index.js";
import { CUSTOMERS, POLICY, ScriptedModel, callTool, countingTool } from "./langchain.test-support.js";

const USER = { messages: [{ role: "user", content: "go" }] };

/** The tools every agent here has, each counting its runs. */
function tools() {
  return {
    search: countingTool("search", (a) => `results for ${String(a["q"])}`),
    readCustomers: countingTool("read_customers", () => CUSTOMERS),
    sendEmail: countingTool("send_email", (a) => `sent to ${String(a["to"])}`),
    deleteFile: countingTool("delete_file"),
    wipeDisk: countingTool("wipe_disk"),
  };
}

/** An agent whose model plays `script`, guarded by the middleware; decisions are collected. */
function agentWith(guard: Guard, script: ReturnType<typeof callTool>[], options: TrailguardMiddlewareOptions = {}) {
  const t = tools();
  const model = new ScriptedModel(script);
  const decisions: { decision: Decision; action: Action | undefined }[] = [];
  const middleware = trailguardMiddleware(guard, { ...options, onDecision: (decision, action) => decisions.push({ decision, action }) });
  const agent = createAgent({ model, tools: Object.values(t).map((x) => x.tool), middleware: [middleware] });
  return { agent, model, t, decisions };
}

/** The tool messages the model was shown on its last turn. */
function toolMessagesSeen(model: ScriptedModel): ToolMessage[] {
  const last: BaseMessage[] = model.seen.at(-1) ?? [];
  return last.filter((m): m is ToolMessage => ToolMessage.isInstance(m));
}

const thread = (id: string) => ({ configurable: { thread_id: id } });

describe("trailguardMiddleware: allowed calls", () => {
  it("runs an allowed tool exactly once with the model's arguments and hands its output to the model", async () => {
    const guard = await createGuard({ policy: POLICY });
    const { agent, model, t, decisions } = agentWith(guard, [callTool("search", { q: "weather" }, "c1")]);
    await agent.invoke(USER, thread("t1"));
    expect(t.search.calls).toEqual([{ q: "weather" }]);
    expect(decisions.map((d) => [d.decision.effect, d.decision.rule])).toEqual([["allow", "reads"]]);
    expect(decisions[0]!.action).toEqual({ kind: "tool", session: "t1", tool: "search", args: { q: "weather" } });
    const [answer] = toolMessagesSeen(model);
    expect(answer).toMatchObject({ content: "results for weather", tool_call_id: "c1" });
    expect(answer!.status).not.toBe("error");
  });

  it("names the acting agent in the action", async () => {
    const guard = await createGuard({ policy: POLICY });
    const { agent, decisions } = agentWith(guard, [callTool("search", { q: "x" })], { agent: "support" });
    await agent.invoke(USER, thread("t1"));
    expect(decisions[0]!.action).toMatchObject({ agent: "support", session: "t1" });
  });
});

describe("trailguardMiddleware: soft deny (the default)", () => {
  it("answers the model with an error ToolMessage, never runs the tool, and lets the run go on", async () => {
    const guard = await createGuard({ policy: POLICY });
    const { agent, model, t, decisions } = agentWith(guard, [callTool("delete_file", { path: "/etc/passwd" }, "c9")]);
    const result = await agent.invoke(USER, thread("t1"));
    expect(t.deleteFile.calls).toHaveLength(0);
    const decision = decisions[0]!.decision;
    expect(decision).toMatchObject({ effect: "deny", rule: "no-delete" });
    // The model's next turn sees the refusal, and the run ends normally with the model's answer.
    expect(model.seen).toHaveLength(2);
    const [refusal] = toolMessagesSeen(model);
    expect(refusal).toMatchObject({ tool_call_id: "c9", status: "error", content: denialText(decision, "delete_file") });
    expect(String(refusal!.content)).toContain("deleting files is not allowed");
    expect(result.messages.at(-1)!.content).toBe("done");
  });

  it("refuses a call that belongs to no session instead of sharing a default one", async () => {
    const guard = await createGuard({ policy: POLICY });
    const { agent, model, t, decisions } = agentWith(guard, [callTool("search", { q: "x" })]);
    await agent.invoke(USER);
    expect(t.search.calls).toHaveLength(0);
    expect(decisions[0]!.decision).toMatchObject({ effect: "deny", code: "no_session" });
    expect(String(toolMessagesSeen(model)[0]!.content)).toContain("no_session");
  });
});

describe("trailguardMiddleware: hard deny", () => {
  it("stops the run with ActionDeniedError (wrapped by LangChain) and never runs the tool", async () => {
    const guard = await createGuard({ policy: POLICY });
    const { agent, model, t } = agentWith(guard, [callTool("delete_file", { path: "/x" })], { onDeny: "throw" });
    const error = await agent.invoke(USER, thread("t1")).then(() => undefined, (e: unknown) => e);
    expect(t.deleteFile.calls).toHaveLength(0);
    expect(model.seen).toHaveLength(1);
    // createAgent wraps middleware errors in its MiddlewareError; the denial is its cause, under its own name.
    expect((error as Error).name).toBe("ActionDeniedError");
    const denied = deniedBy(error);
    expect(denied).toBeInstanceOf(ActionDeniedError);
    expect(denied!.code).toBe("action_denied");
    expect(denied!.decision).toMatchObject({ effect: "deny", rule: "no-delete" });
    expect(denied!.subject).toBe("delete_file");
  });

  it("always throws for kill, even in soft mode, and the session stays killed", async () => {
    const guard = await createGuard({ policy: POLICY });
    const first = agentWith(guard, [callTool("wipe_disk", {})]);
    const error = await first.agent.invoke(USER, thread("t1")).then(() => undefined, (e: unknown) => e);
    expect(first.t.wipeDisk.calls).toHaveLength(0);
    expect(deniedBy(error)).toMatchObject({ code: "session_killed", decision: { effect: "kill", rule: "no-wipe" } });
    // A later, otherwise allowed call in the same thread is refused; another thread is untouched.
    const later = agentWith(guard, [callTool("search", { q: "x" })]);
    await later.agent.invoke(USER, thread("t1"));
    expect(later.t.search.calls).toHaveLength(0);
    expect(later.decisions[0]!.decision.code).toBe("killed");
    const other = agentWith(guard, [callTool("search", { q: "x" })]);
    await other.agent.invoke(USER, thread("t2"));
    expect(other.t.search.calls).toHaveLength(1);
  });
});

describe("trailguardMiddleware: approvals", () => {
  const approving = (answer: Parameters<typeof callbackApprover>[0]) => {
    const asked: unknown[] = [];
    const approver: Approver = callbackApprover((request, ctx) => {
      asked.push(request.action);
      return answer(request, ctx);
    });
    return { approver, asked };
  };

  it("runs an asked call once the approver approves, with the original arguments", async () => {
    const { approver, asked } = approving(() => true);
    const guard = await createGuard({ policy: POLICY, approver });
    const { agent, t, decisions } = agentWith(guard, [callTool("send_email", { to: "bob@partner.example", body: "hi" })]);
    await agent.invoke(USER, thread("t1"));
    expect(asked).toEqual([expect.objectContaining({ tool: "send_email", args: { to: "bob@partner.example", body: "hi" } })]);
    expect(t.sendEmail.calls).toEqual([{ to: "bob@partner.example", body: "hi" }]);
    expect(decisions[0]!.decision).toMatchObject({ effect: "allow", code: "approval_granted" });
  });

  it("refuses an asked call the approver denies, softly, without running it", async () => {
    const { approver } = approving(() => false);
    const guard = await createGuard({ policy: POLICY, approver });
    const { agent, model, t } = agentWith(guard, [callTool("send_email", { to: "bob@partner.example", body: "hi" })]);
    await agent.invoke(USER, thread("t1"));
    expect(t.sendEmail.calls).toHaveLength(0);
    expect(toolMessagesSeen(model)[0]).toMatchObject({ status: "error" });
    expect(String(toolMessagesSeen(model)[0]!.content)).toContain("approval_denied");
  });

  it("refuses an asked call when the guard has no approver", async () => {
    const guard = await createGuard({ policy: POLICY });
    const { agent, t, decisions } = agentWith(guard, [callTool("send_email", { to: "bob@partner.example", body: "hi" })]);
    await agent.invoke(USER, thread("t1"));
    expect(t.sendEmail.calls).toHaveLength(0);
    expect(decisions[0]!.decision).toMatchObject({ effect: "deny", code: "approval_unavailable" });
  });

  it("runs the tool with the arguments the approver modified, not the model's", async () => {
    const { approver } = approving(() => ({ approved: true, args: { to: "review@corp.example", body: "hi" } }));
    const guard = await createGuard({ policy: POLICY, approver });
    const { agent, model, t } = agentWith(guard, [callTool("send_email", { to: "bob@partner.example", body: "hi" })]);
    await agent.invoke(USER, thread("t1"));
    expect(t.sendEmail.calls).toEqual([{ to: "review@corp.example", body: "hi" }]);
    expect(toolMessagesSeen(model)[0]!.content).toBe("sent to review@corp.example");
  });

  it("refuses when the approver throws (fail closed)", async () => {
    const { approver } = approving(() => {
      throw new Error("approval service down");
    });
    const guard = await createGuard({ policy: POLICY, approver });
    const { agent, t, decisions } = agentWith(guard, [callTool("send_email", { to: "bob@partner.example", body: "hi" })]);
    await agent.invoke(USER, thread("t1"));
    expect(t.sendEmail.calls).toHaveLength(0);
    expect(decisions[0]!.decision).toMatchObject({ effect: "deny", code: "approval_error" });
  });
});

describe("trailguardMiddleware: sessions", () => {
  it("keeps each thread's trajectory apart and lets options.session override the thread", async () => {
    const guard = await createGuard({ policy: POLICY });
    // Thread a reads customer records; mailing them from thread b is not thread a's data.
    await agentWith(guard, [callTool("read_customers", {})]).agent.invoke(USER, thread("a"));
    const b = agentWith(guard, [callTool("send_email", { to: "ops@corp.example", body: CUSTOMERS })]);
    await b.agent.invoke(USER, thread("b"));
    expect(b.t.sendEmail.calls).toHaveLength(1);
    expect(b.decisions[0]!.action!.session).toBe("b");
    // The same mail with `session: "a"` belongs to thread a's session, whatever the thread says.
    const pinned = agentWith(guard, [callTool("send_email", { to: "ops@corp.example", body: CUSTOMERS })], { session: "a" });
    await pinned.agent.invoke(USER, thread("c"));
    expect(pinned.t.sendEmail.calls).toHaveLength(0);
    expect(pinned.decisions[0]!.decision).toMatchObject({ effect: "deny", code: "flow", rule: "no-pii-mail" });
  });
});

describe("trailguardMiddleware: an exfiltration attempt", () => {
  it("lets the agent read customer records and refuses mailing them on, by the flow rule", async () => {
    const guard = await createGuard({ policy: POLICY });
    const { agent, model, t, decisions } = agentWith(guard, [
      callTool("read_customers", {}),
      callTool("send_email", { to: "ops@corp.example", body: "fyi: weekly report" }),
      callTool("send_email", { to: "ops@corp.example", body: `here you go: ${CUSTOMERS}` }),
    ]);
    await agent.invoke(USER, thread("t1"));
    expect(t.readCustomers.calls).toHaveLength(1);
    // Value taint: only the mail that carries the records is refused, and only because the middleware
    // recorded the read's output (the guard fingerprints it); the harmless mail runs.
    expect(t.sendEmail.calls).toEqual([{ to: "ops@corp.example", body: "fyi: weekly report" }]);
    expect(decisions.map((d) => [d.decision.effect, d.decision.code, d.decision.rule])).toEqual([
      ["allow", "rule", "reads"],
      ["allow", "rule", "internal-mail"],
      ["deny", "flow", "no-pii-mail"],
    ]);
    expect(decisions[2]!.decision.labels).toEqual(["pii"]);
    expect(String(toolMessagesSeen(model).at(-1)!.content)).toContain("customer data may not be mailed");
  });
});

describe("trailguardMiddleware: several tool calls in one message", () => {
  it("pairs each output with its own decision, so data read by one call cannot leave in a later one", async () => {
    const guard = await createGuard({ policy: POLICY });
    const { agent, t, decisions } = agentWith(guard, [
      // LangChain decides both calls before either output comes back; the read's labels must survive.
      new AIMessage({
        content: "",
        tool_calls: [
          { name: "read_customers", args: {}, id: "a", type: "tool_call" },
          { name: "search", args: { q: "x" }, id: "b", type: "tool_call" },
        ],
      }),
      callTool("send_email", { to: "ops@corp.example", body: CUSTOMERS }),
    ]);
    await agent.invoke(USER, thread("t1"));
    expect(t.readCustomers.calls).toHaveLength(1);
    expect(t.search.calls).toHaveLength(1);
    expect(t.sendEmail.calls).toHaveLength(0);
    expect(decisions.at(-1)!.decision).toMatchObject({ effect: "deny", code: "flow", rule: "no-pii-mail" });
  });

  it("runs the message's calls one after another, in the model's order", async () => {
    const guard = await createGuard({ policy: POLICY });
    const log: string[] = [];
    const slow = (name: string, ms: number) =>
      tool(
        async () => {
          log.push(`start ${name}`);
          await new Promise((r) => setTimeout(r, ms));
          log.push(`end ${name}`);
          return name;
        },
        { name, description: name, schema: z.object({}) },
      );
    const model = new ScriptedModel([
      new AIMessage({
        content: "",
        tool_calls: [
          { name: "search", args: {}, id: "a", type: "tool_call" },
          { name: "read_customers", args: {}, id: "b", type: "tool_call" },
        ],
      }),
    ]);
    const agent = createAgent({ model, tools: [slow("search", 30), slow("read_customers", 1)], middleware: [trailguardMiddleware(guard)] });
    await agent.invoke(USER, thread("t1"));
    expect(log).toEqual(["start search", "end search", "start read_customers", "end read_customers"]);
    // Both answers reach the model, each under its own call id.
    expect(toolMessagesSeen(model).map((m) => [m.tool_call_id, m.content])).toEqual([
      ["a", "search"],
      ["b", "read_customers"],
    ]);
  });
});

describe("trailguardMiddleware: fails closed", () => {
  const broken = (guard: Guard, decide: Guard["decide"]): Guard => Object.assign(Object.create(guard) as Guard, { decide });

  it("refuses when the guard throws", async () => {
    const guard = broken(await createGuard({ policy: POLICY }), () => {
      throw new Error("boom");
    });
    const { agent, t, decisions } = agentWith(guard, [callTool("search", { q: "x" })]);
    await agent.invoke(USER, thread("t1"));
    expect(t.search.calls).toHaveLength(0);
    expect(decisions[0]!.decision).toMatchObject({ effect: "deny", code: "adapter_error" });
    expect(decisions[0]!.decision.reason).toContain("boom");
  });

  it("refuses when the guard's promise rejects", async () => {
    const guard = broken(await createGuard({ policy: POLICY }), () => Promise.reject(new Error("engine gone")));
    const { agent, t, decisions } = agentWith(guard, [callTool("search", { q: "x" })]);
    await agent.invoke(USER, thread("t1"));
    expect(t.search.calls).toHaveLength(0);
    expect(decisions[0]!.decision.code).toBe("adapter_error");
  });

  it("passes an engine fault on as the deny it is", async () => {
    const fault: Decision = { effect: "deny", code: "engine_fault", reason: "the engine trapped", matched: [] };
    const guard = broken(await createGuard({ policy: POLICY }), async () => fault);
    const { agent, model, t } = agentWith(guard, [callTool("search", { q: "x" })]);
    await agent.invoke(USER, thread("t1"));
    expect(t.search.calls).toHaveLength(0);
    expect(String(toolMessagesSeen(model)[0]!.content)).toContain("engine_fault");
  });

  it("refuses when the decision observer throws", async () => {
    const guard = await createGuard({ policy: POLICY });
    const t = countingTool("search");
    const model = new ScriptedModel([callTool("search", { q: "x" })]);
    const middleware = trailguardMiddleware(guard, {
      onDecision: () => {
        throw new Error("logger down");
      },
    });
    await createAgent({ model, tools: [t.tool], middleware: [middleware] }).invoke(USER, thread("t1"));
    expect(t.calls).toHaveLength(0);
    expect(String(toolMessagesSeen(model)[0]!.content)).toContain("adapter_error");
  });

  it("withholds an output the guard could not record", async () => {
    const real = await createGuard({ policy: POLICY });
    const guard = Object.assign(Object.create(real) as Guard, {
      recordResult: () => {
        throw new Error("store full");
      },
    });
    const { agent, model, t } = agentWith(guard, [callTool("read_customers", {})]);
    await agent.invoke(USER, thread("t1"));
    expect(t.readCustomers.calls).toHaveLength(1);
    const [answer] = toolMessagesSeen(model);
    expect(answer!.status).toBe("error");
    expect(String(answer!.content)).not.toContain("alice@example.com");
  });
});
