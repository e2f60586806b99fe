import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createGuard, type Action, type Guard } from "@trailguard/core";
import { createGuardedFetch, FetchDeniedError } from "./index.js";
import { POLICY, startLocalServer, type LocalServer } from "./local-server.test-support.js";

let server: LocalServer;
beforeEach(async () => {
  server = await startLocalServer();
});
afterEach(async () => {
  await server.close();
});

/** A guard that also remembers every action it was asked about. */
async function recordingGuard(): Promise<{ guard: Guard; asked: Action[] }> {
  const guard = await createGuard({ policy: POLICY });
  const asked: Action[] = [];
  return { guard: { ...guard, decide: (a: Action, o?: { now?: number }) => (asked.push(a), guard.decide(a, o)) }, asked };
}

const redirect = (to: string, status = 302) => `${server.origin}/redirect?to=${encodeURIComponent(to)}&status=${status}`;

describe("redirects, hop by hop", () => {
  it("each hop is decided before it is requested, and the final response is returned", async () => {
    const { guard, asked } = await recordingGuard();
    const f = createGuardedFetch(guard, { session: "s1" });
    const first = redirect(`${server.origin}/landing`);
    const r = await f(first);
    expect(await r.text()).toBe("ok GET /landing");
    expect(asked.map((a) => a.url)).toEqual([first, `${server.origin}/landing`]);
    expect(server.log.map((l) => l.path)).toEqual([new URL(first).pathname + new URL(first).search, "/landing"]);
  });

  it("an allowed hop redirecting to a denied path: the second request never arrives", async () => {
    const f = createGuardedFetch(await createGuard({ policy: POLICY }), { session: "s1" });
    const e = await (f(redirect(`${server.origin}/secret/keys`)).then(() => undefined, (x: unknown) => x));
    expect(e).toBeInstanceOf(FetchDeniedError);
    expect((e as FetchDeniedError).url).toBe(`${server.origin}/secret/keys`);
    expect((e as FetchDeniedError).decision.rule).toBe("no-secret");
    expect(server.log.map((l) => l.path.split("?")[0])).toEqual(["/redirect"]);
  });

  it("an allowed hop redirecting to a denied host: refused before any lookup of that host", async () => {
    const f = createGuardedFetch(await createGuard({ policy: POLICY }), { session: "s1", onDeny: "response" });
    const r = await f(redirect("http://evil.example/steal"));
    expect(r.status).toBe(403);
    expect(r.headers.get("x-trailguard-rule")).toBe("no-evil");
    expect(server.log).toHaveLength(1);
  });

  it("303 turns a POST into a GET without a body; 307 keeps method and body", async () => {
    const f = createGuardedFetch(await createGuard({ policy: POLICY }), { session: "s1" });
    await (await f(redirect(`${server.origin}/after303`, 303), { method: "POST", body: "b1", headers: { "content-type": "text/plain" } })).text();
    await (await f(redirect(`${server.origin}/echo`, 307), { method: "POST", body: "b2" })).text();
    const seen = server.log.map(({ method, path, body }) => ({ method, path: path.split("?")[0], body }));
    expect(seen).toEqual([
      { method: "POST", path: "/redirect", body: "b1" },
      { method: "GET", path: "/after303", body: "" },
      { method: "POST", path: "/redirect", body: "b2" },
      { method: "POST", path: "/echo", body: "b2" },
    ]);
    expect(server.log[1]!.headers["content-type"]).toBeUndefined();
  });

  it("Authorization is kept on a same-origin hop and dropped when the origin changes", async () => {
    const other = await startLocalServer();
    try {
      const f = createGuardedFetch(await createGuard({ policy: POLICY }), { session: "s1" });
      await (await f(redirect(`${server.origin}/same`), { headers: { authorization: "Bearer t" } })).text();
      await (await f(redirect(`${other.origin}/other`), { headers: { authorization: "Bearer t" } })).text();
      expect(server.log.map((l) => [l.path.split("?")[0], l.headers.authorization])).toEqual([["/redirect", "Bearer t"], ["/same", "Bearer t"], ["/redirect", "Bearer t"]]);
      expect(other.log.map((l) => [l.path, l.headers.authorization])).toEqual([["/other", undefined]]);
    } finally {
      await other.close();
    }
  });

  it("redirect: manual returns the redirect itself; redirect: error rejects; neither follows", async () => {
    const f = createGuardedFetch(await createGuard({ policy: POLICY }), { session: "s1" });
    const r = await f(redirect(`${server.origin}/next`), { redirect: "manual" });
    expect(r.status).toBe(302);
    await expect(f(redirect(`${server.origin}/next`), { redirect: "error" })).rejects.toBeInstanceOf(TypeError);
    expect(server.log.map((l) => l.path.split("?")[0])).toEqual(["/redirect", "/redirect"]);
  });

  it("a redirect loop stops after 20 hops", async () => {
    const f = createGuardedFetch(await createGuard({ policy: POLICY }), { session: "s1" });
    const e = await f(`${server.origin}/loop`).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(TypeError);
    expect(String((e as Error).message)).toContain("more than 20 redirects");
    expect(server.log).toHaveLength(21);
  });
});

describe("redirects a browser hides (opaque redirects)", () => {
  // What a browser's fetch returns for `redirect: "manual"`: type `opaqueredirect`, status 0, no headers,
  // no body, and so no way to see the target. Node's fetch never makes one; this one does.
  const opaque = (calls: string[]) => (async (url: RequestInfo | URL) => {
    calls.push(String(url));
    const r = new Response(null);
    Object.defineProperty(r, "type", { value: "opaqueredirect" });
    Object.defineProperty(r, "status", { value: 0 });
    return r;
  }) as typeof fetch;

  it("a followed redirect whose target is hidden is refused, with a code that says why", async () => {
    const calls: string[] = [];
    const f = createGuardedFetch(await createGuard({ policy: POLICY }), { session: "s1", fetch: opaque(calls) });
    const e = await f(`${server.origin}/landing`).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(FetchDeniedError);
    expect((e as FetchDeniedError).decision.code).toBe("redirect_unverifiable");
    expect(calls).toEqual([`${server.origin}/landing`]);
  });

  it("a request that asked for manual redirects gets the opaque response, as the browser would give it", async () => {
    const calls: string[] = [];
    const f = createGuardedFetch(await createGuard({ policy: POLICY }), { session: "s1", fetch: opaque(calls) });
    const r = await f(`${server.origin}/landing`, { redirect: "manual" });
    expect(r.type).toBe("opaqueredirect");
  });
});
