import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { consoleApprover, summarise } from "./console-approver-node.js";
import { createApprovalDesk, type ApprovalRequestFields } from "./desk.js";

const fields: ApprovalRequestFields = {
  session: "s1",
  agent: "ops",
  action: { kind: "shell", command: "kubectl rollout restart deploy/web", args: { namespace: "prod" } },
  actionHash: "ef".repeat(32),
  policyHash: "p1",
  rule: "ask-restart",
  reason: "restarts need a person",
};

const PROMPT = "approve? [y]es, [n]o, [e]dit args: ";

/** A terminal made of streams: what the approver writes is collected, lines are typed on demand. */
function terminal() {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = "";
  const waiters: { needle: string; count: number; resolve: () => void }[] = [];
  const count = (needle: string): number => text.split(needle).length - 1;
  output.setEncoding("utf8");
  output.on("data", (chunk: string) => {
    text += chunk;
    for (const w of waiters.splice(0)) {
      if (count(w.needle) >= w.count) w.resolve();
      else waiters.push(w);
    }
  });
  return {
    input,
    output,
    text: () => text,
    /** Resolves once `needle` has been written `times` times. */
    shown: (needle: string, times = 1): Promise<void> =>
      count(needle) >= times ? Promise.resolve() : new Promise((resolve) => waiters.push({ needle, count: times, resolve })),
    type: (line: string): void => void input.write(`${line}\n`),
  };
}

const clock = (): number => Date.UTC(2030, 0, 1, 12, 0, 0);

describe("consoleApprover", () => {
  it("shows a summary of the request and approves on `y`", async () => {
    const t = terminal();
    const desk = createApprovalDesk({ approver: consoleApprover(t), clock, timeoutMs: 90_000 });
    const pending = desk.request(fields);
    await t.shown(PROMPT);
    t.type("y");
    const outcome = await pending;
    expect(outcome).toMatchObject({ state: "approved", answer: { approved: true, by: "console" } });
    const text = t.text();
    for (const part of [
      `approval requested (${outcome.request.id})`,
      "session  s1",
      "agent    ops",
      "rule     ask-restart",
      "reason   restarts need a person",
      "kind     shell",
      "command  kubectl rollout restart deploy/web",
      'args     {"namespace":"prod"}',
      "expires  2030-01-01T12:01:30.000Z (90 s to answer)",
    ]) {
      expect(text).toContain(part);
    }
  });

  it("denies on `n`, accepting words and any case", async () => {
    const t = terminal();
    const desk = createApprovalDesk({ approver: consoleApprover(t) });
    const pending = desk.request(fields);
    await t.shown(PROMPT);
    t.type("  NO ");
    expect(await pending).toMatchObject({ state: "denied", code: "approval_denied", answer: { approved: false, by: "console" } });
  });

  it("approves with edited args on `e`", async () => {
    const t = terminal();
    const desk = createApprovalDesk({ approver: consoleApprover(t) });
    const pending = desk.request(fields);
    await t.shown(PROMPT);
    t.type("e");
    await t.shown("args, as one line of json: ");
    t.type('{"namespace":"staging"}');
    const outcome = await pending;
    expect(outcome).toMatchObject({ state: "approved", code: "approval_granted", answer: { approved: true, args: { namespace: "staging" } } });
  });

  const refusals: [string, string[], string][] = [
    ["edited args that are not json", ["e", "{namespace: staging}"], "the edited arguments are not json"],
    ["edited args that are not an object", ["edit", '["staging"]'], "the edited arguments are not a json object"],
    ["an answer it does not know", ["maybe"], "unrecognised answer `maybe`"],
    ["an empty line", [""], "unrecognised answer ``"],
  ];
  for (const [name, lines, note] of refusals) {
    it(`denies ${name}`, async () => {
      const t = terminal();
      const pending = createApprovalDesk({ approver: consoleApprover(t) }).request(fields);
      await t.shown(PROMPT);
      t.input.write(lines.map((l) => `${l}\n`).join(""));
      expect(await pending).toMatchObject({ state: "denied", code: "approval_denied", answer: { approved: false, note } });
    });
  }

  it("denies at end of input", async () => {
    const t = terminal();
    const pending = createApprovalDesk({ approver: consoleApprover(t) }).request(fields);
    await t.shown(PROMPT);
    t.input.end();
    expect(await pending).toMatchObject({ state: "denied", answer: { note: "no answer: the input has ended" } });
  });

  it("denies at end of input while waiting for edited args", async () => {
    const t = terminal();
    const pending = createApprovalDesk({ approver: consoleApprover(t) }).request(fields);
    await t.shown(PROMPT);
    t.input.end("e\n");
    expect(await pending).toMatchObject({ state: "denied", answer: { note: "no arguments: the input has ended" } });
  });

  it("denies at once when the input ended before the request", async () => {
    const t = terminal();
    t.input.end();
    t.input.resume();
    await new Promise((r) => t.input.once("end", r));
    const outcome = await createApprovalDesk({ approver: consoleApprover(t), timeoutMs: 10_000 }).request(fields);
    expect(outcome).toMatchObject({ state: "denied", code: "approval_denied", answer: { note: "no answer: the input has ended" } });
  });

  it("escapes control and bidi characters an action could use to disguise itself", async () => {
    const t = terminal();
    const sneaky = { kind: "shell", command: "echo hi\u001b[2K\r\u001b[1Arm -rf ~ \u202egnp.x", args: { note: "\u009b31m" } };
    const pending = createApprovalDesk({ approver: consoleApprover(t) }).request({ ...fields, action: sneaky });
    await t.shown(PROMPT);
    t.type("n");
    await pending;
    expect(t.text()).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    expect(t.text()).toContain("echo hi\\u001b[2K\\u000d\\u001b[1Arm -rf ~ \\u202egnp.x");
    expect(t.text()).toContain('{"note":"\\u009b31m"}');
  });

  it("stops asking when the desk times out, and lets go of the input", async () => {
    const t = terminal();
    const outcome = await createApprovalDesk({ approver: consoleApprover(t), timeoutMs: 30 }).request(fields);
    expect([outcome.state, outcome.code]).toEqual(["denied", "approval_timeout"]);
    await t.shown("(the request is no longer pending)");
    expect(t.input.listenerCount("data")).toBe(0);
  });

  it("asks one request at a time, in order", async () => {
    const t = terminal();
    const desk = createApprovalDesk({ approver: consoleApprover(t) });
    const first = desk.request({ ...fields, session: "first" });
    const second = desk.request({ ...fields, session: "second" });
    await t.shown(PROMPT);
    expect(t.text()).toContain("session  first");
    expect(t.text()).not.toContain("session  second");
    t.type("n");
    await t.shown(PROMPT, 2);
    expect(t.text()).toContain("session  second");
    t.type("y");
    expect((await first).state).toBe("denied");
    expect((await second).state).toBe("approved");
  });

  it("skips a queued request that was revoked before its turn", async () => {
    const t = terminal();
    const desk = createApprovalDesk({ approver: consoleApprover(t) });
    const first = desk.request({ ...fields, session: "first" });
    const second = desk.request({ ...fields, session: "second" });
    await t.shown(PROMPT);
    desk.revoke(desk.pending()[1]!.id);
    expect((await second).state).toBe("revoked");
    t.type("y");
    expect((await first).state).toBe("approved");
    expect(t.text()).not.toContain("session  second");
  });
});

describe("summarise", () => {
  it("leaves out what the request does not have, and cuts nothing", async () => {
    const long = "x".repeat(5_000);
    const outcome = await createApprovalDesk({ approver: () => ({ approved: false }), clock: () => 0, timeoutMs: 1_000 }).request({
      session: "s2",
      action: { kind: "tool", tool: "write_file", args: { content: long } },
      actionHash: "0".repeat(64),
      policyHash: "p",
    });
    const text = summarise(outcome.request);
    expect(text).not.toMatch(/agent|rule|reason|command/);
    expect(text).toContain("tool     write_file");
    expect(text).toContain(long);
    expect(text).toContain("expires  1970-01-01T00:00:01.000Z (1 s to answer)");
  });
});
