// The LangChain adapter's entry points against the bare guard, on allowed tool calls (adapters.mjs).
// Requests are built as langchain 1.5.14's ToolNode builds them (agents/nodes/ToolNode.js `runTool`):
// the AI message's tool call, the registered tool, the agent state with its messages, and the runtime
// whose `configurable` carries the thread id the middleware takes the session from.

import { AIMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { z } from "zod";
import { permits } from "@trailguard/core";
import { guardTool, trailguardMiddleware } from "@trailguard/langchain";

/** What a read tool of the mix answers: a short JSON listing, as file and search tools do. */
export const toolOutput = (args) => JSON.stringify({ path: args.path, rows: [{ id: 1, name: "alpha" }, { id: 2, name: "beta" }], truncated: false });

/**
 * The pairs for `actions` (allowed tool calls), each `{ label, n, bare, adapter, verify }`: the
 * middleware's `wrapToolCall`, on those and on `denied` (its soft deny: an error ToolMessage), and
 * `guardTool` around a real `tool()`.
 */
export async function langchainPairs(guard, actions, denied) {
  const n = actions.length;
  // One real tool per name, with the schema a tool of the mix would declare: `invoke` validates with it.
  const tools = new Map();
  for (const a of actions) {
    if (!tools.has(a.tool)) {
      tools.set(a.tool, tool(async (args) => toolOutput(args), { name: a.tool, description: `the ${a.tool} tool`, schema: z.object({ path: z.string(), limit: z.number() }) }));
    }
  }
  const request = (a, k) => {
    const ai = new AIMessage({ content: "", tool_calls: [{ name: a.tool, args: a.args, id: `call_${k}`, type: "tool_call" }] });
    return {
      toolCall: ai.tool_calls[0],
      tool: tools.get(a.tool),
      state: { messages: [new HumanMessage("list the data files"), ai] },
      runtime: { context: undefined, store: undefined, configurable: { thread_id: a.session }, writer: undefined, interrupt: undefined, signal: undefined },
    };
  };
  const requests = actions.map(request);
  const refused = denied.map(request);
  // The innermost handler as ToolNode's: the tool's string output wrapped in a ToolMessage. Calling the
  // tool itself here would time LangChain's tool machinery in both contenders; guardTool below does that.
  const handler = async (request) => new ToolMessage({ name: request.toolCall.name, content: toolOutput(request.toolCall.args), tool_call_id: request.toolCall.id });
  const { wrapToolCall } = trailguardMiddleware(guard);

  const guarded = new Map([...tools].map(([name, t]) => [name, guardTool(guard, t)]));
  const calls = actions.map((a, k) => ({ name: a.tool, args: a.args, id: `call_${k}`, type: "tool_call" }));
  const configs = actions.map((a) => ({ configurable: { thread_id: a.session } }));

  return [
    {
      label: "middleware wrapToolCall",
      n,
      bare: {
        name: "guard.check + handler",
        call: async (i) => {
          if (permits(guard.check(actions[i]))) return handler(requests[i]);
        },
      },
      adapter: { name: "trailguardMiddleware().wrapToolCall", call: (i) => wrapToolCall(requests[i], handler) },
      async verify() {
        for (let i = 0; i < n; i++) {
          const m = await wrapToolCall(requests[i], handler);
          if (!ToolMessage.isInstance(m) || m.status === "error" || m.content !== toolOutput(actions[i].args)) throw new Error(`wrapToolCall refused ${JSON.stringify(actions[i])}: ${m.content}`);
        }
      },
    },
    {
      label: "middleware wrapToolCall, denied",
      n: denied.length,
      note: "the soft deny: an error ToolMessage with the reason",
      bare: { name: "guard.check", call: async (i) => guard.check(denied[i]) },
      adapter: { name: "trailguardMiddleware().wrapToolCall", call: (i) => wrapToolCall(refused[i], handler) },
      async verify() {
        for (let i = 0; i < denied.length; i++) {
          const m = await wrapToolCall(refused[i], handler);
          if (!ToolMessage.isInstance(m) || m.status !== "error") throw new Error(`wrapToolCall ran ${JSON.stringify(denied[i])}`);
        }
      },
    },
    {
      label: "guardTool",
      n,
      note: "tool.invoke with a tool call and configurable.thread_id, as an application calling tools itself does",
      plain: { name: "tool.invoke", call: (i) => tools.get(calls[i].name).invoke(calls[i], configs[i]) },
      bare: {
        name: "guard.check + tool.invoke",
        call: async (i) => {
          if (permits(guard.check(actions[i]))) return tools.get(calls[i].name).invoke(calls[i], configs[i]);
        },
      },
      adapter: { name: "guardTool(tool).invoke", call: (i) => guarded.get(calls[i].name).invoke(calls[i], configs[i]) },
      async verify() {
        for (let i = 0; i < n; i++) {
          const m = await guarded.get(calls[i].name).invoke(calls[i], configs[i]);
          if (!ToolMessage.isInstance(m) || m.content !== toolOutput(actions[i].args)) throw new Error(`guardTool answered ${JSON.stringify(m)}`);
        }
      },
    },
  ];
}
