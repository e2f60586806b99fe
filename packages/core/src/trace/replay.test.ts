import { describe, expect, it } from "vitest";
import { createGuard } from "../guard/guard.js";
import { memorySink } from "../audit/sinks.js";
import { parseTrace } from "./parse.js";
import { replayTrace } from "./replay.js";

const POLICY = `
version: 1
default: deny
origins:
  order: [untrusted, trusted_user]
flows:
  sources:
    - when: action.tool == "read"
      labels: [pii]
  sinks: []
rules:
  - id: read
    when: action.tool == "read"
    effect: allow
`;

const TRACE = [
  { type: "clock", now: 1767225600000 },
  { type: "action", kind: "tool", session: "s1", tool: "read" },
  { type: "clock", now: 1767225601000 },
  { type: "result", session: "s1", tool: "read", output: "jane@example.com" },
  { type: "clock", now: 1767225602000 },
  { type: "instruction", session: "s1", origin: "trusted_user", text: "go on" },
].map((e) => JSON.stringify(e)).join("\n");

describe("replayTrace", () => {
  it("records every event at the trace's time, so one trace gives one audit chain whatever the wall clock says", async () => {
    const run = async (wallClock: number) => {
      const sink = memorySink();
      const guard = await createGuard({ policy: POLICY, clock: () => wallClock, audit: { sinks: [sink] } });
      await replayTrace(guard, parseTrace(TRACE));
      await guard.flush();
      return sink.records;
    };
    const first = await run(1);
    const second = await run(2_000_000_000_000);
    expect(first.map((r) => [r.type, r.now])).toEqual([["decision", 1767225600000], ["result", 1767225601000], ["instruction", 1767225602000]]);
    // latency_us is measured, so it (and the hashes over it) differ between runs; everything else, `now` and
    // `ts` included, is the same.
    const strip = ({ hash: _h, prev: _p, latency_us: _l, ...rest }: Record<string, unknown>) => rest;
    expect(second.map((r) => strip(r as unknown as Record<string, unknown>))).toEqual(first.map((r) => strip(r as unknown as Record<string, unknown>)));
  });

  it("refuses the session's next action when an event's `now` is not a time", async () => {
    const guard = await createGuard({ policy: POLICY, audit: { sinks: [memorySink()] } });
    expect(guard.check({ kind: "tool", session: "s1", tool: "read" }, { now: 1 }).effect).toBe("allow");
    guard.recordResult({ session: "s1", tool: "read", output: "x" }, { now: Number.NaN });
    expect(guard.check({ kind: "tool", session: "s1", tool: "read" }, { now: 2 })).toMatchObject({ effect: "deny", code: "engine_fault" });
    expect(guard.check({ kind: "tool", session: "s2", tool: "read" }, { now: 3 }).effect).toBe("allow");
  });
});
