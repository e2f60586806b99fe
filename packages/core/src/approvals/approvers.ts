import { ApprovalError } from "../errors.js";
import type { ApprovalAnswer, ApprovalRequest, Approver } from "./types.js";

/**
 * A function that decides a request: an {@link ApprovalAnswer}, or a bare boolean (`true` approves,
 * `false` denies), returned directly or through a promise.
 *
 * @example
 * const decide: ApprovalCallback = (request) => request.action.tool === "search";
 */
export type ApprovalCallback = (
  request: ApprovalRequest,
  context: { signal: AbortSignal },
) => ApprovalAnswer | boolean | Promise<ApprovalAnswer | boolean>;

/**
 * Wraps a plain function as an {@link Approver}. Whatever else it returns is passed on unchanged, so
 * the desk can refuse it as `approval_invalid` rather than guess; what it throws becomes
 * `approval_error`. Throws {@link ApprovalError} `invalid_approver` when `fn` is not a function.
 *
 * @example
 * const approver = callbackApprover(async (request) =>
 *   request.action.tool === "deploy" ? { approved: true, args: { env: "staging" }, by: "policy-bot" } : false,
 * );
 */
export function callbackApprover(fn: ApprovalCallback): Approver {
  if (typeof fn !== "function") throw new ApprovalError("invalid_approver", "`callbackApprover` needs a function");
  return async (request, context) => {
    const result = await fn(request, context);
    return typeof result === "boolean" ? { approved: result } : result;
  };
}
