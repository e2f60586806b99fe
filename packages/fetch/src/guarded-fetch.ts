// `createGuardedFetch`: a function with fetch's signature that decides every request, and every redirect
// hop, before sending it. Anything that goes wrong on the way to a decision is a deny, never a send.

import { messageOf, permits, refusal, type Decision, type Guard } from "@trailguard/core";
import { decideRequest, type RequestIdentity } from "./decide.js";
import { FetchDeniedError } from "./errors.js";
import { isRedirect, MAX_REDIRECTS, nextHop } from "./redirects.js";
import { prepareRequest, UnpreparableRequest, type PreparedRequest } from "./request.js";
import { recordResponse } from "./responses.js";

// One decoder for every request: decoding is stateless without `stream`, and building one per call is waste.
const UTF8 = new TextDecoder();

/** Options of {@link createGuardedFetch} and {@link installFetchGuard}. */
export interface GuardedFetchOptions extends RequestIdentity {
  /** The fetch that sends allowed requests (default: `globalThis.fetch` as it is when the guard is created). */
  fetch?: typeof fetch;
  /**
   * What a deny does: `reject` (the default) rejects with {@link FetchDeniedError}, a `TypeError`, as
   * fetch does for a request that cannot be made; `response` resolves to a synthetic `403` whose body is
   * the denial text. A `kill` always rejects.
   */
  onDeny?: "reject" | "response";
  /**
   * Hand the bodies of allowed responses to the guard for flows and output rules (DESIGN §4.3, §4.7):
   * read from a clone, up to `maxBytes` (a longer body is refused: `response_too_large`). When an output
   * rule redacts the text, the caller gets the redacted body. Default: on (4 MiB) when the policy has
   * output rules or flow labels, for which an unrecorded body would go unredacted and unlabelled; `false`
   * turns it off.
   */
  recordResponses?: { maxBytes: number } | false;
  /** Most bytes of a request body the guard reads and decides on (default 4 MiB); longer: `body_too_large`. */
  maxBodyBytes?: number;
}

const DEFAULT_MAX_BODY = 4 * 1024 * 1024;

/**
 * A fetch that asks the guard about every request before it is sent: string, `URL` and `Request` inputs;
 * each redirect hop decided before it is requested; the body decided is the body sent.
 *
 * @example
 * const guardedFetch = createGuardedFetch(guard, { session: "s1" });
 * await guardedFetch("https://api.example/items", { method: "POST", body: "{}" });
 * // rejects with FetchDeniedError (a TypeError) when the policy denies it; nothing is sent
 */
export function createGuardedFetch(guard: Guard, options: GuardedFetchOptions): typeof fetch {
  const inner = options.fetch ?? globalThis.fetch;
  if (typeof inner !== "function") throw new TypeError("trailguard: there is no `fetch` to guard; pass `options.fetch`");
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const wantsOutputs = guard.policy.outputs.length > 0 || guard.policy.trajectory.labels.length > 0;
  const recording = options.recordResponses === false ? undefined : options.recordResponses ?? (wantsOutputs ? { maxBytes: DEFAULT_MAX_BODY } : undefined);
  const recordOptions = { ...options, recordResponses: recording };
  const guarded = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    let hop: PreparedRequest | undefined;
    try {
      hop = await prepareRequest(input, init, maxBody);
      for (let hops = 0; ; hops++) {
        const body = hop.body !== undefined ? UTF8.decode(hop.body) : undefined;
        const decision = await decideRequest(guard, { method: hop.method, url: hop.url, ...(body !== undefined ? { body } : {}) }, options);
        if (!permits(decision)) return denied(decision, hop.url, options);
        const response = await inner(hop.url, {
          ...hop.init,
          method: hop.method,
          headers: hop.headers,
          ...(hop.body !== undefined ? { body: hop.body as BodyInit } : {}),
          redirect: "manual",
        });
        // Browsers answer a manual redirect with an opaque response that hides where it leads, so the next
        // hop cannot be decided: refused, unless the caller asked for manual redirects and so for that
        // opaque response itself.
        if (response.type === "opaqueredirect" && hop.redirect !== "manual") {
          await response.body?.cancel().catch(() => undefined);
          return denied(refusal("redirect_unverifiable", `\`${hop.url}\` redirected, and the browser hides the redirect's target from scripts, so its next hop cannot be decided; fetch the final url directly`), hop.url, options);
        }
        if (hop.redirect === "manual" || !isRedirect(response)) {
          return recording && !isRedirect(response) ? await recordResponse(guard, response, decision, recordOptions) : response;
        }
        if (hop.redirect === "error") throw new TypeError(`fetch failed: \`${hop.url}\` redirected and the request's redirect mode is \`error\``);
        if (hops + 1 > MAX_REDIRECTS) throw new TypeError(`fetch failed: more than ${MAX_REDIRECTS} redirects from \`${hop.url}\``);
        // The redirect's own body is not needed; free its connection before the next hop.
        await response.body?.cancel().catch(() => undefined);
        hop = nextHop(hop, response);
      }
    } catch (e) {
      if (e instanceof UnpreparableRequest) return denied(refusal(e.code, e.message), hop?.url, options);
      if (e instanceof FetchDeniedError) throw e;
      // Network errors and aborts of the inner fetch pass through as they are (they happened after an allow).
      if (e instanceof TypeError || (e as { name?: unknown })?.name === "AbortError") throw e;
      throw new FetchDeniedError(refusal("adapter_error", `the request could not be guarded: ${messageOf(e)}`), hop?.url, { cause: e });
    }
  };
  return guarded as typeof fetch;
}

/** A denied request as the caller asked for it: a rejection, or a synthetic 403 (never for a kill). */
function denied(decision: Decision, url: string | undefined, options: Pick<GuardedFetchOptions, "onDeny">): Response {
  const error = new FetchDeniedError(decision, url);
  if (options.onDeny !== "response" || decision.effect === "kill") throw error;
  return new Response(error.message, {
    status: 403,
    statusText: "Forbidden",
    // Header values must be ByteStrings: percent-encode, so a rule id outside Latin-1 cannot turn a 403 into a throw.
    headers: { "content-type": "text/plain; charset=utf-8", "x-trailguard-code": encodeURIComponent(decision.code), ...(decision.rule !== undefined ? { "x-trailguard-rule": encodeURIComponent(decision.rule) } : {}) },
  });
}
