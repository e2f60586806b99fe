// Responses API: a response's `function_call` (and `custom_tool_call`) output items are decided before
// the application runs them; the denied ones are answered with `function_call_output` items, so the next
// `responses.create` tells the model why.

import type { Decision, Guard } from "@trailguard/core";
import type {
  Response,
  ResponseCustomToolCall,
  ResponseCustomToolCallOutput,
  ResponseFunctionToolCall,
  ResponseInputItem,
  ResponseOutputItem,
} from "openai/resources/responses/responses";
import { decideCall, recordOutput, type GuardCallOptions } from "./action.js";

/**
 * A call the application runs itself: a function call, or a custom tool call (free-form input).
 *
 * @example
 * const call: ResponsesToolCall = { type: "function_call", call_id: "call_1", name: "search", arguments: "{}" };
 */
export type ResponsesToolCall = ResponseFunctionToolCall | ResponseCustomToolCall;

/**
 * The answer to a call, as an input item of the next request.
 *
 * @example
 * const out: ResponsesCallOutput = { type: "function_call_output", call_id: "call_1", output: "3 results" };
 */
export type ResponsesCallOutput = ResponseInputItem.FunctionCallOutput | ResponseCustomToolCallOutput;

/**
 * The outcome of {@link guardFunctionCalls}.
 *
 * @example
 * const { allowed, refusals } = await guardFunctionCalls(guard, response, { session: "s1" });
 */
export interface GuardedFunctionCalls {
  /** The calls the guard allowed, in the model's order; an approver's modified arguments replace theirs. */
  allowed: ResponsesToolCall[];
  /** One `function_call_output` (or `custom_tool_call_output`) per denied call; `output` says why. */
  refusals: ResponsesCallOutput[];
  /** Every call's decision, in the model's order. */
  decisions: { callId: string; name: string; decision: Decision }[];
}

/**
 * Decides every `function_call` and `custom_tool_call` item of a response (or of its `output` list)
 * before any of them runs: `tool` actions named by the function (`namespace.name` for a namespaced
 * function), with the parsed JSON arguments (a custom tool's input as `{ input }`). Arguments that are not
 * JSON are denied. `ask` goes to the guard's approver. Denied calls get an output item carrying the
 * refusal; with `onDeny: "throw"`, and always on `kill`, the first denied call throws
 * `ActionDeniedError` and nothing runs. Other items (messages, reasoning, hosted tools) are ignored.
 *
 * @example
 * const response = await client.responses.create({ model, input, tools });
 * const { allowed, refusals } = await guardFunctionCalls(guard, response, { session: "s1" });
 * const next: ResponseInputItem[] = [...refusals];
 * for (const call of allowed) {
 *   if (call.type !== "function_call") continue;
 *   const output = await run(call.name, JSON.parse(call.arguments));
 *   next.push(functionCallOutput(guard, call, output, { session: "s1" }));
 * }
 * await client.responses.create({ model, previous_response_id: response.id, input: next, tools });
 */
export async function guardFunctionCalls(guard: Guard, response: Response | readonly ResponseOutputItem[], options: GuardCallOptions): Promise<GuardedFunctionCalls> {
  const items: readonly ResponseOutputItem[] = Array.isArray(response) ? response : (response as Response).output ?? [];
  const out: GuardedFunctionCalls = { allowed: [], refusals: [], decisions: [] };
  for (const item of items) {
    if (item.type !== "function_call" && item.type !== "custom_tool_call") continue;
    const { name, args } = callParts(item);
    const verdict = await decideCall(guard, { name, arguments: args }, options);
    out.decisions.push({ callId: item.call_id, name, decision: verdict.decision });
    if (verdict.allowed) out.allowed.push(verdict.decision.args ? withArgs(item, verdict.args) : item);
    else out.refusals.push(outputItem(item, verdict.text));
  }
  return out;
}

/**
 * Records an allowed call's output with the guard (flows label it) and returns the input item that
 * answers the call: `function_call_output` (or `custom_tool_call_output`) with the output the guard hands
 * back (strings as they are, anything else as JSON).
 *
 * @example
 * next.push(functionCallOutput(guard, call, await readCustomers(), { session: "s1" }));
 */
export function functionCallOutput(guard: Guard, call: ResponsesToolCall, output: unknown, options: Pick<GuardCallOptions, "session">): ResponsesCallOutput {
  const kept = recordOutput(guard, { session: options.session, tool: callParts(call).name, output });
  return outputItem(call, typeof kept === "string" ? kept : JSON.stringify(kept ?? null));
}

function outputItem(call: ResponsesToolCall, output: string): ResponsesCallOutput {
  return call.type === "custom_tool_call"
    ? { type: "custom_tool_call_output", call_id: call.call_id, output }
    : { type: "function_call_output", call_id: call.call_id, output };
}

/** A call's tool name and argument text. */
function callParts(call: ResponsesToolCall): { name: string; args: string } {
  // A namespaced function is named with its namespace, so `crm.lookup` and another `lookup` differ.
  const name = call.namespace ? `${call.namespace}.${call.name}` : call.name;
  return call.type === "custom_tool_call" ? { name, args: JSON.stringify({ input: call.input }) } : { name, args: call.arguments };
}

function withArgs(call: ResponsesToolCall, args: unknown): ResponsesToolCall {
  if (call.type === "custom_tool_call") {
    const input = (args as { input?: unknown } | null)?.input;
    return { ...call, input: typeof input === "string" ? input : JSON.stringify(args) };
  }
  return { ...call, arguments: JSON.stringify(args) };
}
