// Results are matched to the decisions they answer by session and tool, so that parallel tool calls
// (decide A, decide B, result A, result B — what LangChain and OpenAI do with one model message) keep
// the labels of the data they return. One "last decision" per session gave A's output B's labels.
import { describe, expect, it } from "vitest";
import type { Action } from "./action.js";
import { createGuard } from "./guard.js";

const POLICY = `
version: 1
default: allow
flows:
  sources:
    - when: action.tool == "crm.read"
      labels: [pii]
  sinks:
    - id: no-pii-mail
      when: action.tool == "send_email"
      forbid: [pii]
      scope: value
      effect: deny
`;
const records = "Jane Example, 12 Harbour Road, card ending 4242, customer since 2019";
const tool = (name: string, args: Record<string, unknown> = {}): Action => ({ kind: "tool", session: "s1", tool: name, args });

describe("results are paired with their decisions by tool", () => {
  it("keeps a read's labels when another call was decided after it, before its result", async () => {
    const guard = await createGuard({ policy: POLICY });
    expect(guard.check(tool("crm.read"), { now: 1 }).effect).toBe("allow");
    expect(guard.check(tool("search", { q: "weather" }), { now: 2 }).effect).toBe("allow");
    // The results come back in the other order.
    guard.recordResult({ session: "s1", tool: "search", output: "sunny" });
    guard.recordResult({ session: "s1", tool: "crm.read", output: records });
    expect(guard.check(tool("send_email", { body: records }), { now: 3 })).toMatchObject({ effect: "deny", rule: "no-pii-mail", labels: ["pii"] });
    // The search result carried no label: mailing it is fine.
    expect(guard.check(tool("send_email", { body: "sunny" }), { now: 4 }).effect).toBe("allow");
  });

  it("labels, with every pending label, a result whose tool it was not told of", async () => {
    const guard = await createGuard({ policy: POLICY });
    guard.check(tool("crm.read"), { now: 1 });
    guard.recordResult({ session: "s1", output: records });
    expect(guard.check(tool("send_email", { body: records }), { now: 2 }).effect).toBe("deny");
  });

  it("gives two parallel calls of one tool the union of their labels, until both results are in", async () => {
    const guard = await createGuard({ policy: POLICY.replace('action.tool == "crm.read"', 'action.tool == "crm.read" && action.args.table == "customers"') });
    guard.check(tool("crm.read", { table: "customers" }), { now: 1 });
    guard.check(tool("crm.read", { table: "products" }), { now: 2 });
    guard.recordResult({ session: "s1", tool: "crm.read", output: "widget, gadget, sprocket, flange and other catalogue items" });
    guard.recordResult({ session: "s1", tool: "crm.read", output: records });
    expect(guard.check(tool("send_email", { body: records }), { now: 3 }).effect).toBe("deny");
  });
});
