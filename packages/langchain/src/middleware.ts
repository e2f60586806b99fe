// The `createAgent` middleware: every tool call of the agent passes `wrapToolCall`, which decides it
// before the tool's handler runs, answers a refusal the model can read (or stops the run), and hands the
// output of an allowed call back to the guard on its way to the model.

import { createMiddleware, type AgentMiddleware } from "langchain";
import { ToolMessage } from "@langchain/core/messages";
import { ActionDeniedError, adapterFault, denialText, permits, type Decision, type Guard } from "@trailguard/core";
import { decideCall, type DecideOptions } from "./decide.js";
import { afterTool } from "./output.js";
import { takeTurn } from "./turns.js";

/**
 * Options of {@link trailguardMiddleware}.
 *
 * @example
 * const options: TrailguardMiddlewareOptions = { agent: "support", onDeny: "throw" };
 */
export interface TrailguardMiddlewareOptions extends DecideOptions {
  /**
   * What a denied call does: `"message"` (the default, a soft deny) answers the model with an error
   * `ToolMessage` saying why, and the run goes on; `"throw"` (a hard deny) stops the run with
   * `ActionDeniedError`. A `kill` always throws.
   */
  onDeny?: "message" | "throw";
  /** The middleware's name in the agent (default `"trailguard"`); LangChain requires names to be unique. */
  name?: string;
}

/**
 * Middleware for LangChain's `createAgent` that decides every tool call with the guard before the tool
 * runs (DESIGN §7). Denied calls never reach the tool: the model gets an error `ToolMessage` with the
 * reason (soft deny, the default), or the run stops with `ActionDeniedError` (`onDeny: "throw"`, and
 * always for `kill`). LangChain wraps errors thrown by middleware in its `MiddlewareError`, so
 * `agent.invoke` rejects with an error whose `cause` is the `ActionDeniedError`; {@link deniedBy}
 * finds it. Approvals (`ask`) go through the guard's approver, and modified arguments are what the tool
 * runs with. The output of an allowed call is handed to `guard.recordResult`, so flow rules can follow it.
 *
 * The session is `options.session`, or the run's `configurable.thread_id`; a call with neither is refused.
 *
 * @example
 * import { createAgent } from "langchain";
 * import { createGuard } from "@trailguard/core";
 * import { trailguardMiddleware } from "@trailguard/langchain";
 *
 * const guard = await createGuard({ policy });
 * const agent = createAgent({ model, tools, middleware: [trailguardMiddleware(guard, { agent: "support" })] });
 * await agent.invoke({ messages: [{ role: "user", content: "…" }] }, { configurable: { thread_id: "t-42" } });
 */
export function trailguardMiddleware(guard: Guard, options: TrailguardMiddlewareOptions = {}): AgentMiddleware {
  const hard = options.onDeny === "throw";
  const refuse = (decision: Decision, name: string, id: string | undefined): ToolMessage => {
    if (hard || decision.effect === "kill") throw new ActionDeniedError(decision, name);
    // `status: "error"` marks the answer as a failed call, which models are trained to read and adapt to.
    return new ToolMessage({ content: denialText(decision, name), tool_call_id: id ?? "", name, status: "error" });
  };
  return createMiddleware({
    name: options.name ?? "trailguard",
    wrapToolCall: async (request, handler) => {
      let release = () => {};
      try {
        release = await takeTurn(request.state?.messages, request.toolCall?.id);
      } catch {
        // Without its turn the call is still decided like any other; only the pairing of its output is at
        // risk, as it is for every call without the middleware's ordering.
      }
      try {
        return await decideAndRun();
      } finally {
        release();
      }

      async function decideAndRun() {
        const call = request.toolCall;
        let name = "(unnamed tool)";
        let session: string;
        let run: typeof request;
        try {
          name = typeof call.name === "string" ? call.name : name;
          const args = call.args as Record<string, unknown>;
          const { decision, action } = await decideCall(guard, name, args, request.runtime?.configurable?.thread_id, options);
          if (!permits(decision) || action === undefined) return refuse(decision, name, call.id);
          session = action.session;
          // An approver may have changed the arguments; the guard re-decided the changed call, and that
          // is the call that runs.
          run = decision.args !== undefined ? { ...request, toolCall: { ...call, args: decision.args } } : request;
        } catch (e) {
          // Only `refuse` throws on purpose; anything else is a fault of the adapter, and it denies.
          if (e instanceof ActionDeniedError) throw e;
          return refuse(adapterFault(e), name, call.id);
        }
        // The tool's own errors are the tool's: LangChain turns them into error messages as it always does.
        const result = await handler(run);
        try {
          return recordOutput(guard, session, name, result);
        } catch (e) {
          // The tool ran, but its output could not be recorded: flow rules cannot follow it, so it is
          // withheld rather than handed to the model unlabelled.
          return refuse(adapterFault(e), name, call.id);
        }
      }
    },
  });
}

/** Records a handler's result (a `ToolMessage`, or a `Command` that updates the agent's state). */
function recordOutput<R>(guard: Guard, session: string, tool: string, result: R): R {
  if (ToolMessage.isInstance(result)) {
    const output = afterTool(guard, { session, tool, output: result.content });
    if (output === result.content) return result;
    return new ToolMessage({
      content: output as ToolMessage["content"],
      tool_call_id: result.tool_call_id,
      name: result.name,
      status: result.status,
      artifact: result.artifact,
    }) as R;
  }
  // A `Command` carries the model's messages in `update.messages`: their contents are the output, recorded
  // in one result (one decision expects one) and put back redacted. A shape this adapter does not know,
  // or an output withheld whole, refuses the call (the caller turns the throw into a refusal).
  const update = (result as { update?: unknown }).update;
  const messages = typeof update === "object" && update !== null ? (update as { messages?: unknown }).messages : undefined;
  const tms = Array.isArray(messages) ? messages.filter((m) => ToolMessage.isInstance(m)) : [];
  const contents = tms.map((m) => m.content);
  const output = afterTool(guard, { session, tool, output: contents });
  if (output === contents) return result;
  if (!Array.isArray(output) || output.length !== tms.length) throw new Error("the tool's output was withheld by the output rules");
  const redacted = new Map(tms.map((m, i) => [m, new ToolMessage({
    content: output[i] as ToolMessage["content"], tool_call_id: m.tool_call_id, name: m.name, status: m.status, artifact: m.artifact,
  })]));
  const rebuilt = (messages as unknown[]).map((m) => redacted.get(m as ToolMessage) ?? m);
  return Object.assign(Object.create(Object.getPrototypeOf(result) as object) as object, result, { update: { ...(update as object), messages: rebuilt } }) as R;
}
