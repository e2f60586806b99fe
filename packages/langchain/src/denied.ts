// LangChain's `createAgent` wraps every error a middleware throws in its own `MiddlewareError` (the
// original is its `cause`), so `instanceof ActionDeniedError` fails on what `agent.invoke` rejects with.

import { ActionDeniedError } from "@trailguard/core";

/**
 * The `ActionDeniedError` behind an error, following `cause` links (at most 16): the error itself when it
 * is one, the denial a framework wrapped, or undefined.
 *
 * @example
 * try { await agent.invoke(input, config); }
 * catch (e) {
 *   const denied = deniedBy(e);
 *   if (denied) console.error("stopped by trailguard:", denied.decision.rule, denied.decision.reason);
 *   else throw e;
 * }
 */
export function deniedBy(error: unknown): ActionDeniedError | undefined {
  let e: unknown = error;
  for (let depth = 0; depth < 16 && typeof e === "object" && e !== null; depth++) {
    if (e instanceof ActionDeniedError) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
