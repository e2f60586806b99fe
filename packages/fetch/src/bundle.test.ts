// The browser bundle (`@trailguard/fetch/browser`): one self-contained ESM file. Chromium runs it in
// examples/browser-agent; here its contents and exports are checked, and it decides in Node as core does.
import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as core from "@trailguard/core";
import { POLICY } from "./local-server.test-support.js";

const file = fileURLToPath(new URL("../dist/trailguard.browser.js", import.meta.url));

describe("the browser bundle", () => {
  it("imports nothing: no bare specifiers, no `node:` modules, the engine inline", () => {
    const text = readFileSync(file, "utf8");
    expect(text).not.toMatch(/^\s*import\s/m);
    expect(text).not.toMatch(/["']node:/);
    expect(text).not.toMatch(/\bimport\(\s*["']/);
  });

  it("exports core's browser API and the guarded fetch, and not the undici dispatcher", async () => {
    const bundle = await import(file);
    for (const name of ["createGuard", "loadPolicy", "permits", "ActionDeniedError", "memorySink", "createGuardedFetch", "installFetchGuard", "FetchDeniedError", "decideRequest"]) {
      expect(typeof bundle[name], name).toBe("function");
    }
    expect(bundle.guardDispatcher).toBeUndefined();
    expect(bundle.loadPolicyFile).toBeUndefined();
  });

  it("decides as core does, and its guarded fetch refuses before sending", async () => {
    const bundle = await import(file);
    const guard = await bundle.createGuard({ policy: POLICY });
    const reference = await core.createGuard({ policy: POLICY });
    for (const url of ["http://127.0.0.1:1/ok", "http://127.0.0.1:1/secret/keys", "http://evil.example/steal"]) {
      const a = { kind: "http", session: "s1", method: "GET", url } as const;
      expect(guard.check(a)).toEqual(reference.check(a));
    }
    const sent: string[] = [];
    const f = bundle.createGuardedFetch(guard, { session: "s2", fetch: async (u: string) => (sent.push(u), new Response("ok")) });
    const e = await f("http://evil.example/steal").then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(TypeError);
    expect((e as { name: string }).name).toBe("FetchDeniedError");
    expect(sent).toEqual([]);
  });
});
