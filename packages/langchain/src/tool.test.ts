import { describe, it, expect } from "vitest";
import { createAgent } from "langchain";
import { ToolMessage } from "@langchain/core/messages";
import { StructuredTool } from "@langchain/core/tools";
import { ActionDeniedError, callbackApprover, createGuard } from "@trailguard/core";
import { guardTool } from "./index.js";
import { CUSTOMERS, POLICY, ScriptedModel, callTool, countingTool } from "./langchain.test-support.js";

describe("guardTool", () => {
  it("is the same tool to LangChain: name, description, schema, class", async () => {
    const guard = await createGuard({ policy: POLICY });
    const search = countingTool("search");
    const guarded = guardTool(guard, search.tool, { session: "s1" });
    expect(guarded.name).toBe("search");
    expect(guarded.description).toBe(search.tool.description);
    expect(guarded.schema).toBe(search.tool.schema);
    expect(guarded).toBeInstanceOf(StructuredTool);
  });

  it("runs an allowed call once with its arguments and returns the tool's output", async () => {
    const guard = await createGuard({ policy: POLICY });
    const search = countingTool("search", (a) => `results for ${String(a["q"])}`);
    expect(await guardTool(guard, search.tool, { session: "s1" }).invoke({ q: "weather" })).toBe("results for weather");
    expect(search.calls).toEqual([{ q: "weather" }]);
  });

  it("throws ActionDeniedError for a denied call and never runs the tool", async () => {
    const guard = await createGuard({ policy: POLICY });
    const del = countingTool("delete_file");
    const error = await guardTool(guard, del.tool, { session: "s1" }).invoke({ path: "/x" }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ActionDeniedError);
    expect((error as ActionDeniedError).decision).toMatchObject({ rule: "no-delete" });
    expect(del.calls).toHaveLength(0);
  });

  it("answers a tool call with a ToolMessage, taking the session from configurable.thread_id", async () => {
    const guard = await createGuard({ policy: POLICY });
    const sessions: (string | undefined)[] = [];
    const search = countingTool("search", () => "found");
    const guarded = guardTool(guard, search.tool, { onDecision: (_d, a) => sessions.push(a?.session) });
    const out: unknown = await guarded.invoke({ name: "search", args: { q: "x" }, id: "c1", type: "tool_call" }, { configurable: { thread_id: "t5" } });
    expect(ToolMessage.isInstance(out)).toBe(true);
    expect(out).toMatchObject({ content: "found", tool_call_id: "c1" });
    expect(sessions).toEqual(["t5"]);
    await expect(guarded.invoke({ q: "x" })).rejects.toMatchObject({ decision: { code: "no_session" } });
    expect(search.calls).toHaveLength(1);
  });

  it("runs the tool with the arguments an approver modified", async () => {
    const approver = callbackApprover(() => ({ approved: true, args: { to: "review@corp.example", body: "hi" } }));
    const guard = await createGuard({ policy: POLICY, approver });
    const send = countingTool("send_email");
    await guardTool(guard, send.tool, { session: "s1" }).invoke({ to: "bob@partner.example", body: "hi" });
    expect(send.calls).toEqual([{ to: "review@corp.example", body: "hi" }]);
  });

  it("records outputs, so a flow rule refuses sending them on", async () => {
    const guard = await createGuard({ policy: POLICY });
    const read = guardTool(guard, countingTool("read_customers", () => CUSTOMERS).tool, { session: "s1" });
    const send = countingTool("send_email");
    const guardedSend = guardTool(guard, send.tool, { session: "s1" });
    await read.invoke({});
    await expect(guardedSend.invoke({ to: "ops@corp.example", body: CUSTOMERS })).rejects.toMatchObject({ decision: { code: "flow" } });
    await guardedSend.invoke({ to: "ops@corp.example", body: "weekly report" });
    expect(send.calls).toEqual([{ to: "ops@corp.example", body: "weekly report" }]);
  });

  it("guards LangChain's deprecated call() too", async () => {
    const guard = await createGuard({ policy: POLICY });
    const del = countingTool("delete_file");
    const search = countingTool("search", () => "found");
    await expect(guardTool(guard, del.tool, { session: "s1" }).call({ path: "/x" })).rejects.toBeInstanceOf(ActionDeniedError);
    expect(del.calls).toHaveLength(0);
    expect(await guardTool(guard, search.tool, { session: "s1" }).call({ q: "x" })).toBe("found");
    expect(search.calls).toEqual([{ q: "x" }]);
  });

  it("refuses when the guard throws (fail closed)", async () => {
    const real = await createGuard({ policy: POLICY });
    const guard = Object.assign(Object.create(real) as typeof real, {
      decide: () => {
        throw new Error("boom");
      },
    });
    const search = countingTool("search");
    await expect(guardTool(guard, search.tool, { session: "s1" }).invoke({ q: "x" })).rejects.toMatchObject({ decision: { code: "adapter_error" } });
    expect(search.calls).toHaveLength(0);
  });

  it("guards a tool handed to createAgent in the tool's place", async () => {
    const guard = await createGuard({ policy: POLICY });
    const del = countingTool("delete_file");
    const model = new ScriptedModel([callTool("delete_file", { path: "/x" }, "c1")]);
    const agent = createAgent({ model, tools: [guardTool(guard, del.tool)] });
    await agent.invoke({ messages: [{ role: "user", content: "go" }] }, { configurable: { thread_id: "t1" } });
    expect(del.calls).toHaveLength(0);
    const answer = model.seen.at(-1)!.find((m) => ToolMessage.isInstance(m)) as ToolMessage;
    expect(answer).toMatchObject({ tool_call_id: "c1", status: "error" });
    expect(String(answer.content)).toContain("no-delete");
  });
});
