import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Agent, fetch as undiciFetch, getGlobalDispatcher, setGlobalDispatcher } from "undici";
import { createGuard, type Guard } from "@trailguard/core";
import { FetchDeniedError, guardDispatcher } from "./index.js";
import { POLICY, startLocalServer, type LocalServer } from "./local-server.test-support.js";

let server: LocalServer;
let agent: Agent;
beforeEach(async () => {
  server = await startLocalServer();
  agent = new Agent();
});
afterEach(async () => {
  await agent.close();
  await server.close();
});

/** The FetchDeniedError behind a rejected fetch (undici wraps dispatcher errors in `TypeError("fetch failed")`). */
async function deniedBy(p: Promise<unknown>): Promise<FetchDeniedError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(TypeError);
  const cause = (e as { cause?: unknown }).cause;
  expect(cause).toBeInstanceOf(FetchDeniedError);
  return cause as FetchDeniedError;
}

describe("guardDispatcher with undici's fetch", () => {
  it("allows: one request arrives with method, path and body", async () => {
    const dispatcher = guardDispatcher(await createGuard({ policy: POLICY }), { session: "s1", dispatcher: agent });
    const r = await undiciFetch(`${server.origin}/echo?x=1`, { method: "POST", body: "hi", dispatcher });
    expect(await r.text()).toBe("hi");
    expect(server.log.map(({ method, path, body }) => ({ method, path, body }))).toEqual([{ method: "POST", path: "/echo?x=1", body: "hi" }]);
  });

  it("denies: the fetch fails with the decision as its cause, and no bytes reach the server", async () => {
    const dispatcher = guardDispatcher(await createGuard({ policy: POLICY }), { session: "s1", dispatcher: agent });
    const denied = await deniedBy(undiciFetch(`${server.origin}/secret`, { dispatcher }));
    expect(denied.decision.rule).toBe("no-secret");
    expect(denied.url).toBe(`${server.origin}/secret`);
    expect(server.log).toEqual([]);
  });

  it("redirects: undici dispatches each hop, so a denied second hop never arrives", async () => {
    const dispatcher = guardDispatcher(await createGuard({ policy: POLICY }), { session: "s1", dispatcher: agent });
    const first = `${server.origin}/redirect?to=${encodeURIComponent("/secret/x")}`;
    const denied = await deniedBy(undiciFetch(first, { dispatcher }));
    expect(denied.url).toBe(`${server.origin}/secret/x`);
    expect(server.log.map((l) => l.path.split("?")[0])).toEqual(["/redirect"]);
  });

  it("a guard that throws: denied (adapter_error), nothing sent", async () => {
    const guard = await createGuard({ policy: POLICY });
    const broken = { ...guard, decide: () => Promise.reject(new Error("boom")) } as Guard;
    const denied = await deniedBy(undiciFetch(`${server.origin}/x`, { dispatcher: guardDispatcher(broken, { session: "s1", dispatcher: agent }) }));
    expect(denied.decision.code).toBe("adapter_error");
    expect(server.log).toEqual([]);
  });

  it("an approver that throws: denied, nothing sent", async () => {
    const { callbackApprover } = await import("@trailguard/core");
    const guard = await createGuard({ policy: POLICY, approver: callbackApprover(() => {
      throw new Error("approver down");
    }) });
    const denied = await deniedBy(undiciFetch(`${server.origin}/ask`, { dispatcher: guardDispatcher(guard, { session: "s1", dispatcher: agent }) }));
    expect(denied.decision.code).toBe("approval_error");
    expect(server.log).toEqual([]);
  });
});

describe("guardDispatcher as the global dispatcher", () => {
  let previous: ReturnType<typeof getGlobalDispatcher>;
  beforeEach(() => {
    previous = getGlobalDispatcher();
  });
  afterEach(() => {
    setGlobalDispatcher(previous);
  });

  it("covers Node's own fetch captured before the install (as the OpenAI SDK captures it)", async () => {
    const captured = globalThis.fetch;
    setGlobalDispatcher(guardDispatcher(await createGuard({ policy: POLICY }), { session: "s1", dispatcher: agent }));
    const e = await captured(`${server.origin}/secret`).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(TypeError);
    expect((e as { cause?: unknown }).cause).toBeInstanceOf(FetchDeniedError);
    expect(await (await captured(`${server.origin}/open`, { method: "PUT", body: "b" })).text()).toBe("ok PUT /open");
    expect(server.log.map(({ method, path, body }) => ({ method, path, body }))).toEqual([{ method: "PUT", path: "/open", body: "b" }]);
  });

  it("covers undici's fetch without a per-call dispatcher", async () => {
    setGlobalDispatcher(guardDispatcher(await createGuard({ policy: POLICY }), { session: "s1", dispatcher: agent }));
    await deniedBy(undiciFetch(`${server.origin}/secret`));
    expect(server.log).toEqual([]);
  });
});
