import { describe, it, expect } from "vitest";
import { createGuard } from "./guard.js";
import { loadPolicy } from "../policy/load.js";
import { PolicyError } from "../errors.js";
import { Engine } from "../engine/host.js";
import type { Action } from "./action.js";
import { MAX_COMMANDS } from "../canonicalise/shell-syntax.js";
import { MAX_STATEMENTS } from "../canonicalise/sql.js";

const POLICY = `
version: 1
default: deny
rules:
  - id: search
    when: action.tool == "search"
    effect: allow
  - id: args
    when: action.tool == "echo" && action.args.text.size() < 1000000
    effect: allow
  - id: big-charge
    when: action.tool == "charge" && action.args.amount > 1000
    effect: deny
  - id: charge
    when: action.tool == "charge"
    effect: allow
`;

const tool = (t: string, args?: Record<string, unknown>): Action => ({ kind: "tool", session: "s1", tool: t, ...(args ? { args } : {}) });

describe("createGuard", () => {
  it("refuses to build a guard for a policy that does not load, listing every problem", async () => {
    const err = await createGuard({ policy: "version: 1\nrules: 3\nbogus: 1\n" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyError);
    const issues = (err as PolicyError).issues;
    expect(issues.map((i) => i.code).sort()).toEqual(["missing_key", "type_error", "unknown_key"]);
    expect((err as PolicyError).code).toBe("invalid_policy");
  });

  it("accepts a compiled policy, YAML text or an object", async () => {
    const { policy } = loadPolicy(POLICY);
    for (const p of [policy!, POLICY, { version: 1, default: "deny", rules: [{ id: "a", when: 'action.tool == "search"', effect: "allow" }] }]) {
      const guard = await createGuard({ policy: p });
      expect(guard.check(tool("search")).effect).toBe("allow");
    }
  });
});

describe("guard.check", () => {
  it("decides by the policy", async () => {
    const guard = await createGuard({ policy: POLICY });
    expect(guard.check(tool("search"))).toEqual({ effect: "allow", rule: "search", code: "rule", reason: "rule `search` matched", matched: ["search"] });
    expect(guard.check(tool("charge", { amount: 5 }))).toMatchObject({ effect: "allow", rule: "charge" });
    expect(guard.check(tool("charge", { amount: 5000 }))).toMatchObject({ effect: "deny", rule: "big-charge", matched: ["big-charge", "charge"] });
    expect(guard.check(tool("rm"))).toMatchObject({ effect: "deny", code: "default", matched: [] });
  });

  it("denies, never throws, for actions it cannot read", async () => {
    const guard = await createGuard({ policy: POLICY });
    const bad: unknown[] = [
      null, 42, "search", [], {}, { kind: "tool" }, { kind: "teleport", session: "s" }, { kind: "tool", session: "" },
      { kind: "tool", session: "s", tool: 7 }, { kind: "http", session: "s", url: "not a url" },
    ];
    for (const a of bad) {
      const d = guard.check(a as Action);
      expect(d.effect, JSON.stringify(a)).toBe("deny");
      expect(d.code).toBe("invalid_action");
    }
  });

  it("denies when reading the action throws (a hostile getter)", async () => {
    const guard = await createGuard({ policy: POLICY });
    const args = Object.defineProperty({}, "text", { enumerable: true, get() { throw new Error("boom"); } });
    const d = guard.check(tool("echo", args));
    expect(d).toMatchObject({ effect: "deny", code: "invalid_action" });
    expect(d.reason).toContain("boom");
  });

  it("never reads inherited properties of args", async () => {
    const guard = await createGuard({ policy: `
version: 1
default: allow
rules:
  - id: has-ctor
    when: has(action.args.constructor) || has(action.args.__proto__) || has(action.args.toString)
    effect: deny
` });
    expect(guard.check(tool("x", {})).effect).toBe("allow");
    expect(guard.check(tool("x", JSON.parse('{"__proto__": {"polluted": 1}}'))).effect).toBe("deny");
  });

  it("denies an input larger than maxInputBytes, and keeps deciding afterwards", async () => {
    const guard = await createGuard({ policy: POLICY, maxInputBytes: 1024 * 1024 });
    expect(guard.check(tool("echo", { text: "x".repeat(100_000) })).effect).toBe("allow");
    const d = guard.check(tool("echo", { text: "x".repeat(2 * 1024 * 1024) }));
    expect(d).toMatchObject({ effect: "deny", code: "input_too_large" });
    expect(guard.check(tool("echo", { text: "small" })).effect).toBe("allow");
  });

  it("refuses a command line of more commands than the canonicaliser follows, without resolving them all", async () => {
    const guard = await createGuard({ policy: `
version: 1
default: deny
rules:
  - id: any-shell
    when: action.kind == "shell" && action.program == "a"
    effect: allow
` });
    const shell = (command: string): Action => ({ kind: "shell", session: "s1", command });
    // 1 MiB of `a;`: half a million commands, refused for their number, not decided one by one.
    const d = guard.check(shell("a;".repeat(512 * 1024)));
    expect(d).toMatchObject({ effect: "deny", code: "invalid_action" });
    expect(d.reason).toContain(`more than ${MAX_COMMANDS} commands`);
    expect(guard.check(shell("a;a")).effect).toBe("allow");
  });

  it("refuses a command line read only in part, even under `default: allow`", async () => {
    const guard = await createGuard({ policy: "version: 1\ndefault: allow\nextends: [essential]\n" });
    const shell = (command: string): Action => ({ kind: "shell", session: "s1", command });
    let nested = "rm -rf /";
    for (let i = 0; i < 20; i++) nested = `sh -c ${JSON.stringify(nested).replace(/\$/g, "\\$")}`;
    const budget = `rm -rf / ; parallel sh -c ${"{1}".repeat(1000)} ::: ${"a".repeat(1000)}`;
    for (const line of [nested, budget]) {
      const d = guard.check(shell(line));
      expect(d).toMatchObject({ effect: "deny", code: "invalid_action" });
      expect(d.reason).toContain("could not be read whole");
    }
    expect(guard.check(shell("ls -la")).effect).toBe("allow");
  });

  it("refuses SQL of more statements than the canonicaliser follows", async () => {
    const guard = await createGuard({ policy: `
version: 1
default: deny
rules:
  - id: selects
    when: action.kind == "db" && action.verb == "SELECT"
    effect: allow
` });
    const db = (statement: string): Action => ({ kind: "db", session: "s1", statement });
    const d = guard.check(db("SELECT 1;".repeat(116_508)));
    expect(d).toMatchObject({ effect: "deny", code: "invalid_action" });
    expect(d.reason).toContain(`more than ${MAX_STATEMENTS} SQL statements`);
    expect(guard.check(db("SELECT 1; SELECT 2")).effect).toBe("allow");
  });

  it("writes non-ASCII strings as UTF-8 (a long one and a short one)", async () => {
    const guard = await createGuard({ policy: `
version: 1
default: deny
rules:
  - id: jp
    when: action.args.q == "日本語" && action.args.long.endsWith("é") && size(action.args.long) == 101
    effect: allow
` });
    expect(guard.check(tool("t", { q: "日本語", long: `${"a".repeat(100)}é` })).effect).toBe("allow");
  });

  it("turns an engine trap into an engine_fault deny, carries every session's state to a fresh instance, and denies the affected session's next action", async () => {
    const guard = await createGuard({ policy: `${POLICY}
  - id: stop
    when: action.tool == "self_destruct"
    effect: kill
` });
    expect(guard.check({ ...tool("self_destruct"), session: "s3" }).effect).toBe("kill");
    const original = Engine.prototype.decide;
    let calls = 0;
    Engine.prototype.decide = function (this: Engine, parts, inputs) {
      calls++;
      if (calls === 1) throw new WebAssembly.RuntimeError("unreachable");
      return original.call(this, parts, inputs);
    };
    try {
      expect(guard.check(tool("search"))).toMatchObject({ effect: "deny", code: "engine_fault" });
      // The session whose decision trapped cannot continue unawares…
      expect(guard.check(tool("search"))).toMatchObject({ effect: "deny", code: "engine_fault" });
      // …other sessions go on, with their state intact (s3 stays killed)…
      expect(guard.check({ ...tool("search"), session: "s2" })).toMatchObject({ effect: "allow", rule: "search" });
      expect(guard.check({ ...tool("search"), session: "s3" })).toMatchObject({ effect: "deny", code: "killed" });
      // …and the affected session resumes after its one refusal.
      expect(guard.check(tool("search"))).toMatchObject({ effect: "allow", rule: "search" });
    } finally {
      Engine.prototype.decide = original;
    }
  });

  it("denies every action while no healthy instance is available, and never lets a session silently start afresh", async () => {
    const guard = await createGuard({ policy: POLICY });
    const original = Engine.prototype.decide;
    Engine.prototype.decide = () => { throw new WebAssembly.RuntimeError("unreachable"); };
    try {
      for (let i = 0; i < 3; i++) expect(guard.check(tool("search"))).toMatchObject({ effect: "deny", code: "engine_fault" });
    } finally {
      Engine.prototype.decide = original;
    }
    // A fresh standby arrives asynchronously; the state of the instance that trapped without a standby
    // could not be carried over, so each known session is refused once before it goes on.
    await new Promise((r) => setTimeout(r, 50));
    expect(guard.check(tool("search"))).toMatchObject({ effect: "deny", code: "engine_fault" });
    expect(guard.check(tool("search"))).toMatchObject({ effect: "allow", rule: "search" });
    expect(guard.check({ ...tool("search"), session: "new" })).toMatchObject({ effect: "allow", rule: "search" });
  });

  it("decides a shell line part by part: one denied part denies the line", async () => {
    const guard = await createGuard({ policy: `
version: 1
default: deny
rules:
  - id: ls
    when: action.program == "ls"
    effect: allow
` });
    expect(guard.check({ kind: "shell", session: "s", command: "ls -la" }).effect).toBe("allow");
    expect(guard.check({ kind: "shell", session: "s", command: "ls; rm -rf /tmp/x" })).toMatchObject({ effect: "deny", code: "default", matched: ["ls"] });
  });

  it("is deterministic: the same actions give the same decisions in a fresh guard", async () => {
    const actions = [tool("search"), tool("charge", { amount: 5000 }), tool("charge", { amount: "x" }), tool("nope")];
    const a = await createGuard({ policy: POLICY });
    const b = await createGuard({ policy: POLICY });
    expect(actions.map((x) => a.check(x))).toEqual(actions.map((x) => b.check(x)));
  });
});

describe("sessions", () => {
  const policy = (extra = "") => `
version: 1
default: allow
rules:
  - id: stop
    when: action.tool == "self_destruct"
    effect: kill
flows:
  sources:
    - when: action.tool == "read_customers"
      labels: [pii]
  sinks:
    - id: no-pii-out
      when: action.tool == "send_email"
      forbid: [pii]
      scope: session
      effect: deny
${extra}`;
  const act = (s: string, t: string, args?: Record<string, unknown>): Action => ({ kind: "tool", session: s, tool: t, ...(args ? { args } : {}) });

  it("evicts the least recently active sessions past `max`, and refuses an evicted session that returns", async () => {
    const guard = await createGuard({ policy: policy("sessions: { max: 2 }") });
    expect(guard.check(act("a", "read_customers"), { now: 1 }).effect).toBe("allow");
    guard.check(act("b", "x"), { now: 2 });
    guard.check(act("a", "x"), { now: 3 }); // a is now more recent than b
    guard.check(act("c", "x"), { now: 4 }); // b is evicted
    expect(guard.check(act("a", "send_email"), { now: 5 })).toMatchObject({ effect: "deny", code: "flow" });
    expect(guard.check(act("b", "x"), { now: 6 })).toMatchObject({ effect: "deny", code: "evicted" });
    guard.resetSession("b");
    expect(guard.check(act("b", "x"), { now: 7 }).effect).toBe("allow");
  });

  it("evicts idle sessions, and with `evicted: fresh` lets them start anew (unlabelled)", async () => {
    const guard = await createGuard({ policy: policy("sessions: { idle: 10s, evicted: fresh }") });
    guard.check(act("a", "read_customers"), { now: 0 });
    expect(guard.check(act("a", "send_email"), { now: 1000 })).toMatchObject({ effect: "deny", code: "flow" });
    guard.check(act("b", "x"), { now: 20_000 }); // a has been idle for 19 s: swept
    expect(guard.check(act("a", "send_email"), { now: 21_000 }).effect).toBe("allow");
  });

  it("never hands an evicted session's state to a new session that reuses its slot", async () => {
    const guard = await createGuard({ policy: policy("sessions: { max: 1 }") });
    guard.check(act("a", "self_destruct"), { now: 1 });
    guard.check(act("b", "x"), { now: 2 }); // a evicted; b took a fresh slot, then reuses…
    guard.check(act("c", "x"), { now: 3 }); // …b evicted; c reuses a slot once a's or b's
    expect(guard.check(act("c", "x"), { now: 4 })).toMatchObject({ effect: "allow", code: "default" });
  });

  it("exports and imports a session's whole state, and refuses state from another policy", async () => {
    const one = await createGuard({ policy: policy() });
    one.check(act("s", "read_customers"), { now: 1 });
    one.recordResult({ session: "s", output: "jane@example.com" });
    const bytes = one.exportSession("s");
    const two = await createGuard({ policy: policy() });
    two.importSession("s", bytes);
    expect(two.check(act("s", "send_email"), { now: 2 })).toMatchObject({ effect: "deny", code: "flow", rule: "no-pii-out" });
    const other = await createGuard({ policy: policy("limits: [{ id: l, max: 5, effect: deny }]") });
    expect(() => other.importSession("s", bytes)).toThrow(/another policy|wrong length/);
    expect(() => two.importSession("s", new Uint8Array([1, 2, 3]))).toThrow(/too short/);
  });

  it("reads time from the clock option when an action has no `now`", async () => {
    let t = 0;
    const guard = await createGuard({ policy: policy("limits: [{ id: rate, max: 1, per: 1s, effect: deny }]"), clock: () => t });
    expect(guard.check(act("s", "x")).effect).toBe("allow");
    t = 500;
    expect(guard.check(act("s", "x"))).toMatchObject({ effect: "deny", code: "limit" });
    t = 3000;
    expect(guard.check(act("s", "x")).effect).toBe("allow");
  });

  it("denies a time that is not a finite number, which would switch windowed limits off", async () => {
    const guard = await createGuard({ policy: policy("limits: [{ id: rate, max: 1, per: 1s, effect: deny }]") });
    for (const now of [NaN, Infinity, "5" as unknown as number]) {
      expect(guard.check(act("s", "x"), { now }), String(now)).toMatchObject({ effect: "deny", code: "invalid_action" });
    }
    const broken = await createGuard({ policy: policy(), clock: () => NaN });
    expect(broken.check(act("s", "x"))).toMatchObject({ effect: "deny", code: "engine_fault" });
  });

  it("denies when the clock throws", async () => {
    const guard = await createGuard({ policy: policy(), clock: () => { throw new Error("no time"); } });
    expect(guard.check(act("s", "x"))).toMatchObject({ effect: "deny", code: "engine_fault" });
  });
});

describe("fail-closed seams added with session state", () => {
  it("denies, never throws, when the engine cannot make room for a session", async () => {
    const guard = await createGuard({ policy: POLICY });
    const original = Engine.prototype.ensure;
    Engine.prototype.ensure = () => { throw new WebAssembly.RuntimeError("out of memory"); };
    try {
      expect(guard.check(tool("search"))).toMatchObject({ effect: "deny", code: "engine_fault" });
    } finally {
      Engine.prototype.ensure = original;
    }
    expect(guard.check(tool("search"))).toMatchObject({ effect: "allow", rule: "search" });
  });

  it("treats an action whose plan frontier was not evaluated as off the plan (the engine checks)", async () => {
    const { generatePlanKey, signPlan } = await import("../plans/sign.js");
    const key = generatePlanKey();
    const guard = await createGuard({ policy: `version: 1\ndefault: allow\nplans:\n  required: true\n  keys: ["${key.publicKey}"]\n` });
    const plan = { version: 1, nodes: { a: { when: 'action.tool == "search"' } }, edges: [["start", "a"], ["a", "a"]] };
    expect(guard.installPlan({ session: "s1", plan, signature: signPlan(plan, key.secretKey) })).toEqual({ ok: true });
    expect(guard.check(tool("search")).effect).toBe("allow");
    const original = Engine.prototype.decide;
    // A host that forgot to hand over the plan: the engine must not read that as on the plan.
    Engine.prototype.decide = function (this: Engine, parts, inputs) {
      return original.call(this, parts, inputs);
    };
    try {
      expect(guard.check(tool("search"))).toMatchObject({ effect: "deny", code: "off_plan" });
    } finally {
      Engine.prototype.decide = original;
    }
  });
});
