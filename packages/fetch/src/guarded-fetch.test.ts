import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { callbackApprover, createGuard, type ApprovalCallback, type Guard } from "@trailguard/core";
import { createGuardedFetch, FetchDeniedError } from "./index.js";
import { POLICY, startLocalServer, type LocalServer } from "./local-server.test-support.js";

let server: LocalServer;
beforeEach(async () => {
  server = await startLocalServer();
});
afterEach(async () => {
  await server.close();
});

const guardWith = (approve?: ApprovalCallback) => createGuard({ policy: POLICY, ...(approve ? { approver: callbackApprover(approve) } : {}) });

/** The rejection of a promise, failing the test when it resolves. */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection");
}

describe("createGuardedFetch", () => {
  it("allows: exactly one request arrives, with the method, path and body sent", async () => {
    const f = createGuardedFetch(await guardWith(), { session: "s1" });
    const r = await f(`${server.origin}/items?q=1`, { method: "POST", body: "hello", headers: { "x-test": "1" } });
    expect(await r.text()).toBe("ok POST /items?q=1");
    expect(server.log.map(({ method, path, body }) => ({ method, path, body }))).toEqual([{ method: "POST", path: "/items?q=1", body: "hello" }]);
    expect(server.log[0]!.headers["x-test"]).toBe("1");
    expect(r.url).toBe(`${server.origin}/items?q=1`);
  });

  it("accepts a URL object", async () => {
    const f = createGuardedFetch(await guardWith(), { session: "s1" });
    await (await f(new URL("/u", server.origin))).text();
    expect(server.log.map((l) => l.path)).toEqual(["/u"]);
  });

  it("denies: rejects with a TypeError carrying the decision, and nothing reaches the server", async () => {
    const f = createGuardedFetch(await guardWith(), { session: "s1" });
    const e = await rejection(f(`${server.origin}/secret/x`));
    expect(e).toBeInstanceOf(TypeError);
    expect(e).toBeInstanceOf(FetchDeniedError);
    expect((e as FetchDeniedError).code).toBe("action_denied");
    expect((e as FetchDeniedError).decision).toMatchObject({ effect: "deny", rule: "no-secret" });
    expect((e as FetchDeniedError).message).toContain("/secret/x");
    expect(server.log).toEqual([]);
  });

  it("decides on the body: a body the policy refuses is never sent", async () => {
    const f = createGuardedFetch(await guardWith(), { session: "s1" });
    const e = await rejection(f(`${server.origin}/login`, { method: "POST", body: "user=a&password=b" }));
    expect((e as FetchDeniedError).decision.rule).toBe("no-passwords");
    expect(server.log).toEqual([]);
  });

  it("Request input: method, headers and body come from it, and its body is still readable afterwards", async () => {
    const f = createGuardedFetch(await guardWith(), { session: "s1" });
    const req = new Request(`${server.origin}/echo`, { method: "PUT", body: "payload", headers: { "x-from": "request" } });
    const r = await f(req);
    expect(await r.text()).toBe("payload");
    expect(req.bodyUsed).toBe(false);
    expect(await req.text()).toBe("payload");
    expect(server.log.map(({ method, path, body }) => ({ method, path, body }))).toEqual([{ method: "PUT", path: "/echo", body: "payload" }]);
    expect(server.log[0]!.headers["x-from"]).toBe("request");
  });

  it("a denied Request is not sent and its body stays readable", async () => {
    const f = createGuardedFetch(await guardWith(), { session: "s1" });
    const req = new Request(`${server.origin}/login`, { method: "POST", body: "password=1" });
    await rejection(f(req));
    expect(await req.text()).toBe("password=1");
    expect(server.log).toEqual([]);
  });

  it("streaming bodies are read (bounded) and the same bytes are sent", async () => {
    const f = createGuardedFetch(await guardWith(), { session: "s1" });
    const stream = () => new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode("part1-"));
        c.enqueue(new TextEncoder().encode("part2"));
        c.close();
      },
    });
    const r = await f(`${server.origin}/echo`, { method: "POST", body: stream(), duplex: "half" } as RequestInit);
    expect(await r.text()).toBe("part1-part2");
    // The password only in the second chunk is still seen.
    const bad = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode("user=a&"));
        c.enqueue(new TextEncoder().encode("password=b"));
        c.close();
      },
    });
    const e = await rejection(f(`${server.origin}/echo`, { method: "POST", body: bad, duplex: "half" } as RequestInit));
    expect((e as FetchDeniedError).decision.rule).toBe("no-passwords");
    expect(server.log.map((l) => l.body)).toEqual(["part1-part2"]);
  });

  it("a body over maxBodyBytes is denied (body_too_large) and not sent", async () => {
    const f = createGuardedFetch(await guardWith(), { session: "s1", maxBodyBytes: 4 });
    const e = await rejection(f(`${server.origin}/echo`, { method: "POST", body: "12345" }));
    expect((e as FetchDeniedError).decision.code).toBe("body_too_large");
    expect(server.log).toEqual([]);
  });

  it("a Request whose body is over maxBodyBytes is denied, and the caller can still read it", async () => {
    const f = createGuardedFetch(await guardWith(), { session: "s1", maxBodyBytes: 4 });
    const req = new Request(`${server.origin}/echo`, { method: "POST", body: "123456789" });
    const e = await rejection(f(req));
    expect((e as FetchDeniedError).decision.code).toBe("body_too_large");
    expect(await req.text()).toBe("123456789");
    expect(server.log).toEqual([]);
  });

  it("onDeny: response gives a synthetic 403 and sends nothing", async () => {
    const f = createGuardedFetch(await guardWith(), { session: "s1", onDeny: "response" });
    const r = await f(`${server.origin}/secret`);
    expect(r.status).toBe(403);
    expect(r.headers.get("x-trailguard-code")).toBe("rule");
    expect(r.headers.get("x-trailguard-rule")).toBe("no-secret");
    expect(await r.text()).toContain("trailguard denied the action");
    expect(server.log).toEqual([]);
  });

  it("kill always rejects, even with onDeny: response, and later requests of the session are denied", async () => {
    const f = createGuardedFetch(await guardWith(), { session: "s1", onDeny: "response" });
    const e = await rejection(f(`${server.origin}/kill`));
    expect(e).toBeInstanceOf(TypeError);
    expect((e as FetchDeniedError).code).toBe("session_killed");
    const after = await f(`${server.origin}/fine`);
    expect(after.status).toBe(403);
    expect(server.log).toEqual([]);
  });

  it("relative URLs without a location are refused, not sent", async () => {
    const f = createGuardedFetch(await guardWith(), { session: "s1" });
    const e = await rejection(f("/relative"));
    expect(e).toBeInstanceOf(FetchDeniedError);
    expect((e as FetchDeniedError).decision.code).toBe("invalid_url");
    expect((e as Error).message).toContain("`/relative`");
  });

  it("relative URLs resolve against globalThis.location when there is one", async () => {
    const f = createGuardedFetch(await guardWith(), { session: "s1" });
    (globalThis as { location?: unknown }).location = { href: `${server.origin}/app/` };
    try {
      await (await f("page")).text();
    } finally {
      delete (globalThis as { location?: unknown }).location;
    }
    expect(server.log.map((l) => l.path)).toEqual(["/app/page"]);
  });

  it("no session: denied (no_session)", async () => {
    const f = createGuardedFetch(await guardWith(), { session: () => undefined });
    const e = await rejection(f(`${server.origin}/x`));
    expect((e as FetchDeniedError).decision.code).toBe("no_session");
    expect(server.log).toEqual([]);
  });

  describe("ask", () => {
    it("approved: sent once", async () => {
      const f = createGuardedFetch(await guardWith(() => true), { session: "s1" });
      const r = await f(`${server.origin}/ask`);
      expect(r.status).toBe(200);
      expect(server.log.map((l) => l.path)).toEqual(["/ask"]);
    });
    it("denied by the approver: not sent", async () => {
      const f = createGuardedFetch(await guardWith(() => false), { session: "s1" });
      const e = await rejection(f(`${server.origin}/ask`));
      expect((e as FetchDeniedError).decision.code).toBe("approval_denied");
      expect(server.log).toEqual([]);
    });
    it("an approver that throws: denied, not sent", async () => {
      const f = createGuardedFetch(await guardWith(() => {
        throw new Error("approver down");
      }), { session: "s1" });
      const e = await rejection(f(`${server.origin}/ask`));
      expect((e as FetchDeniedError).decision.code).toBe("approval_error");
      expect(server.log).toEqual([]);
    });
    it("an approver that modifies the request: denied (approval_args_unsupported), not sent", async () => {
      const f = createGuardedFetch(await guardWith((r) => ((r.action.args as { body?: string } | undefined)?.body === "other" ? true : { approved: true, args: { body: "other" } })), { session: "s1" });
      const e = await rejection(f(`${server.origin}/ask`, { method: "POST", body: "x" }));
      expect((e as FetchDeniedError).decision.code).toBe("approval_args_unsupported");
      expect(server.log).toEqual([]);
    });
  });

  describe("fail closed", () => {
    it("a guard that throws: denied (adapter_error), not sent", async () => {
      const guard = await guardWith();
      const broken = { ...guard, decide: () => Promise.reject(new Error("boom")) } as Guard;
      const e = await rejection(createGuardedFetch(broken, { session: "s1" })(`${server.origin}/x`));
      expect(e).toBeInstanceOf(FetchDeniedError);
      expect((e as FetchDeniedError).decision.code).toBe("adapter_error");
      expect(server.log).toEqual([]);
    });
    it("a guard that answers nonsense: denied, not sent", async () => {
      const guard = await guardWith();
      const broken = { ...guard, decide: () => Promise.resolve(undefined) } as unknown as Guard;
      const e = await rejection(createGuardedFetch(broken, { session: "s1" })(`${server.origin}/x`));
      expect((e as FetchDeniedError).decision.code).toBe("adapter_error");
      expect(server.log).toEqual([]);
    });
    it("a session function that throws: denied, not sent", async () => {
      const f = createGuardedFetch(await guardWith(), { session: () => {
        throw new Error("no context");
      } });
      const e = await rejection(f(`${server.origin}/x`));
      expect((e as FetchDeniedError).decision.code).toBe("adapter_error");
      expect(server.log).toEqual([]);
    });
  });
});
