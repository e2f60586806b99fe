import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createGuard } from "@trailguard/core";
import { createGuardedFetch, FetchDeniedError } from "./index.js";
import { POLICY, startLocalServer, type LocalServer } from "./local-server.test-support.js";

let server: LocalServer;
beforeEach(async () => {
  server = await startLocalServer();
});
afterEach(async () => {
  await server.close();
});

/** The adapter policy plus a flow (responses of /pii are labelled pii; pii may not be POSTed) and a redaction. */
const FLOW_POLICY = `${POLICY}
flows:
  sources:
    - when: action.kind == "http" && action.path == "/pii"
      labels: [pii]
  sinks:
    - id: no-pii-out
      when: action.kind == "http" && action.method == "POST"
      forbid: [pii]
      effect: deny
outputs:
  - id: keys
    redact: ["sk-[a-z]{8}"]
`;

describe("recordResponses", () => {
  it("records allowed responses for flows and applies output rules to the body the caller reads", async () => {
    const guard = await createGuard({ policy: FLOW_POLICY });
    const f = createGuardedFetch(guard, { session: "s1", recordResponses: { maxBytes: 1024 } });
    const r = await f(`${server.origin}/pii`);
    const text = await r.text();
    expect(text).not.toContain("sk-abcdefgh");
    expect(text).toContain("jane.doe@example.com");
    expect(r.url).toBe(`${server.origin}/pii`);
    const e = await f(`${server.origin}/upload`, { method: "POST", body: "jane.doe@example.com" }).then(() => undefined, (x: unknown) => x);
    expect((e as FetchDeniedError).decision).toMatchObject({ effect: "deny", code: "flow" });
    expect(server.log.map((l) => l.path)).toEqual(["/pii"]);
  });

  it("with recordResponses: false nothing is recorded, so the flow does not fire", async () => {
    const f = createGuardedFetch(await createGuard({ policy: FLOW_POLICY }), { session: "s1", recordResponses: false });
    expect(await (await f(`${server.origin}/pii`)).text()).toContain("sk-abcdefgh");
    expect((await f(`${server.origin}/upload`, { method: "POST", body: "jane.doe@example.com" })).status).toBe(200);
  });

  it("records by default when the policy has flow labels or output rules, so the flow fires", async () => {
    const f = createGuardedFetch(await createGuard({ policy: FLOW_POLICY }), { session: "s1" });
    await (await f(`${server.origin}/pii`)).text();
    const e = await f(`${server.origin}/upload`, { method: "POST", body: "jane.doe@example.com" }).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(FetchDeniedError);
  });

  it("a response over maxBytes is refused (response_too_large), not handed on unrecorded", async () => {
    const f = createGuardedFetch(await createGuard({ policy: FLOW_POLICY }), { session: "s1", recordResponses: { maxBytes: 8 } });
    const e = await f(`${server.origin}/pii`).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(FetchDeniedError);
    expect((e as FetchDeniedError).decision.code).toBe("response_too_large");
  });
});
