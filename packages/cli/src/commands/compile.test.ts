import { describe, it, expect } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createGuard, loadCompiledPolicy, CompiledPolicyError } from "@trailguard/core";
import { run, tempDir } from "../cli.test-support.js";

const { dir, file } = tempDir("trailguard-compile-");

const text = `version: 1
default: deny
extends: [essential]
rules:
  - id: search
    when: action.tool == "search"
    effect: allow
`;
const policy = file("policy.yaml", text);

describe("trailguard compile", () => {
  it("writes a file loadCompiledPolicy reads, bound to the policy text", async () => {
    const out = join(dir, "policy.tgc");
    const r = await run("compile", policy, "-o", out);
    expect(r).toMatchObject({ code: 0, err: [] });
    expect(r.out[0]).toMatch(/^.*policy\.yaml → .*policy\.tgc: ok \(\d+ bytes\)$/);
    const guard = await createGuard({ policy: loadCompiledPolicy(readFileSync(out), { source: text }) });
    expect(guard.check({ kind: "tool", session: "s", tool: "search" }).effect).toBe("allow");
    expect(guard.check({ kind: "shell", session: "s", command: "sudo rm -rf /" }).rule).toBe("essential.rm-recursive-root");
    expect(() => loadCompiledPolicy(readFileSync(out), { source: text.replace("allow", "deny") })).toThrow(CompiledPolicyError);
    expect(existsSync(`${out}.partial`)).toBe(false);
  });

  it("accepts --out", async () => {
    const out = join(dir, "long.tgc");
    expect((await run("compile", "--out", out, policy)).code).toBe(0);
    expect(loadCompiledPolicy(readFileSync(out)).rules.some((rule) => rule.id === "search")).toBe(true);
  });

  it("prints the policy's problems as FILE:LINE:COL and writes nothing", async () => {
    const bad = file("bad.yaml", "version: 1\ndefault: deny\nrules:\n  - id: a\n    when: action.tol == 1\n    effect: allow\n");
    const out = join(dir, "bad.tgc");
    const r = await run("compile", bad, "-o", out);
    expect(r.code).toBe(1);
    expect(r.err[0]).toMatch(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:5:11: unknown field \`action.tol\``));
    expect(existsSync(out)).toBe(false);
  });

  it("explains its usage", async () => {
    for (const argv of [["compile", policy], ["compile", "-o", join(dir, "x.tgc")], ["compile", policy, "-o"], ["compile", policy, "-o", "a", "-o", "b"]]) {
      expect(await run(...argv)).toMatchObject({ code: 1, err: ["usage: trailguard compile POLICY -o FILE"] });
    }
    expect(await run("compile", policy, "--fast", "-o", "x")).toMatchObject({ code: 1, err: ["unknown option `--fast`", "usage: trailguard compile POLICY -o FILE"] });
  });

  it("reports a missing policy and an unwritable target", async () => {
    expect((await run("compile", join(dir, "missing.yaml"), "-o", join(dir, "m.tgc"))).err[0]).toContain("no such file");
    const r = await run("compile", policy, "-o", join(dir, "no-such-dir", "x.tgc"));
    expect(r.code).toBe(1);
    expect(r.err[0]).toMatch(/^cannot write `.*x\.tgc`: /);
  });
});
