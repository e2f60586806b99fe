// Assistants API runs: a run in `requires_action` lists the tool calls the assistant wants; each is
// decided before the user's implementation runs, and every call gets an output (the tool's, or the
// refusal) in the one `submitToolOutputs` request the API expects. OpenAI retired the hosted Assistants
// API in 2026; the SDK still has it, so this serves compatible servers and code not yet moved.

import { messageOf, type Decision, type Guard } from "@trailguard/core";
import type OpenAI from "openai";
import type { RequiredActionFunctionToolCall, Run, RunSubmitToolOutputsParams } from "openai/resources/beta/threads/runs/runs";
import { decideCall, recordOutput, type GuardCallOptions } from "./action.js";

/**
 * A tool implementation: called with the call's (possibly approver-modified) parsed arguments.
 *
 * @example
 * const search: AssistantTool = async ({ q }) => db.search(q);
 */
export type AssistantTool = (args: any, call: RequiredActionFunctionToolCall) => unknown;

/**
 * Options of {@link guardRequiredAction} and {@link submitGuardedToolOutputs}.
 *
 * @example
 * const options: AssistantRunOptions = { tools: { search: ({ q }) => search(q) }, onDeny: "refuse" };
 */
export interface AssistantRunOptions extends Omit<GuardCallOptions, "session"> {
  /** The session; default: the run's thread id, so a thread's runs share their trajectory. */
  session?: string;
  /** The implementations, by function name. A call the guard allows but no implementation serves gets an error output. */
  tools: Record<string, AssistantTool>;
}

/**
 * The tool outputs of a run's required action, and each call's decision.
 *
 * @example
 * const { tool_outputs } = await guardRequiredAction(guard, run, { tools });
 */
export interface GuardedRequiredAction {
  /** One output per tool call, in the run's order: the tool's output, or the refusal text. */
  tool_outputs: RunSubmitToolOutputsParams.ToolOutput[];
  decisions: { id: string; name: string; decision: Decision }[];
}

/**
 * Decides every tool call of a run in `requires_action`, then runs the allowed ones through `tools`
 * (outputs go to `guard.recordResult`) and returns the outputs to submit. All calls are decided before
 * any runs, so with `onDeny: "throw"` (or on a `kill`) the `ActionDeniedError` comes before anything has
 * run. A run in another state gives no outputs.
 *
 * @example
 * const run = await client.beta.threads.runs.retrieve(runId, { thread_id });
 * const { tool_outputs } = await guardRequiredAction(guard, run, { tools: { search: ({ q }) => search(q) } });
 * await client.beta.threads.runs.submitToolOutputs(run.id, { thread_id: run.thread_id, tool_outputs });
 */
export async function guardRequiredAction(guard: Guard, run: Run, options: AssistantRunOptions): Promise<GuardedRequiredAction> {
  const out: GuardedRequiredAction = { tool_outputs: [], decisions: [] };
  if (run.status !== "requires_action" || run.required_action?.type !== "submit_tool_outputs") return out;
  const session = options.session ?? run.thread_id;
  const calls = run.required_action.submit_tool_outputs.tool_calls;
  const verdicts = [];
  for (const call of calls) {
    const verdict = await decideCall(guard, { name: call.function.name, arguments: call.function.arguments }, { ...options, session });
    out.decisions.push({ id: call.id, name: call.function.name, decision: verdict.decision });
    verdicts.push(verdict);
  }
  for (const [i, call] of calls.entries()) {
    const verdict = verdicts[i]!;
    if (!verdict.allowed) {
      out.tool_outputs.push({ tool_call_id: call.id, output: verdict.text });
      continue;
    }
    const impl = Object.hasOwn(options.tools, call.function.name) ? options.tools[call.function.name] : undefined;
    if (!impl) {
      out.tool_outputs.push({ tool_call_id: call.id, output: `error: no implementation for the tool \`${call.function.name}\`` });
      continue;
    }
    let output: unknown;
    try {
      output = await impl(verdict.args, call);
    } catch (e) {
      // The run waits for an output for every call: a failing tool answers with its error, which is an
      // output like any other (error texts carry data) and goes through the guard.
      output = `error: ${messageOf(e)}`;
    }
    const kept = recordOutput(guard, { session, tool: call.function.name, output });
    out.tool_outputs.push({ tool_call_id: call.id, output: typeof kept === "string" ? kept : JSON.stringify(kept ?? null) });
  }
  return out;
}

/**
 * {@link guardRequiredAction}, then `runs.submitToolOutputs` with the outputs: resolves to the run the
 * server returns. A run that is not in `requires_action` is returned as it is, nothing submitted.
 *
 * @example
 * let run = await client.beta.threads.runs.createAndPoll(threadId, { assistant_id });
 * while (run.status === "requires_action") {
 *   run = await submitGuardedToolOutputs(guard, client, run, { tools });
 *   run = await client.beta.threads.runs.poll(run.id, { thread_id: run.thread_id });
 * }
 */
export async function submitGuardedToolOutputs(guard: Guard, client: OpenAI, run: Run, options: AssistantRunOptions): Promise<Run> {
  if (run.status !== "requires_action") return run;
  const { tool_outputs } = await guardRequiredAction(guard, run, options);
  return client.beta.threads.runs.submitToolOutputs(run.id, { thread_id: run.thread_id, tool_outputs });
}
