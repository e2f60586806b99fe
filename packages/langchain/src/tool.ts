// A guard around one tool, for code that calls tools itself rather than through an agent: the returned
// tool is the same tool (name, description, schema, response format), except that calling it decides
// first and records the output after.

import { ToolMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import { ActionDeniedError, adapterFault, permits, type Guard } from "@trailguard/core";
import { argsOf } from "./action.js";
import { decideCall, type DecideOptions } from "./decide.js";
import { afterTool } from "./output.js";

/**
 * Options of {@link guardTool}.
 *
 * @example
 * const options: GuardToolOptions = { session: "s1", agent: "support", onDecision: (d) => console.log(d.effect) };
 */
export type GuardToolOptions = DecideOptions;

/**
 * The part of a LangChain tool that {@link guardTool} needs: a name and `invoke`.
 *
 * @example
 * const echo: InvokableTool = { name: "echo", invoke: async (input) => input };
 */
export interface InvokableTool {
  name: string;
  invoke(input: any, config?: any): Promise<any>;
}

/**
 * Wraps a LangChain tool so that every call is decided by the guard before the tool runs. The result
 * keeps the tool's name, description and schema (it inherits from the tool), so it can be handed to
 * models and agents in the tool's place. A call the guard does not permit throws `ActionDeniedError`
 * and the tool never runs (inside an agent's tool node, LangChain turns that error into an error
 * message for the model). `ask` goes to the guard's approver; modified arguments are what the tool runs
 * with. The session is `options.session`, or the call's `configurable.thread_id` (or `thread_id` in its
 * metadata); a call with neither is refused. The output is handed to `guard.recordResult`.
 *
 * @example
 * import { guardTool } from "@trailguard/langchain";
 *
 * const sendEmail = guardTool(guard, sendEmailTool, { session: "s1", agent: "support" });
 * await sendEmail.invoke({ to: "a@example.com", body: "…" }); // throws ActionDeniedError when denied
 */
export function guardTool<T extends InvokableTool>(guard: Guard, tool: T, options: GuardToolOptions = {}): T {
  // Inheriting from the tool keeps everything LangChain reads from it; only `invoke` is the guard's. The
  // tool's own `invoke` runs with the tool as `this`, so its internal calls do not come back here.
  const guarded = Object.create(tool) as T;
  const invoke = async (input: unknown, config?: RunnableConfig): Promise<unknown> => {
    const name = tool.name;
    const isCall = isToolCall(input);
    let run: unknown;
    let session: string;
    try {
      const args = argsOf(isCall ? input.args : input);
      const threadId = config?.configurable?.["thread_id"] ?? config?.metadata?.["thread_id"];
      const { decision, action } = await decideCall(guard, name, args, threadId, options);
      if (!permits(decision) || action === undefined) throw new ActionDeniedError(decision, name);
      session = action.session;
      run = decision.args === undefined ? input : isCall ? { ...input, args: decision.args } : decision.args;
    } catch (e) {
      if (e instanceof ActionDeniedError) throw e;
      throw new ActionDeniedError(adapterFault(e), name);
    }
    const output: unknown = await tool.invoke(run, config);
    try {
      if (ToolMessage.isInstance(output)) {
        const content = afterTool(guard, { session, tool: name, output: output.content });
        if (content === output.content) return output;
        return new ToolMessage({ content: content as ToolMessage["content"], tool_call_id: output.tool_call_id, name: output.name, status: output.status, artifact: output.artifact });
      }
      return afterTool(guard, { session, tool: name, output });
    } catch (e) {
      // The tool ran, but flow rules could not see its output: withhold it rather than pass it on unlabelled.
      throw new ActionDeniedError(adapterFault(e), name);
    }
  };
  Object.defineProperty(guarded, "invoke", { value: invoke, writable: false, enumerable: false, configurable: false });
  // LangChain's deprecated `call` runs a tool's body without `invoke`; on the guarded tool it goes through
  // the guard too.
  if (typeof (tool as { call?: unknown }).call === "function") {
    Object.defineProperty(guarded, "call", { value: (input: unknown, config?: RunnableConfig) => invoke(input, config), writable: false, enumerable: false, configurable: false });
  }
  return guarded;
}

function isToolCall(input: unknown): input is { args: unknown; type: "tool_call" } & Record<string, unknown> {
  return typeof input === "object" && input !== null && (input as { type?: unknown }).type === "tool_call" && "args" in input;
}
