// The OpenAI adapter's entry points against the bare guard, on allowed tool calls (adapters.mjs). The
// messages and items are shaped as openai 7.55.0 types them (ChatCompletionMessage, ResponseFunctionToolCall);
// the model's arguments arrive as JSON text, which the adapter parses and the bare guard is handed parsed.

import { permits } from "@trailguard/core";
import { guardFunctionCalls, guardRunTools, guardToolCalls } from "@trailguard/openai";
import { toolOutput } from "./adapters-langchain.mjs";

/** Chat Completions tool call `k` for an action. */
const chatCall = (a, k) => ({ id: `call_${k}`, type: "function", function: { name: a.tool, arguments: JSON.stringify(a.args) } });

/**
 * The pairs for `actions` (allowed tool actions of the reference mix): `guardToolCalls` on assistant
 * messages of 1 and of 4 calls, `guardFunctionCalls` on a Responses output of 1 call, and a `runTools`
 * function wrapped by `guardRunTools`, called as the SDK's runner calls it.
 */
export async function openaiPairs(guard, actions) {
  const message = (calls) => ({ role: "assistant", content: null, refusal: null, tool_calls: calls });
  const single = actions.map((a, k) => message([chatCall(a, k)]));
  // Four calls of one message belong to one session; the per-action policy decides them as it would
  // in their own sessions.
  const quads = [];
  for (let k = 0; k + 4 <= actions.length; k += 4) {
    const group = actions.slice(k, k + 4).map((a) => ({ ...a, session: actions[k].session }));
    quads.push({ session: group[0].session, actions: group, message: message(group.map((a, j) => chatCall(a, k + j))) });
  }
  const items = actions.map((a, k) => [{ type: "function_call", id: `fc_${k}`, call_id: `call_${k}`, name: a.tool, arguments: JSON.stringify(a.args), status: "completed" }]);
  const opts = actions.map((a) => ({ session: a.session }));

  // runTools: one tool per name and session (an application wraps its tools per conversation), parsing
  // its arguments with JSON.parse as the SDK's examples do. The runner parses, then calls the function.
  const runnable = (name) => ({ type: "function", function: { name, parameters: { type: "object" }, parse: JSON.parse, function: async (args) => toolOutput(args) } });
  const wrapped = new Map();
  for (const a of actions) {
    const key = `${a.session}/${a.tool}`;
    if (!wrapped.has(key)) wrapped.set(key, { plain: runnable(a.tool).function, guarded: guardRunTools(guard, [runnable(a.tool)], { session: a.session })[0].function });
  }
  const texts = actions.map((a) => JSON.stringify(a.args));
  const runFn = async (fn, i) => fn.function(await fn.parse(texts[i]), undefined, undefined);

  const all = (out, count) => {
    if (out.allowed.length !== count || out.refusals.length !== 0) throw new Error(`refused: ${JSON.stringify(out.refusals)}`);
  };
  return [
    {
      label: "guardToolCalls, 1 call",
      n: actions.length,
      bare: { name: "guard.check", call: async (i) => guard.check(actions[i]) },
      adapter: { name: "guardToolCalls (1 tool call)", call: (i) => guardToolCalls(guard, single[i], opts[i]) },
      async verify() {
        for (let i = 0; i < actions.length; i++) all(await guardToolCalls(guard, single[i], opts[i]), 1);
      },
    },
    {
      label: "guardToolCalls, 4 calls",
      n: quads.length,
      bare: {
        name: "guard.check × 4",
        call: async (i) => {
          const q = quads[i].actions;
          for (let j = 0; j < q.length; j++) guard.check(q[j]);
        },
      },
      adapter: { name: "guardToolCalls (4 tool calls)", call: (i) => guardToolCalls(guard, quads[i].message, { session: quads[i].session }) },
      async verify() {
        for (const q of quads) all(await guardToolCalls(guard, q.message, { session: q.session }), 4);
      },
    },
    {
      label: "guardFunctionCalls, 1 call",
      n: actions.length,
      bare: { name: "guard.check", call: async (i) => guard.check(actions[i]) },
      adapter: { name: "guardFunctionCalls (Responses, 1 call)", call: (i) => guardFunctionCalls(guard, items[i], opts[i]) },
      async verify() {
        for (let i = 0; i < actions.length; i++) all(await guardFunctionCalls(guard, items[i], opts[i]), 1);
      },
    },
    {
      label: "guardRunTools",
      n: actions.length,
      note: "the runner's parse and the tool's function, as runTools calls them",
      bare: {
        name: "parse + guard.check + function",
        call: async (i) => {
          const fn = wrapped.get(`${actions[i].session}/${actions[i].tool}`).plain;
          const args = await fn.parse(texts[i]);
          if (permits(guard.check(actions[i]))) return fn.function(args, undefined, undefined);
        },
      },
      adapter: { name: "guardRunTools function", call: (i) => runFn(wrapped.get(`${actions[i].session}/${actions[i].tool}`).guarded, i) },
      async verify() {
        for (let i = 0; i < actions.length; i++) {
          const out = await runFn(wrapped.get(`${actions[i].session}/${actions[i].tool}`).guarded, i);
          if (out !== toolOutput(actions[i].args)) throw new Error(`guardRunTools answered ${out}`);
        }
      },
    },
  ];
}
