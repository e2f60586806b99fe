// DESIGN §8: 100,000 sessions in one engine, with bounded state. Memory per session is measured (and
// reported) by `pnpm bench`; this test pins that the state stays correct and that the record is small.
import { describe, it, expect } from "vitest";
import { createGuard } from "./guard.js";

const POLICY = `
version: 1
default: allow
sequences:
  - id: read-then-send
    steps: [{ when: 'action.tool == "read"' }, { when: 'action.tool == "send"' }]
    within: 10
    effect: deny
limits:
  - id: rate
    max: 3
    per: 60s
    effect: deny
flows:
  sources: [{ when: 'action.tool == "read"', labels: [pii] }]
  sinks: [{ id: no-pii, when: 'action.tool == "post"', forbid: [pii], scope: session, effect: deny }]
`;

describe("many sessions", () => {
  it("keeps 100,000 sessions apart in one guard, each with its own state", async () => {
    const guard = await createGuard({ policy: POLICY });
    expect(guard.policy.trajectory.recordBytes).toBeLessThanOrEqual(4096);
    const N = 100_000;
    for (let i = 0; i < N; i++) {
      // Every other session reads (labelled pii, step one of the sequence); the rest only browse.
      expect(guard.check({ kind: "tool", session: `s${i}`, tool: i % 2 ? "read" : "browse" }, { now: i }).effect).toBe("allow");
    }
    for (const i of [0, 1, 2, 3, 50_000, 50_001, 99_998, 99_999]) {
      const send = guard.check({ kind: "tool", session: `s${i}`, tool: "send" }, { now: N + i });
      const post = guard.check({ kind: "tool", session: `s${i}`, tool: "post" }, { now: N + i });
      expect([send.effect, post.effect], `s${i}`).toEqual(i % 2 ? ["deny", "deny"] : ["allow", "allow"]);
    }
  }, 60_000);
});
