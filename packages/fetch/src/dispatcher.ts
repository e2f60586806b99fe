// The undici dispatcher: for clients that captured `fetch` before `installFetchGuard` ran (the OpenAI SDK
// does), the one place every Node fetch still passes through is the dispatcher. Node 20+'s global fetch
// reads the dispatcher that `undici`'s `setGlobalDispatcher` installs, so one guarded dispatcher covers
// both Node's fetch and undici's own.

import { messageOf, permits, refusal, type Guard } from "@trailguard/core";
import type { Dispatcher } from "undici";
import { decideRequest, type RequestIdentity } from "./decide.js";
import { FetchDeniedError } from "./errors.js";

/** Options of {@link guardInterceptor}. */
export type GuardInterceptorOptions = RequestIdentity;

/** Options of {@link guardDispatcher}. */
export interface GuardDispatcherOptions extends RequestIdentity {
  /** The dispatcher that sends allowed requests, e.g. `getGlobalDispatcher()` or `new Agent()`. */
  dispatcher: Dispatcher;
}

/**
 * An undici interceptor that decides each request (method, origin and path: `kind: "http"`, `url`) before
 * passing it on. A denied request fails with a {@link FetchDeniedError} (fetch rejects with
 * `TypeError("fetch failed")` whose `cause` it is) and no connection is opened for it. The request body
 * is not read here (it may be a stream the dispatcher must send as is): a policy on `args.body` sees
 * nothing through this path; use `createGuardedFetch` for that.
 *
 * @example
 * import { Agent, setGlobalDispatcher } from "undici";
 * setGlobalDispatcher(new Agent().compose(guardInterceptor(guard, { session: "s1" })));
 */
export function guardInterceptor(guard: Guard, options: GuardInterceptorOptions): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (opts, handler) => {
    let url: string | undefined;
    const fail = (error: Error) => {
      try {
        handler.onResponseError?.(null as unknown as Dispatcher.DispatchController, error);
      } catch {
        // A handler that throws on its error callback has nothing further to tell us.
      }
    };
    const decided = (async () => {
      url = new URL(opts.path, opts.origin).href;
      const d = await decideRequest(guard, { method: opts.method, url }, options);
      if (!permits(d)) return fail(new FetchDeniedError(d, url));
      dispatch(opts, handler);
    })();
    decided.catch((e: unknown) => fail(new FetchDeniedError(refusal("adapter_error", `the request could not be guarded: ${messageOf(e)}`), url, { cause: e })));
    // Accepted: the decision is asynchronous, so undici must not wait for a drain.
    return true;
  };
}

/**
 * A dispatcher that sends through `options.dispatcher` what the guard allows ({@link guardInterceptor}).
 * Pass it to `setGlobalDispatcher` to cover every fetch of the process, including ones captured early.
 *
 * @example
 * import { getGlobalDispatcher, setGlobalDispatcher } from "undici";
 * const previous = getGlobalDispatcher();
 * setGlobalDispatcher(guardDispatcher(guard, { session: "s1", dispatcher: previous }));
 * // later: setGlobalDispatcher(previous);
 */
export function guardDispatcher(guard: Guard, options: GuardDispatcherOptions): Dispatcher {
  const { dispatcher, ...identity } = options;
  return dispatcher.compose(guardInterceptor(guard, identity));
}
