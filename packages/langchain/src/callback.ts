// A drop-in callback handler for any LangChain runnable. LangChain calls `handleToolStart` before a tool's
// body and, for a handler with `raiseError`, lets its throw end the tool call; without `raiseError` it logs
// the throw and runs the tool anyway. So this handler sets `raiseError` (and `awaitHandlers`, so the
// throw happens before the body, not later on a background queue) and throws on every call it does not
// permit: a callback cannot answer in the tool's place, it can only stop it.

import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { Serialized } from "@langchain/core/load/serializable";
import { ToolMessage } from "@langchain/core/messages";
import { ActionDeniedError, adapterFault, permits, type Guard } from "@trailguard/core";
import { argsOf } from "./action.js";
import { decideCall, type DecideOptions } from "./decide.js";
import { afterTool } from "./output.js";

/**
 * Options of {@link TrailguardCallbackHandler}.
 *
 * @example
 * const options: TrailguardCallbackOptions = { agent: "researcher" }; // session: the run's thread_id
 */
export type TrailguardCallbackOptions = DecideOptions;

/** Runs open at most at once; past it the oldest is forgotten (its output then goes unrecorded). */
const MAX_OPEN_RUNS = 10_000;

/**
 * A callback handler that decides every tool call of the runs it is attached to, before the tool's body
 * runs (DESIGN §7). A call the guard does not permit makes `handleToolStart` throw `ActionDeniedError`,
 * which LangChain raises out of the tool's `invoke` because this handler sets `raiseError`. Outputs of
 * allowed calls are handed to `guard.recordResult` in `handleToolEnd`, for flow rules.
 *
 * The session is `options.session`, or the `thread_id` in the run's metadata (LangGraph copies
 * `configurable.thread_id` there); a call with neither is refused. `ask` is decided with the guard's
 * approver (LangChain awaits the handler). Limits, all LangChain's: every denial is hard (a callback
 * cannot hand the model a refusal; inside `createAgent`, the agent's tool node turns the thrown error
 * into an error message of its own); an approver's modified arguments cannot be applied, so such an
 * approval is refused; the decision is made on the input LangChain reports to callbacks (the arguments
 * before the tool's schema parses them); LangChain logs each denial with `console.error`.
 *
 * @example
 * import { TrailguardCallbackHandler } from "@trailguard/langchain";
 *
 * const handler = new TrailguardCallbackHandler(guard, { session: "s1" });
 * await searchTool.invoke({ q: "weather" }, { callbacks: [handler] }); // throws ActionDeniedError if denied
 */
export class TrailguardCallbackHandler extends BaseCallbackHandler {
  name = "trailguard";
  /** Without it LangChain swallows the denial and runs the tool: never turn it off. */
  override raiseError = true;
  /** LangChain runs a handler that is not awaited on a queue, after the tool has already started. */
  override awaitHandlers = true;
  readonly #guard: Guard;
  readonly #options: TrailguardCallbackOptions;
  /** Allowed runs whose output is still to come: run id → session and tool. */
  readonly #open = new Map<string, { session: string; tool: string }>();

  constructor(guard: Guard, options: TrailguardCallbackOptions = {}) {
    super({ raiseError: true });
    this.#guard = guard;
    this.#options = options;
  }

  /** The same handler: LangChain's default copy would call the constructor with the handler itself. */
  override copy(): this {
    return this;
  }

  override async handleToolStart(
    tool: Serialized,
    input: string,
    runId: string,
    _parentRunId?: string,
    _tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
    _toolCallId?: string,
  ): Promise<void> {
    const name = toolName(tool, runName);
    const { decision, action } = await decideCall(this.#guard, name, argsOf(input), metadata?.["thread_id"], this.#options);
    if (!permits(decision) || action === undefined) throw new ActionDeniedError(decision, name);
    if (decision.args !== undefined) {
      // The tool already holds its input; running it with the original arguments would run what was
      // not approved.
      throw new ActionDeniedError({ ...decision, effect: "deny", code: "approval_args_unsupported", reason: "the approver changed the arguments, and a callback handler cannot change a tool's input; use trailguardMiddleware or guardTool for approvals that modify arguments" }, name);
    }
    if (this.#open.size >= MAX_OPEN_RUNS) this.#open.delete(this.#open.keys().next().value!);
    this.#open.set(runId, { session: action.session, tool: name });
  }

  override async handleToolEnd(output: unknown, runId: string): Promise<void> {
    const run = this.#open.get(runId);
    if (!run) return;
    this.#open.delete(runId);
    // A callback sees the output after the tool returned it and cannot change what the model gets: when
    // output rules would change it, the throw (re-thrown by LangChain for a `raiseError` handler, and
    // awaited before the tool returns) keeps it from the model instead.
    const content = contentOf(output);
    if (afterTool(this.#guard, { session: run.session, tool: run.tool, output: content }) !== content) {
      throw new ActionDeniedError(adapterFault(new Error("output rules apply to this output, and a callback handler cannot change what the model reads; use trailguardMiddleware or guardTool")), run.tool);
    }
  }

  override async handleToolError(_error: unknown, runId: string): Promise<void> {
    this.#open.delete(runId);
  }
}

/**
 * The tool's name: the run name LangChain reports (the tool's name unless the caller set `runName`),
 * else the serialized tool's.
 */
function toolName(tool: Serialized | undefined, runName: string | undefined): string {
  if (typeof runName === "string" && runName !== "") return runName;
  const named = (tool as { name?: unknown } | undefined)?.name;
  if (typeof named === "string" && named !== "") return named;
  const id = tool?.id;
  const last = Array.isArray(id) ? id[id.length - 1] : undefined;
  return typeof last === "string" ? last : "(unnamed tool)";
}

/** What the model gets of a tool's output: a `ToolMessage`'s content, or the output itself. */
function contentOf(output: unknown): unknown {
  return ToolMessage.isInstance(output) ? output.content : output;
}
