// Offline stand-ins for the tests: the README's worked example policy, customer records, and tool
// bodies and runners that count their runs.

/** The README's worked example: per-agent tool scopes and a hand-off of labelled data refused. */
export const CREW_POLICY = `
version: 1
name: crew-boundaries
default: deny
rules:
  - id: researcher-browses
    when: action.agent == "researcher" && action.tool == "browse"
    effect: allow
  - id: analyst-reads-customers
    when: action.agent == "analyst" && action.tool == "read_customers"
    effect: allow
  - id: hand-offs
    when: action.kind in ["delegate", "message"]
    effect: allow
  - id: no-wipe
    when: action.tool == "wipe"
    effect: kill
    reason: wiping data ends the run
flows:
  sources:
    - when: action.tool == "read_customers"
      labels: [pii]
  sinks:
    - id: no-pii-to-researcher
      when: action.kind in ["delegate", "message"] && action.target == "researcher"
      forbid: [pii]
      effect: deny
      reason: customer data stays with the analyst
    - id: no-pii-on-the-web
      when: action.tool == "browse"
      forbid: [pii]
      effect: deny
      reason: customer data may not leave in a web request
`;

/** The same crew without the hand-off sink: labelled data may reach the researcher, not the web. */
export const OPEN_HANDOFF_POLICY = CREW_POLICY.replace(/    - id: no-pii-to-researcher[\s\S]*?stays with the analyst\n/, "");

/** What customer records look like to the tests. */
export const CUSTOMERS = "Customer alice@example.com, account cust8812734, plan gold";

/** A body that records each call's arguments and answers with `output(args)`. */
export function counting<T>(output: (args: Record<string, unknown>) => T) {
  const calls: Record<string, unknown>[] = [];
  const body = async (args: Record<string, unknown>) => {
    calls.push(structuredClone(args));
    return output(args);
  };
  return { body, calls };
}
