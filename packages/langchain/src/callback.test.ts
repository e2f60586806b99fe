import { describe, it, expect, vi, beforeEach, afterEach } from "vitest";
import { createAgent } from "langchain";
import { ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { ActionDeniedError, callbackApprover, createGuard, type Action, type Decision } from "@trailguard/core";
import { TrailguardCallbackHandler, type TrailguardCallbackOptions } from "./index.js";
import { CUSTOMERS, POLICY, ScriptedModel, callTool, countingTool } from "./langchain.test-support.js";

// LangChain logs every error a raising handler throws with console.error; the tests expect those throws.
beforeEach(() => {
  vi.spyOn(console, "error").mockImplementation(() => {});
  vi.spyOn(console, "warn").mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

function handlerWith(guard: Awaited<ReturnType<typeof createGuard>>, options: TrailguardCallbackOptions = {}) {
  const decisions: { decision: Decision; action: Action | undefined }[] = [];
  const handler = new TrailguardCallbackHandler(guard, { ...options, onDecision: (decision, action) => decisions.push({ decision, action }) });
  return { handler, decisions };
}

describe("TrailguardCallbackHandler", () => {
  it("sets raiseError and awaitHandlers, without which LangChain would not stop a tool", async () => {
    const guard = await createGuard({ policy: POLICY });
    const { handler } = handlerWith(guard);
    expect(handler.raiseError).toBe(true);
    expect(handler.awaitHandlers).toBe(true);
  });

  it("lets an allowed call run once with its arguments", async () => {
    const guard = await createGuard({ policy: POLICY });
    const { handler, decisions } = handlerWith(guard, { session: "s1" });
    const search = countingTool("search", (a) => `results for ${String(a["q"])}`);
    expect(await search.tool.invoke({ q: "weather" }, { callbacks: [handler] })).toBe("results for weather");
    expect(search.calls).toEqual([{ q: "weather" }]);
    expect(decisions[0]!.action).toEqual({ kind: "tool", session: "s1", tool: "search", args: { q: "weather" } });
  });

  it("throws ActionDeniedError out of invoke for a denied call, and the tool body never runs", async () => {
    const guard = await createGuard({ policy: POLICY });
    const { handler } = handlerWith(guard, { session: "s1" });
    const del = countingTool("delete_file");
    const error = await del.tool.invoke({ path: "/x" }, { callbacks: [handler] }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ActionDeniedError);
    expect((error as ActionDeniedError).decision).toMatchObject({ effect: "deny", rule: "no-delete" });
    expect(del.calls).toHaveLength(0);
  });

  it("is what stops the tool: the same handler without raiseError lets the denied tool run", async () => {
    const guard = await createGuard({ policy: POLICY });
    // LangChain's own behaviour, shown with a subclass that turns the two switches off: the handler still
    // throws, LangChain logs it and runs the tool.
    class Swallowed extends TrailguardCallbackHandler {
      override raiseError = false;
      override awaitHandlers = false;
    }
    const swallowed = new Swallowed(guard, { session: "s1" });
    const del = countingTool("delete_file");
    await del.tool.invoke({ path: "/x" }, { callbacks: [swallowed] });
    expect(del.calls).toEqual([{ path: "/x" }]);
    await expect(del.tool.invoke({ path: "/y" }, { callbacks: [new TrailguardCallbackHandler(guard, { session: "s1" })] })).rejects.toBeInstanceOf(ActionDeniedError);
    expect(del.calls).toEqual([{ path: "/x" }]);
  });

  it("reads a string tool's input as { input }", async () => {
    const guard = await createGuard({ policy: POLICY });
    const { handler, decisions } = handlerWith(guard, { session: "s1" });
    let ran = 0;
    const echo = tool(async (text: string) => `${++ran}:${text}`, { name: "search", description: "a string tool" });
    await echo.invoke("hello", { callbacks: [handler] });
    expect(ran).toBe(1);
    expect(decisions[0]!.action!.args).toEqual({ input: "hello" });
  });

  it("takes the session from the run's thread_id and refuses a run without one", async () => {
    const guard = await createGuard({ policy: POLICY });
    const { handler, decisions } = handlerWith(guard);
    const search = countingTool("search");
    await search.tool.invoke({ q: "x" }, { callbacks: [handler], metadata: { thread_id: "t7" } });
    expect(decisions[0]!.action!.session).toBe("t7");
    const error = await search.tool.invoke({ q: "x" }, { callbacks: [handler] }).then(() => undefined, (e: unknown) => e);
    expect((error as ActionDeniedError).decision.code).toBe("no_session");
    expect(search.calls).toHaveLength(1);
  });

  it("records outputs in handleToolEnd, so a flow rule refuses sending them on", async () => {
    const guard = await createGuard({ policy: POLICY });
    const { handler, decisions } = handlerWith(guard, { session: "s1" });
    const read = countingTool("read_customers", () => CUSTOMERS);
    const send = countingTool("send_email");
    await read.tool.invoke({}, { callbacks: [handler] });
    await send.tool.invoke({ to: "ops@corp.example", body: "weekly report" }, { callbacks: [handler] });
    await expect(send.tool.invoke({ to: "ops@corp.example", body: CUSTOMERS }, { callbacks: [handler] })).rejects.toBeInstanceOf(ActionDeniedError);
    expect(send.calls).toEqual([{ to: "ops@corp.example", body: "weekly report" }]);
    expect(decisions.at(-1)!.decision).toMatchObject({ code: "flow", rule: "no-pii-mail", labels: ["pii"] });
  });

  it("decides ask with the guard's approver, and refuses approvals that change the arguments", async () => {
    let answer: boolean | { approved: boolean; args: Record<string, unknown> } = true;
    const guard = await createGuard({ policy: POLICY, approver: callbackApprover(() => answer) });
    const { handler } = handlerWith(guard, { session: "s1" });
    const send = countingTool("send_email");
    await send.tool.invoke({ to: "bob@partner.example", body: "hi" }, { callbacks: [handler] });
    expect(send.calls).toHaveLength(1);
    answer = false;
    await expect(send.tool.invoke({ to: "bob@partner.example", body: "again" }, { callbacks: [handler] })).rejects.toMatchObject({ decision: { code: "approval_denied" } });
    answer = { approved: true, args: { to: "review@corp.example", body: "hi" } };
    await expect(send.tool.invoke({ to: "carol@partner.example", body: "hi" }, { callbacks: [handler] })).rejects.toMatchObject({ decision: { code: "approval_args_unsupported" } });
    expect(send.calls).toHaveLength(1);
  });

  it("refuses when the guard throws (fail closed)", async () => {
    const real = await createGuard({ policy: POLICY });
    const guard = Object.assign(Object.create(real) as typeof real, {
      decide: () => {
        throw new Error("boom");
      },
    });
    const search = countingTool("search");
    await expect(search.tool.invoke({ q: "x" }, { callbacks: [new TrailguardCallbackHandler(guard, { session: "s1" })] })).rejects.toMatchObject({ decision: { code: "adapter_error" } });
    expect(search.calls).toHaveLength(0);
  });

  it("inside createAgent: gets the thread as session, and LangChain's tool node hands the denial to the model", async () => {
    const guard = await createGuard({ policy: POLICY });
    const { handler, decisions } = handlerWith(guard);
    const del = countingTool("delete_file");
    const model = new ScriptedModel([callTool("delete_file", { path: "/x" }, "c1")]);
    const agent = createAgent({ model, tools: [del.tool] });
    await agent.invoke({ messages: [{ role: "user", content: "go" }] }, { configurable: { thread_id: "t3" }, callbacks: [handler] });
    expect(del.calls).toHaveLength(0);
    expect(decisions[0]!.action).toMatchObject({ session: "t3", tool: "delete_file", args: { path: "/x" } });
    const answer = model.seen.at(-1)!.find((m) => ToolMessage.isInstance(m)) as ToolMessage;
    expect(answer).toMatchObject({ tool_call_id: "c1", status: "error" });
    expect(String(answer.content)).toContain("ActionDeniedError");
  });
});
