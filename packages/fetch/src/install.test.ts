import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createGuard } from "@trailguard/core";
import { FetchDeniedError, installFetchGuard } from "./index.js";
import { POLICY, startLocalServer, type LocalServer } from "./local-server.test-support.js";

let server: LocalServer;
const original = globalThis.fetch;
beforeEach(async () => {
  server = await startLocalServer();
});
afterEach(async () => {
  globalThis.fetch = original;
  await server.close();
});

describe("installFetchGuard", () => {
  it("guards globalThis.fetch until uninstalled, then restores exactly the previous fetch", async () => {
    const uninstall = installFetchGuard(await createGuard({ policy: POLICY }), { session: "s1" });
    expect(globalThis.fetch).not.toBe(original);
    await expect(fetch(`${server.origin}/secret`)).rejects.toBeInstanceOf(FetchDeniedError);
    expect(await (await fetch(`${server.origin}/open`)).text()).toBe("ok GET /open");
    expect(uninstall()).toBe(true);
    expect(globalThis.fetch).toBe(original);
    // Unguarded again: the same request now reaches the server.
    await (await fetch(`${server.origin}/secret`)).text();
    expect(server.log.map((l) => l.path)).toEqual(["/open", "/secret"]);
  });

  it("nested installs: both decide; uninstalling in reverse order restores each layer", async () => {
    const guard = await createGuard({ policy: POLICY });
    const outerless = installFetchGuard(guard, { session: "a" });
    const first = globalThis.fetch;
    const uninstallSecond = installFetchGuard(guard, { session: "b", onDeny: "response" });
    // The later install answers first (403 mode); the earlier one is its inner fetch.
    expect((await fetch(`${server.origin}/secret`)).status).toBe(403);
    // Out of order: the first uninstall finds another fetch over its own and leaves the global alone.
    expect(outerless()).toBe(false);
    expect(uninstallSecond()).toBe(true);
    expect(globalThis.fetch).toBe(first);
    expect(outerless()).toBe(true);
    expect(globalThis.fetch).toBe(original);
    expect(server.log).toEqual([]);
  });

  it("a fetch captured before the install is not covered (use the dispatcher for that)", async () => {
    const captured = globalThis.fetch;
    const uninstall = installFetchGuard(await createGuard({ policy: POLICY }), { session: "s1" });
    try {
      await (await captured(`${server.origin}/secret`)).text();
    } finally {
      uninstall();
    }
    expect(server.log.map((l) => l.path)).toEqual(["/secret"]);
  });
});
