// The OpenAI Agents SDK: every function tool call is decided by a tool input guardrail (the SDK's own hook,
// run before the tool's `invoke`), outputs go to the guard through a tool output guardrail, and handoffs
// are decided as `delegate` actions inside the handoff's `onInvokeHandoff`, which the runner awaits before
// it switches agents. Imported from `@trailguard/openai/agents`, so that Chat Completions users need not
// install the SDK.

import {
  ActionDeniedError,
  denialText,
  messageOf,
  refusal,
  type ApprovalRequest,
  type Approver,
  type Decision,
  type Guard,
} from "@trailguard/core";
import {
  Agent,
  Handoff,
  ToolGuardrailFunctionOutputFactory,
  defineToolInputGuardrail,
  defineToolOutputGuardrail,
  handoff as makeHandoff,
  type FunctionTool,
  type RunContext,
  type Tool,
  type ToolInputGuardrailDefinition,
  type ToolOutputGuardrailDefinition,
} from "@openai/agents";
import { decideAction, decideCall, parseArguments, recordOutput, toolAction, type CallVerdict } from "./action.js";

/**
 * Options of the Agents SDK integration.
 *
 * @example
 * const options: AgentsGuardOptions = { session: (ctx) => ctx.context.conversationId, onDeny: "refuse" };
 */
export interface AgentsGuardOptions {
  /** The session: a fixed id, or read from the run's context (`run(agent, input, { context })`). */
  session: string | ((context: RunContext<any>) => string);
  /**
   * `refuse` (default): a denied tool call is answered with the refusal text (`rejectContent`) and the run
   * goes on. `throw`: the guardrail trips (`throwException`) and the run rejects with the SDK's
   * `ToolInputGuardrailTripwireTriggered`, whose `result.output.outputInfo.error` is the
   * `ActionDeniedError` (`actionDeniedFrom(e)` finds it). A `kill` always trips. A denied handoff always
   * rejects the run with `ActionDeniedError`: the SDK has no way to decline a handoff and go on.
   */
  onDeny?: "refuse" | "throw";
  /**
   * Who answers `ask`. `guard` (default): the guard's approver, inside the guardrail, as for every other
   * integration. `sdk`: the SDK's own approval flow: the tool's `needsApproval` is true when the policy
   * asks, the run stops with `interruptions`, you `state.approve(item)` or `state.reject(item)` and run
   * again; an SDK approval then reaches the guard through {@link agentsApprover}, which must be the
   * guard's approver.
   */
  approvals?: "guard" | "sdk";
  /** The {@link agentsApprover} the guard was created with; required with `approvals: "sdk"`. */
  approver?: AgentsApprover;
}

/**
 * A tool input guardrail that decides each call of the tools it is attached to (`tool` action: the
 * tool's name, the parsed arguments, `agent`: the calling agent's name). Allowed calls run; denied ones
 * never reach the tool's `invoke`.
 *
 * @example
 * const search = tool({ name: "search", parameters, execute, inputGuardrails: [trailguardInputGuardrail(guard, { session: "s1" })] });
 */
export function trailguardInputGuardrail(guard: Guard, options: AgentsGuardOptions): ToolInputGuardrailDefinition<any> {
  if (options.approvals === "sdk" && !options.approver) throw new TypeError("`approvals: \"sdk\"` needs the `approver` the guard was created with (agentsApprover())");
  return defineToolInputGuardrail({
    name: "trailguard",
    run: async ({ context, agent, toolCall }) => {
      const name = toolName(toolCall);
      let verdict: CallVerdict;
      try {
        const session = sessionOf(options, context);
        if (options.approvals === "sdk") {
          const approval = context.isToolApproved({ toolName: toolCall.name, callId: toolCall.callId });
          const key = askedKey(session, toolCall.name, toolCall.callId);
          // Before the SDK asks its approver (`preApprovalInputGuardrails`): the tool does not run yet, the
          // interruption decides. The mark is used once and the policy must still ask: a call id left by a
          // rejected approval, or reused by another call, never lets a call through undecided.
          if (options.approver!.asked.delete(key) && approval === undefined) {
            const parsed = parseArguments(toolCall.arguments);
            const d = parsed.ok ? guard.check(toolAction(toolCall.name, parsed.args, { session })) : undefined;
            if (d !== undefined && d.effect === "ask" && d.shadow !== true) return ToolGuardrailFunctionOutputFactory.allow({ pending: true });
          }
          if (approval === true) options.approver!.vouch(session, name, parseArguments(toolCall.arguments));
        }
        verdict = await decideCall(guard, { name, arguments: toolCall.arguments }, { session, agent: agent.name, onDeny: "refuse" });
        // The SDK runs a call with the model's arguments only: other arguments from an approver cannot be
        // run, so the call is refused with them, and the model may call again.
        if (verdict.allowed && verdict.decision.args) {
          verdict = { allowed: false, decision: refusal("approval_modified", "the approver changed the arguments, which the Agents SDK cannot do for a call"), text: `trailguard: the approver allows this call only with the arguments ${JSON.stringify(verdict.args)}; call the tool again with them if that still serves the task` };
        }
      } catch (e) {
        // A kill comes back as ActionDeniedError; anything else is a fault of ours, and a deny.
        const decision = e instanceof ActionDeniedError ? e.decision : refusal("adapter_error", `the call could not be decided: ${messageOf(e)}`);
        verdict = { allowed: false, decision, text: denialText(decision, name) };
      }
      if (verdict.allowed) return ToolGuardrailFunctionOutputFactory.allow({ decision: verdict.decision });
      if (verdict.decision.effect === "kill" || options.onDeny === "throw") {
        return ToolGuardrailFunctionOutputFactory.throwException({ decision: verdict.decision, error: new ActionDeniedError(verdict.decision, name) });
      }
      return ToolGuardrailFunctionOutputFactory.rejectContent(verdict.text, { decision: verdict.decision });
    },
  });
}

/**
 * A tool output guardrail that hands each output to `guard.recordResult`, so flow rules can label it,
 * and passes on the output the guard returns (redacted, once output rules exist). It runs only for calls
 * that ran.
 *
 * @example
 * const read = tool({ name: "read_customers", parameters, execute, outputGuardrails: [trailguardOutputGuardrail(guard, { session: "s1" })] });
 */
export function trailguardOutputGuardrail(guard: Guard, options: Pick<AgentsGuardOptions, "session">): ToolOutputGuardrailDefinition<any> {
  return defineToolOutputGuardrail({
    name: "trailguard",
    run: async ({ context, toolCall, output }) => {
      let session: string;
      try {
        session = sessionOf(options, context);
      } catch {
        // Not recorded means not labelled and not redacted: withheld rather than handed on.
        return ToolGuardrailFunctionOutputFactory.rejectContent("[output withheld: trailguard could not record it]");
      }
      const kept = recordOutput(guard, { session, tool: toolName(toolCall), output });
      // `rejectContent` is the SDK's one way to replace an output: used only when the guard changed it.
      if (kept !== output) return ToolGuardrailFunctionOutputFactory.rejectContent(typeof kept === "string" ? kept : JSON.stringify(kept ?? null));
      return ToolGuardrailFunctionOutputFactory.allow();
    },
  });
}

/**
 * Guards function tools: each gets {@link trailguardInputGuardrail} (first, before the tool's own) and
 * {@link trailguardOutputGuardrail}; with `approvals: "sdk"`, its `needsApproval` is also true when the
 * policy asks. Other tools (hosted, computer, shell) are returned unchanged: the guardrails exist only for
 * function tools.
 *
 * @example
 * const agent = new Agent({ name: "support", tools: guardAgentTools(guard, [search, sendEmail], { session: "s1" }) });
 */
export function guardAgentTools<T extends Tool<any>>(guard: Guard, tools: readonly T[], options: AgentsGuardOptions): T[] {
  const input = trailguardInputGuardrail(guard, options);
  const output = trailguardOutputGuardrail(guard, options);
  return tools.map((t) => {
    if (t.type !== "function") return t;
    const fn = t as FunctionTool<any, any, any>;
    if (fn.inputGuardrails?.some((g) => g === input || g.name === "trailguard")) return t;
    const guarded: FunctionTool<any, any, any> = {
      ...fn,
      inputGuardrails: [input, ...(fn.inputGuardrails ?? [])],
      // First: the SDK stops at the first guardrail that rejects, and an output must be recorded (and
      // redacted) before any other guardrail may quote it.
      outputGuardrails: [output, ...(fn.outputGuardrails ?? [])],
    };
    if (options.approvals === "sdk") guarded.needsApproval = askingApproval(guard, fn, options);
    return guarded as T;
  });
}

/**
 * Guards an agent and every agent it can hand off to: their function tools ({@link guardAgentTools}) and
 * their handoffs ({@link guardHandoff}). Changes the agents in place and returns the first.
 *
 * @example
 * const triage = guardAgent(guard, new Agent({ name: "triage", handoffs: [billing], tools: [search] }), { session: "s1" });
 * await run(triage, "refund my order");
 */
export function guardAgent<A extends Agent<any, any>>(guard: Guard, agent: A, options: AgentsGuardOptions, seen = new Set<Agent<any, any>>()): A {
  if (seen.has(agent)) return agent;
  seen.add(agent);
  agent.tools = guardAgentTools(guard, agent.tools, options);
  agent.handoffs = agent.handoffs.map((h) => {
    const target = h instanceof Handoff ? h.agent : h;
    guardAgent(guard, target, options, seen);
    return guardHandoff(guard, agent, h, options);
  });
  return agent;
}

/**
 * A handoff from `from` that is decided before it happens: a `delegate` action with `agent`: the sending
 * agent's name, `target`: the receiving agent's name, `args`: the handoff's input, if it has one. It is
 * decided in the handoff's `onInvokeHandoff`, which the runner awaits before it switches to the target;
 * a denied handoff rejects the run with `ActionDeniedError`, so the target never runs.
 *
 * @example
 * const triage = new Agent({ name: "triage", handoffs: [] });
 * triage.handoffs = [guardHandoff(guard, triage, billing, { session: "s1" })];
 */
export function guardHandoff(guard: Guard, from: Agent<any, any>, to: Agent<any, any> | Handoff<any, any>, options: Pick<AgentsGuardOptions, "session">): Handoff<any, any> {
  const original = to instanceof Handoff ? to : makeHandoff(to);
  if ((original as GuardedHandoff)[GUARDED]) return original;
  const guarded = original.clone({
    onInvokeHandoff: async (context: RunContext<any>, input: string) => {
      let verdict: CallVerdict;
      try {
        const parsed = parseArguments(input);
        const action = {
          kind: "delegate" as const,
          session: sessionOf(options, context),
          agent: from.name,
          target: original.agentName,
          ...(parsed.ok && input.trim() !== "" ? { args: parsed.args as Record<string, unknown> } : {}),
        };
        verdict = parsed.ok
          ? await decideAction(guard, action, original.agentName, { onDeny: "throw" })
          : { allowed: false, decision: refusal("invalid_action", "the handoff's input is not valid JSON"), text: "" };
      } catch (e) {
        if (e instanceof ActionDeniedError) throw e;
        verdict = { allowed: false, decision: refusal("adapter_error", `the handoff could not be decided: ${messageOf(e)}`), text: "" };
      }
      if (!verdict.allowed) throw new ActionDeniedError(verdict.decision, original.agentName);
      return original.onInvokeHandoff(context, input);
    },
  });
  (guarded as GuardedHandoff)[GUARDED] = true;
  return guarded;
}

/**
 * The bridge from the SDK's approvals to the guard's: create the guard with `approver: bridge` and pass
 * the bridge as `approver` with `approvals: "sdk"`. When the SDK has approved a call, the guardrail
 * vouches for it and the guard's request for exactly that call (session, tool, arguments) is approved,
 * once; every other request goes to `fallback` (default: denied).
 *
 * @example
 * const approver = agentsApprover();
 * const guard = await createGuard({ policy, approver });
 * const tools = guardAgentTools(guard, [refund], { session: "s1", approvals: "sdk", approver });
 */
export function agentsApprover(fallback?: Approver): AgentsApprover {
  const vouched = new Map<string, number>();
  const asked = new Set<string>();
  const approver = (async (request: ApprovalRequest, context: { signal: AbortSignal }) => {
    const key = approvalKey(request.session, String(request.action.tool), request.action.args);
    const n = vouched.get(key) ?? 0;
    if (n > 0) {
      if (n === 1) vouched.delete(key);
      else vouched.set(key, n - 1);
      return { approved: true, by: "openai-agents" };
    }
    return fallback ? fallback(request, context) : { approved: false, note: "not approved through the Agents SDK" };
  }) as AgentsApprover;
  approver.asked = asked;
  approver.vouch = (session, tool, parsed) => {
    if (!parsed.ok) return;
    const key = approvalKey(session, tool, parsed.args);
    vouched.set(key, (vouched.get(key) ?? 0) + 1);
  };
  return approver;
}

/**
 * An approver that also carries the SDK's approvals; see {@link agentsApprover}.
 *
 * @example
 * const approver: AgentsApprover = agentsApprover(callbackApprover(() => false));
 */
export interface AgentsApprover extends Approver {
  /** Calls (session, tool, call id) whose `needsApproval` said yes because the policy asks. */
  asked: Set<string>;
  /** Records that the SDK approved this call, for the guard's next request about it. */
  vouch(session: string, tool: string, args: ReturnType<typeof parseArguments>): void;
}

/** `needsApproval` for `approvals: "sdk"`: the tool's own answer, or yes when the policy asks. */
function askingApproval(guard: Guard, fn: FunctionTool<any, any, any>, options: AgentsGuardOptions): FunctionTool<any, any, any>["needsApproval"] {
  return async (context, input, callId) => {
    if (await fn.needsApproval(context, input, callId)) return true;
    // A decision without side effects on the session: an `ask` is not run, so nothing is committed.
    const d: Decision = guard.check(toolAction(fn.name, input, { session: sessionOf(options, context) }));
    const asks = d.effect === "ask" && d.shadow !== true;
    if (asks && callId !== undefined) options.approver!.asked.add(askedKey(sessionOf(options, context), fn.name, callId));
    return asks;
  };
}

const GUARDED = Symbol("trailguard.guarded");
type GuardedHandoff = Handoff<any, any> & { [GUARDED]?: true };

function sessionOf(options: Pick<AgentsGuardOptions, "session">, context: RunContext<any>): string {
  const s = typeof options.session === "function" ? options.session(context) : options.session;
  if (typeof s !== "string" || s === "") throw new TypeError("no session for this run");
  return s;
}

function askedKey(session: string, tool: string, callId: string): string {
  return `${session}\u0000${tool}\u0000${callId}`;
}

function toolName(call: { name: string; namespace?: string | undefined }): string {
  return call.namespace ? `${call.namespace}.${call.name}` : call.name;
}

/** The same key for the same session, tool and arguments, whatever the order of object keys. */
function approvalKey(session: string, tool: string, args: unknown): string {
  return `${session}\u0000${tool}\u0000${stable(args)}`;
}

function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(",")}]`;
  if (typeof v === "object" && v !== null) {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}
