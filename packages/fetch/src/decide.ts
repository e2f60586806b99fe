// One place where a request becomes an `http` action and a decision: shared by the guarded fetch and the
// undici dispatcher, so both refuse the same things the same way. Nothing here throws: every fault is a
// deny (DESIGN §5, fail closed).

import { messageOf, permits, refusal, type Action, type Decision, type Guard } from "@trailguard/core";

/** Who is acting: the options the guarded fetch and the dispatcher share. */
export interface RequestIdentity {
  /**
   * The session every request belongs to, or a function returning it per request (e.g. from an
   * `AsyncLocalStorage`), for a fetch or dispatcher shared by many sessions. No session: deny (`no_session`).
   */
  session: string | (() => string | undefined);
  /** The acting agent's id or role (`action.agent`). */
  agent?: string;
}

/** What the guard is asked about one request (or one redirect hop). */
export interface HttpRequestFacts {
  method: string;
  url: string;
  /** The request body as text, when it has one. */
  body?: string;
}

/**
 * The `http` action of a request (DESIGN §3): the guard derives host, port, path and query from `url`.
 *
 * @example
 * httpAction({ method: "POST", url: "https://api.example/items", body: "{}" }, "s1");
 * // { kind: "http", session: "s1", method: "POST", url: "https://api.example/items", args: { body: "{}" } }
 */
export function httpAction(facts: HttpRequestFacts, session: string, agent?: string): Action {
  return {
    kind: "http",
    session,
    ...(agent !== undefined ? { agent } : {}),
    method: facts.method,
    url: facts.url,
    ...(facts.body !== undefined ? { args: { body: facts.body } } : {}),
  };
}

/**
 * Decides one request with `guard.decide` (so `ask` goes to the approver). Never rejects: a missing
 * session, a guard or approver that throws, an answer that is not a decision, and an approver that
 * modified the request (which fetch cannot apply faithfully: `approval_args_unsupported`) are all denies.
 *
 * @example
 * const d = await decideRequest(guard, { method: "GET", url: "https://api.example/" }, { session: "s1" });
 * if (!permits(d)) throw new FetchDeniedError(d, url);
 */
export async function decideRequest(guard: Guard, facts: HttpRequestFacts, identity: RequestIdentity): Promise<Decision> {
  try {
    const session = typeof identity.session === "function" ? identity.session() : identity.session;
    if (typeof session !== "string" || session === "") return refusal("no_session", "the request has no session to be decided in");
    const action = httpAction(facts, session, identity.agent);
    const d = await guard.decide(action);
    if (typeof d?.effect !== "string") return refusal("adapter_error", "the guard gave no decision");
    if (permits(d) && d.args !== undefined && JSON.stringify(d.args) !== JSON.stringify(action.args ?? {})) {
      return refusal("approval_args_unsupported", "the approver modified the request; a fetch is sent as decided or not at all");
    }
    return d;
  } catch (e) {
    return refusal("adapter_error", `the request could not be decided: ${messageOf(e)}`);
  }
}
