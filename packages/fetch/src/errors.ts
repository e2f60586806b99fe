/**
 * The errors `@trailguard/fetch` raises. Each has a stable `code`; messages are lower-case and quote user
 * input in backticks.
 *
 * Why not core's `ActionDeniedError`: `fetch` rejects with `TypeError` when a request cannot be made, and
 * HTTP clients (the OpenAI SDK, ky, retry wrappers) branch on exactly that. A denial must look like a
 * failed request to them, so `FetchDeniedError` extends `TypeError`; it carries the same `code` and
 * `decision` as `ActionDeniedError`, so code that reads those works on both.
 */

import { denialText, type Decision } from "@trailguard/core";

/**
 * A request the guard did not let run (or an adapter fault, which is a deny). `instanceof TypeError`, like
 * every other reason `fetch` rejects. `code` is `action_denied`, or `session_killed` for a `kill`.
 *
 * @example
 * try { await guardedFetch("https://evil.example/"); }
 * catch (e) { if (e instanceof FetchDeniedError) console.error(e.decision.rule, e.url); }
 */
export class FetchDeniedError extends TypeError {
  /** Stable machine-readable code: `action_denied` or `session_killed`. */
  readonly code: "action_denied" | "session_killed";
  /** The guard's decision (or the adapter's own refusal, code `adapter_error`, `body_too_large`, …). */
  readonly decision: Decision;
  /** The URL of the request (the redirect hop) that was refused, when one could be formed. */
  readonly url: string | undefined;
  constructor(decision: Decision, url?: string, options?: { cause?: unknown }) {
    super(denialText(decision, url), options);
    this.name = "FetchDeniedError";
    this.code = decision.effect === "kill" ? "session_killed" : "action_denied";
    this.decision = decision;
    this.url = url;
  }
}
