// Chat Completions: the model's `tool_calls` are decided before anything runs them, either all at once
// from a completion (`guardToolCalls`, for hand-written loops) or one by one inside the SDK's own loop
// (`guardRunTools`, for `client.chat.completions.runTools`).

import { ActionDeniedError, denialText, messageOf, refusal, type Decision, type Guard } from "@trailguard/core";
import type {
  ChatCompletion,
  ChatCompletionMessage,
  ChatCompletionMessageToolCall,
  ChatCompletionToolMessageParam,
} from "openai/resources/chat/completions";
import { decideCall, recordOutput, type GuardCallOptions } from "./action.js";

/**
 * The outcome of {@link guardToolCalls}: the calls to run, and a `tool` message for each call that must
 * not run, to send back to the model with the outputs of the others.
 *
 * @example
 * const { allowed, refusals } = await guardToolCalls(guard, completion, { session: "s1" });
 */
export interface GuardedToolCalls {
  /** The calls the guard allowed, in the model's order; an approver's modified arguments replace theirs. */
  allowed: ChatCompletionMessageToolCall[];
  /** One `{ role: "tool", tool_call_id, content }` per denied call; `content` says why. */
  refusals: ChatCompletionToolMessageParam[];
  /** Every call's decision, in the model's order. */
  decisions: { id: string; name: string; decision: Decision }[];
}

/**
 * Decides every `tool_calls` entry of a completion's message (or of a message) before any of them runs.
 * Each is a `tool` action (`tool`: the function's name, `args`: its parsed JSON arguments); arguments that
 * are not a JSON object are denied. `ask` goes to the guard's approver. Denied calls get a refusal
 * message; with `onDeny: "throw"`, and always on `kill`, the first denied call throws `ActionDeniedError`
 * and nothing runs.
 *
 * @example
 * const completion = await client.chat.completions.create({ model, messages, tools });
 * const message = completion.choices[0]!.message;
 * const { allowed, refusals } = await guardToolCalls(guard, completion, { session: "s1" });
 * messages.push(message, ...refusals);
 * for (const call of allowed) {
 *   const output = await run(call.function.name, JSON.parse(call.function.arguments));
 *   messages.push(toolResultMessage(guard, call, output, { session: "s1" }));
 * }
 */
export async function guardToolCalls(
  guard: Guard,
  completion: ChatCompletion | ChatCompletionMessage,
  options: GuardCallOptions & { choice?: number },
): Promise<GuardedToolCalls> {
  const message = "choices" in completion ? completion.choices[options.choice ?? 0]?.message : completion;
  const calls = message?.tool_calls ?? [];
  const out: GuardedToolCalls = { allowed: [], refusals: [], decisions: [] };
  // Decided in the model's order, one after the other: each decision sees the ones before it.
  for (const call of calls) {
    const { name, args } = callParts(call);
    const verdict = await decideCall(guard, { name, arguments: args }, options);
    out.decisions.push({ id: call.id, name, decision: verdict.decision });
    if (verdict.allowed) out.allowed.push(verdict.decision.args ? withArgs(call, verdict.args) : call);
    else out.refusals.push({ role: "tool", tool_call_id: call.id, content: verdict.text });
  }
  return out;
}

/**
 * Records an allowed call's output with the guard (so flow rules can label it) and returns the `tool`
 * message to send back; its content is the output the guard hands back (strings as they are, anything
 * else as JSON).
 *
 * @example
 * messages.push(toolResultMessage(guard, call, await readCustomers(), { session: "s1" }));
 */
export function toolResultMessage(guard: Guard, call: ChatCompletionMessageToolCall, output: unknown, options: Pick<GuardCallOptions, "session">): ChatCompletionToolMessageParam {
  const kept = recordOutput(guard, { session: options.session, tool: callParts(call).name, output });
  return { role: "tool", tool_call_id: call.id, content: typeof kept === "string" ? kept : JSON.stringify(kept ?? null) };
}

/**
 * A tool as `runTools` accepts it; zod tools (`zodFunction`) are turned into this shape.
 *
 * @example
 * const t: RunnableTool = { type: "function", function: { name: "search", parameters: { type: "object" }, function: async (args: string) => search(JSON.parse(args)) } };
 */
export interface RunnableTool {
  type: "function";
  function: {
    function: (args: any, runner: any, toolContext: any) => unknown;
    parse?: (input: string) => unknown;
    parameters: Record<string, unknown>;
    description?: string;
    name?: string;
    strict?: boolean;
  };
}

/**
 * Wraps the tools of `client.chat.completions.runTools` so that every call is decided before its
 * function runs. A denied call never reaches the function: the SDK gets the refusal text as the tool's
 * result (soft), or `ActionDeniedError` rejects the run (`onDeny: "throw"`, and always on `kill`).
 * Allowed outputs go to `guard.recordResult`. The guard decides on the arguments as the model sent them;
 * the function gets them through its own `parse` as before. Tools made with `zodFunction` are supported.
 *
 * @example
 * const runner = client.chat.completions.runTools({
 *   model: "gpt-4.1",
 *   messages,
 *   tools: guardRunTools(guard, [
 *     { type: "function", function: { name: "search", parameters, function: async (args: string) => search(JSON.parse(args)) } },
 *   ], { session: "s1" }),
 * });
 * console.log(await runner.finalContent());
 */
export function guardRunTools<T extends readonly unknown[]>(guard: Guard, tools: T, options: GuardCallOptions): T {
  return tools.map((t) => guardRunTool(guard, t, options)) as unknown as T;
}

function guardRunTool(guard: Guard, tool: unknown, options: GuardCallOptions): unknown {
  const runnable = asRunnable(tool);
  if (!runnable) return tool;
  const fn = runnable.function;
  const name = fn.name || fn.function.name;
  const parse = fn.parse;
  const guarded = async (input: unknown, runner: unknown, toolContext: unknown): Promise<unknown> => {
    // With a parser, our parse below hands over the raw text and the parsed value; without, the raw text.
    const raw = parse ? (input as Parsed).raw : input;
    const verdict = await decideCall(guard, { name, arguments: raw as string }, options);
    if (!verdict.allowed) return verdict.text;
    let args: unknown;
    try {
      if (verdict.decision.args) {
        // An approver's arguments go through the tool's own parser, like the model's would.
        const text = JSON.stringify(verdict.args);
        args = parse ? await parse(text) : text;
      } else {
        args = parse ? (input as Parsed).value : raw;
      }
    } catch (e) {
      const d = refusal("invalid_action", `the approved arguments do not parse: ${messageOf(e)}`);
      if (options.onDeny === "throw") throw new ActionDeniedError(d, name);
      return denialText(d, name);
    }
    const output = await fn.function(args, runner, toolContext);
    return recordOutput(guard, { session: options.session, tool: name, output });
  };
  return {
    type: "function",
    function: {
      ...fn,
      name,
      function: guarded,
      ...(parse ? { parse: async (raw: string): Promise<Parsed> => ({ raw, value: await parse(raw) }) } : {}),
    },
  };
}

/** What our `parse` hands the guarded function: the model's text and the tool's parsed value. */
interface Parsed {
  raw: string;
  value: unknown;
}

/** A `runTools` tool in the runnable shape, or undefined for anything that is not a function tool. */
function asRunnable(tool: unknown): RunnableTool | undefined {
  const t = tool as Record<string, any> | null;
  if (!t || t.type !== "function" || typeof t.function !== "object" || t.function === null) return undefined;
  // `zodFunction` tools carry their parser and callback as hidden properties; the SDK converts them the
  // same way before running them.
  if (t.$brand === "auto-parseable-tool") {
    if (typeof t.$callback !== "function") return undefined;
    return {
      type: "function",
      function: { ...t.function, function: t.$callback, parse: t.$parseRaw, strict: true },
    } as RunnableTool;
  }
  return typeof t.function.function === "function" ? (t as RunnableTool) : undefined;
}

/** A call's name and argument text; a custom tool's free-form input is read as `{ "input": text }`. */
function callParts(call: ChatCompletionMessageToolCall): { name: string; args: string } {
  if (call.type === "custom") return { name: call.custom.name, args: JSON.stringify({ input: call.custom.input }) };
  return { name: call.function.name, args: call.function.arguments };
}

function withArgs(call: ChatCompletionMessageToolCall, args: unknown): ChatCompletionMessageToolCall {
  if (call.type === "custom") {
    const input = (args as { input?: unknown } | null)?.input;
    return { ...call, custom: { ...call.custom, input: typeof input === "string" ? input : JSON.stringify(args) } };
  }
  return { ...call, function: { ...call.function, arguments: JSON.stringify(args) } };
}
