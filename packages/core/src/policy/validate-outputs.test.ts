import { describe, it, expect } from "vitest";
import { loadPolicy } from "./load.js";

const errorsOf = (text: string) => loadPolicy(text).errors.map((e) => `${e.line}:${e.column} ${e.code} ${e.message}`);

describe("outputs", () => {
  it("loads the design's example, with its rules in order and the default replacement", () => {
    const { policy, errors } = loadPolicy(`
version: 1
default: deny
outputs:
  - id: mask-keys
    when: action.tool == "read_file"
    redact: ["(?i)aws_secret_access_key\\\\s*=\\\\s*\\\\S+", "sk-[A-Za-z0-9]{20,}"]
  - id: everywhere
    redact: ["sk-[A-Za-z0-9]{20,}"]
    replacement: "<key>"
`);
    expect(errors).toEqual([]);
    expect(policy?.outputs).toEqual([
      { id: "mask-keys", replacement: "[REDACTED]", patterns: ["(?i)aws_secret_access_key\\s*=\\s*\\S+", "sk-[A-Za-z0-9]{20,}"] },
      { id: "everywhere", replacement: "<key>", patterns: ["sk-[A-Za-z0-9]{20,}"] },
    ]);
  });

  it("reports every problem at once, with lines and columns", () => {
    const text = [
      "version: 1",                       // 1
      "default: deny",                    // 2
      "rules:",                           // 3
      "  - id: keys",                     // 4
      "    when: action.tool == \"x\"",   // 5
      "    effect: allow",                // 6
      "outputs:",                         // 7
      "  - id: keys",                     // 8  clashes with the rule
      "    redact: [\"a+\"]",             // 9
      "  - id: empty",                    // 10
      "    redact: []",                   // 11
      "  - id: bad-when",                 // 12
      "    when: action.tol == \"x\"",    // 13
      "    redact: [\"(a)\\\\1\", \"x*\"]",   // 14
      "  - id: bad-shape",                // 15
      "    redact: [\"c\", 7]",           // 16
      "    replacement: 3",               // 17
      "    colour: red",                  // 18
      "  - redact: [\"b\"]",              // 19 no id
      "  - id: ok",                       // 20
      "    when: \"\"",                   // 21
      "    redact: \"c\"",                // 22
    ].join("\n");
    expect(errorsOf(text)).toEqual([
      "8:9 duplicate_id id `keys` is already used by rules[0]",
      "11:13 type_error `redact` must be a non-empty list of patterns",
      expect.stringMatching(/^13:11 unknown_field unknown field `action\.tol`/),
      "14:14 invalid_pattern pattern `(a)\\1` is not supported: a backreference needs backtracking; RE2 syntax leaves out lookaround and backreferences so that matching stays linear-time",
      "14:24 invalid_pattern pattern `x*` can match the empty string; a redaction pattern must match at least one character",
      "16:19 type_error a pattern must be a non-empty string",
      "17:18 type_error `replacement` must be a string",
      "18:5 unknown_key unknown key `colour` in output rule",
      "19:5 missing_key an output rule needs an `id` (a string)",
      "21:11 type_error an output rule needs a `when` condition (a string)",
      "22:13 type_error `redact` must be a non-empty list of patterns",
    ]);
  });

  it("shares the namespace of decision ids, reserved prefixes included", () => {
    expect(errorsOf("version: 1\ndefault: deny\noutputs:\n  - id: essential.x\n    redact: [a]\n  - id: o\n    redact: [a]\n  - id: o\n    redact: [b]\n")).toEqual([
      "4:9 invalid_name id `essential.x` is reserved for the essential pack",
      "8:9 duplicate_id id `o` is already used by outputs[1]",
    ]);
  });

  it("refuses more output rules than the engine's mask holds, and too many patterns", () => {
    const rules = (n: number, per: number) => Array.from({ length: n }, (_, i) => ({ id: `o${i}`, redact: Array.from({ length: per }, (_, j) => `p${i}x${j}`) }));
    expect(loadPolicy({ version: 1, default: "deny", outputs: rules(32, 2) }).errors).toEqual([]);
    expect(loadPolicy({ version: 1, default: "deny", outputs: rules(33, 1) }).errors.map((e) => e.message)).toEqual(["a policy may have at most 32 output rules, not 33"]);
    expect(loadPolicy({ version: 1, default: "deny", outputs: rules(13, 5) }).errors.map((e) => e.message)).toEqual([
      "the output rules use 65 distinct patterns; a policy may have at most 64",
    ]);
  });

  it("bounds the replacement and counts a pattern listed twice once", () => {
    const doc = (replacement: string) => ({ version: 1, default: "deny", outputs: [{ id: "a", redact: ["k"], replacement }, { id: "b", redact: ["k"] }] });
    expect(loadPolicy(doc("x".repeat(256))).errors).toEqual([]);
    expect(loadPolicy(doc("x".repeat(257))).errors.map((e) => e.message)).toEqual(["`replacement` may have at most 256 characters"]);
    const { policy } = loadPolicy(doc(""));
    // One pattern, two tables, listed by both rules.
    expect(policy?.outputs.map((o) => o.replacement)).toEqual(["", "[REDACTED]"]);
  });

  it("is part of the policy's hash", () => {
    const base = { version: 1, default: "deny", outputs: [{ id: "a", redact: ["k"] }] };
    const a = loadPolicy(base).policy!.hash;
    const b = loadPolicy({ ...base, outputs: [{ id: "a", redact: ["k"], replacement: "?" }] }).policy!.hash;
    expect(a).not.toBe(b);
    expect(loadPolicy({ version: 1, default: "deny" }).policy!.hash).not.toBe(a);
  });
});
