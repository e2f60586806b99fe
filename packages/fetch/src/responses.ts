// Response bodies go to the guard so that flow rules can label what came back and output rules can redact
// it (DESIGN §4.3, §4.7). Read from a clone, bounded: the caller's response is untouched unless the guard
// changed the text.

import { messageOf, refusal, type Decision, type Guard } from "@trailguard/core";
import type { RequestIdentity } from "./decide.js";
import { FetchDeniedError } from "./errors.js";
import { readBounded, UnpreparableRequest } from "./request.js";

// One decoder for every response: decoding is stateless without `stream`.
const UTF8 = new TextDecoder();

/**
 * Records an allowed response's body with `guard.recordResult` and returns the response to hand on: the
 * same one when the guard returned the text unchanged, otherwise a new one with the guard's text (same
 * status and headers, less those describing the old body). A body over `maxBytes`, or one that cannot be
 * read or recorded, is refused with {@link FetchDeniedError}: unrecorded data must not reach the agent
 * unlabelled.
 *
 * @example
 * const r = await recordResponse(guard, await fetch(url), decision, { session: "s1", recordResponses: { maxBytes: 1 << 20 } });
 */
export async function recordResponse(guard: Guard, response: Response, decision: Decision, options: RequestIdentity & { recordResponses?: { maxBytes: number } }): Promise<Response> {
  const maxBytes = options.recordResponses?.maxBytes ?? 0;
  try {
    const session = typeof options.session === "function" ? options.session() : options.session;
    if (typeof session !== "string" || session === "") throw new Error("the response has no session to be recorded in");
    const bytes = response.body ? await readBounded(response.clone().body!, maxBytes) : new Uint8Array();
    const text = UTF8.decode(bytes);
    const { output } = guard.recordResult({ session, output: text });
    if (output === text) return response;
    response.body?.cancel().catch(() => undefined);
    const headers = new Headers(response.headers);
    for (const h of ["content-length", "content-encoding", "content-md5", "etag"]) headers.delete(h);
    const replaced = new Response(typeof output === "string" ? output : JSON.stringify(output), { status: response.status, statusText: response.statusText, headers });
    // `url` is read-only on a constructed Response; keep the one fetch gave, as callers read it.
    Object.defineProperty(replaced, "url", { value: response.url });
    return replaced;
  } catch (e) {
    response.body?.cancel().catch(() => undefined);
    if (e instanceof UnpreparableRequest) {
      throw new FetchDeniedError(refusal("response_too_large", `the response body is longer than ${maxBytes} bytes, the most recorded (\`recordResponses.maxBytes\`)`), response.url, { cause: decision });
    }
    throw new FetchDeniedError(refusal("adapter_error", `the response could not be recorded: ${messageOf(e)}`), response.url, { cause: e });
  }
}
