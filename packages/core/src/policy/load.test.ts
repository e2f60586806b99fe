import { describe, it, expect } from "vitest";
import { loadPolicy } from "./load.js";

const at = (text: string) => loadPolicy(text).errors.map((e) => `${e.line}:${e.column} ${e.code}`);

describe("loadPolicy", () => {
  it("loads a valid policy and lists its rules in order", () => {
    const { policy, errors, warnings } = loadPolicy("version: 1\ndefault: deny\nrules:\n  - id: a\n    when: action.tool == \"x\"\n    effect: allow\n");
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(policy?.rules.map((r) => r.id)).toEqual(["a"]);
    expect(policy?.default).toBe("deny");
    expect(policy?.mode).toBe("enforce");
  });

  it("requires version and default", () => {
    expect(loadPolicy("rules: []\n").errors.map((e) => e.message)).toEqual([
      "`version` is required (the format version, `1`)",
      "`default` is required: `deny` (recommended) or `allow`",
    ]);
  });

  it("warns about default: allow, with its position", () => {
    const { policy, warnings } = loadPolicy("version: 1\ndefault: allow\n");
    expect(policy).toBeDefined();
    expect(warnings).toEqual([{ code: "default_allow", path: ["default"], message: expect.stringContaining("default: allow"), line: 2, column: 10 }]);
  });

  it("reports every problem at once, in source order, with lines and columns", () => {
    const text = [
      "version: 1",              // 1
      "default: deny",           // 2
      "outputs: {}",             // 3
      "rules:",                  // 4
      "  - id: a",               // 5
      "    when: action.tol == \"x\"", // 6
      "    effect: allow",       // 7
      "  - id: b",               // 8
      "    when: action.tool == \"x\"", // 9
      "    effect: maybe",       // 10
      "  - id: c",               // 11
      "    when: action.port == \"80\"", // 12
      "    effect: deny",        // 13
      "    colour: red",         // 14
    ].join("\n");
    expect(at(text)).toEqual(["3:10 type_error", "6:11 unknown_field", "10:13 type_error", "12:11 type_error", "14:5 unknown_key"]);
  });

  it("points inside a condition at the offending part", () => {
    const text = 'version: 1\ndefault: deny\nrules:\n  - id: a\n    when: action.tool == "x" && action.args.p.matches("(a)\\\\1")\n    effect: deny\n';
    const [e] = loadPolicy(text).errors;
    expect(e).toMatchObject({ code: "invalid_pattern", line: 5, column: 55 });
    expect(e?.message).toContain("not supported");
  });

  it("reports YAML syntax errors with positions", () => {
    const [e] = loadPolicy("version: 1\ndefault: deny\nrules:\n  - id: a\n   when: x\n").errors;
    expect(e?.code).toBe("parse_error");
    expect(e?.line).toBeGreaterThan(0);
  });

  it("refuses duplicate ids, reserved ids and unknown packs", () => {
    const text = "version: 1\ndefault: deny\nextends: [essentials]\nrules:\n  - {id: a, when: 'true', effect: deny}\n  - {id: a, when: 'true', effect: deny}\n  - {id: essential.x, when: 'true', effect: deny}\n";
    expect(loadPolicy(text).errors.map((e) => e.code)).toEqual(["unknown_pack", "duplicate_id", "invalid_name"]);
  });

  it("loads plain objects too (no positions)", () => {
    const { policy, errors } = loadPolicy({ version: 1, default: "deny", rules: [{ id: "a", when: "action.tool == 1", effect: "deny" }] });
    expect(policy).toBeUndefined();
    expect(errors).toEqual([{ code: "type_error", path: ["rules", 0, "when"], message: "cannot compare a string with a number using `==`" }]);
  });

  it("compiles the essential pack when extended", () => {
    const { policy, errors } = loadPolicy("version: 1\ndefault: deny\nextends: [essential]\n");
    expect(errors).toEqual([]);
    expect(policy!.rules.length).toBeGreaterThan(5);
    expect(policy!.rules.every((r) => r.essential && r.id.startsWith("essential."))).toBe(true);
  });

  it("hashes the policy by its content, not its layout", () => {
    const a = loadPolicy("version: 1\ndefault: deny\nrules:\n  - id: a\n    when: 'true'\n    effect: allow\n").policy!;
    const b = loadPolicy("# same policy\nrules: [{effect: allow, id: a, when: 'true'}]\ndefault: deny\nversion: 1\n").policy!;
    const c = loadPolicy("version: 1\ndefault: deny\nrules:\n  - id: a\n    when: 'true'\n    effect: deny\n").policy!;
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(b.hash).toBe(a.hash);
    expect(c.hash).not.toBe(a.hash);
  });

  it("reads `audit.clear` and refuses what is not an argument path", () => {
    const ok = loadPolicy("version: 1\ndefault: deny\naudit:\n  clear: [args.amount, args.customer.id, args]\n");
    expect(ok.errors).toEqual([]);
    expect(ok.policy!.auditClear).toEqual([["amount"], ["customer", "id"], []]);
    expect(loadPolicy("version: 1\ndefault: deny\n").policy!.auditClear).toEqual([]);
    const bad = loadPolicy("version: 1\ndefault: deny\naudit:\n  clear: [command, args.]\n  keep: 1\n");
    expect(bad.errors.map((e) => [e.code, e.line])).toEqual([["type_error", 4], ["type_error", 4], ["unknown_key", 5]]);
    expect(bad.errors[0]!.message).toBe("`command` is not an argument path; write `args` or `args.NAME` (dotted for nested fields)");
  });
});
