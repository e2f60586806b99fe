// `installFetchGuard`: the guarded fetch put in place of `globalThis.fetch`, for code that calls the global
// each time. Clients that captured `fetch` before the install are not covered by this; see `guardDispatcher`.

import type { Guard } from "@trailguard/core";
import { createGuardedFetch, type GuardedFetchOptions } from "./guarded-fetch.js";

/**
 * Replaces `globalThis.fetch` with a guarded fetch that sends through the fetch installed before it
 * (or `options.fetch`). Returns the uninstall function, which puts back exactly the fetch it replaced.
 * Installs nest: a second install guards the first's fetch (each request is decided by both, inner last);
 * uninstall in reverse order. An uninstall that finds another fetch installed over its own leaves the
 * global alone and returns false, rather than removing someone else's guard.
 *
 * @example
 * const uninstall = installFetchGuard(guard, { session: "s1" });
 * try { await runAgent(); } finally { uninstall(); }
 */
export function installFetchGuard(guard: Guard, options: GuardedFetchOptions): () => boolean {
  const previous = globalThis.fetch;
  const guarded = createGuardedFetch(guard, { ...options, fetch: options.fetch ?? previous });
  globalThis.fetch = guarded;
  let installed = true;
  return () => {
    if (!installed) return true;
    if (globalThis.fetch !== guarded) return false;
    globalThis.fetch = previous;
    installed = false;
    return true;
  };
}
