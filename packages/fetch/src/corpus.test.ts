// The conformance corpus through the guarded fetch: every case whose actions are all `http` requests with a
// URL is replayed as real requests to a local server. The guard sees the case's URL (`https://api.example/…`);
// only after it allows a request does a rewriting undici dispatcher send it to 127.0.0.1 instead, so no
// case ever reaches the network, and each allowed action must arrive exactly once, each denied one never.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Agent, fetch as undiciFetch, type Dispatcher } from "undici";
import type { Action, Decision, Guard } from "@trailguard/core";
import { runCase, type ExpectedDecision, type PolicyCase } from "@trailguard/core/testing";
import { loadCorpus, partitionCorpus } from "../../../test/corpus.js";
import { createGuardedFetch, FetchDeniedError } from "./index.js";
import { startLocalServer, type LocalServer } from "./local-server.test-support.js";

/** The action fields a fetch carries: method, URL and body, plus the caller's session and agent. */
const CARRIED = new Set(["type", "kind", "session", "agent", "method", "url", "args"]);
/** Methods fetch refuses to send. */
const FORBIDDEN_METHODS = new Set(["CONNECT", "TRACE", "TRACK"]);

/** Why a case cannot go through fetch, or undefined when it can. */
function skipReason(c: PolicyCase): string | undefined {
  if (c.expectErrors) return "a policy that must be refused has no actions to deliver";
  const actions = c.events.filter((e) => e.type === "action") as unknown as Record<string, unknown>[];
  if (actions.length === 0) return "no action events";
  if (actions.some((a) => a.kind !== "http")) return "actions of other kinds than `http` (tool, shell, fs, db, delegate, …) are not requests";
  if (actions.some((a) => typeof a.url !== "string")) return "an http action without a `url` (host/path only) cannot be a request";
  if (actions.some((a) => Object.keys(a).some((k) => !CARRIED.has(k)))) return "actions carry fields a request cannot (host, port, origin, labels, usage, …)";
  if (actions.some((a) => a.args !== undefined && (typeof a.args !== "object" || a.args === null || Object.keys(a.args).some((k) => k !== "body") || typeof (a.args as { body?: unknown }).body !== "string"))) {
    return "actions with args other than a text `body` are not a request body";
  }
  // A fetch always has a method (GET by default): the guard would see a field the case leaves out, which
  // matters only to a policy that reads it.
  if (actions.some((a) => a.method === undefined) && /method/.test(typeof c.policy === "string" ? c.policy : JSON.stringify(c.policy))) return "actions without a method under a policy that reads `action.method`: a fetch always has one";
  if (actions.some((a) => a.method !== undefined && typeof a.method !== "string") || actions.some((a) => typeof a.method === "string" && ( FORBIDDEN_METHODS.has(a.method.toUpperCase()) || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(a.method)))) return "methods fetch refuses to send (CONNECT, TRACE, TRACK, not a token)";
  for (const a of actions) {
    let u: URL;
    try {
      u = new URL(a.url as string);
    } catch {
      return "urls the WHATWG parser (fetch) rejects";
    }
    if (u.protocol !== "http:" && u.protocol !== "https:") return "urls of other schemes than http(s)";
    if (u.username !== "" || u.password !== "") return "urls with credentials, which fetch refuses";
  }
  return undefined;
}

/** Without an approver, `guard.decide` turns `ask` into a deny with `approval_unavailable` (as the OpenAI corpus test). */
function throughApprovals(expect: ExpectedDecision[] | undefined): ExpectedDecision[] | undefined {
  return expect?.map((e) => (e.effect === "ask" && e.shadow !== true ? { ...(e.rule !== undefined ? { rule: e.rule } : {}), ...(e.matched ? { matched: e.matched } : {}), effect: "deny", code: "approval_unavailable" } : e));
}

let server: LocalServer;
let agent: Agent;
let local: Dispatcher;
beforeAll(async () => {
  server = await startLocalServer();
  agent = new Agent();
  const target = server.origin;
  // Sends every request to the local server, whatever origin it was decided for.
  local = agent.compose((dispatch) => (opts, handler) => dispatch({ ...opts, origin: target }, handler));
});
afterAll(async () => {
  await agent.close();
  await server.close();
});

/** One action, sent as a real request through the guarded fetch; checks what reached the server. */
async function viaFetch(guard: Guard, action: Action, now: number): Promise<Decision> {
  let decided: Decision | undefined;
  // The case's clock is the guard's: decide at `now`, and remember the guard's answer for allowed requests.
  const timed = { ...guard, decide: async (a: Action) => (decided = await guard.decide(a, { now })) } as Guard;
  const inner = ((input: RequestInfo | URL, init?: RequestInit) => undiciFetch(input as string, { ...(init as object), dispatcher: local } as never)) as unknown as typeof fetch;
  const f = createGuardedFetch(timed, { session: action.session, ...(action.agent !== undefined ? { agent: action.agent } : {}), fetch: inner });
  const before = server.log.length;
  const body = (action.args as { body?: string } | undefined)?.body;
  try {
    const r = await f(action.url!, { method: action.method ?? "GET", ...(body !== undefined ? { body } : {}) });
    await r.text();
    const url = new URL(action.url!);
    expect(server.log.slice(before).map((l) => ({ method: l.method, path: l.path, body: l.body }))).toEqual([{ method: sentMethod(action.method), path: url.pathname + url.search, body: body ?? "" }]);
    return decided!;
  } catch (e) {
    expect(server.log.length).toBe(before);
    if (e instanceof FetchDeniedError) return e.decision;
    throw e;
  }
}

/** The method fetch sends: the six standard ones upper-cased (Fetch standard, "normalize a method"), others as given. */
function sentMethod(method: string | undefined): string {
  if (method === undefined) return "GET";
  const upper = method.toUpperCase();
  return ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"].includes(upper) ? upper : method;
}

const cases = loadCorpus();
const { routed, skipped, summary } = partitionCorpus(cases, skipReason);

describe("conformance corpus through createGuardedFetch", () => {
  it("routes the corpus's http cases and says why the others are left out", () => {
    console.info(`fetch adapter: ${routed.length} of ${cases.length} corpus cases through createGuardedFetch; left out:\n  ${summary("\n  ")}`);
    expect(routed.length + [...skipped.values()].reduce((a, b) => a + b, 0)).toBe(cases.length);
    expect(routed.length).toBeGreaterThanOrEqual(30);
  });
  for (const c of routed) {
    it(c.name, async () => {
      const expected = throughApprovals(c.expect);
      expect(await runCase({ ...c, ...(expected ? { expect: expected } : {}) }, viaFetch)).toEqual([]);
    });
  }
});
