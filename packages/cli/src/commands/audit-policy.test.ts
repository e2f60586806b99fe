import { describe, it, expect } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createGuard, memorySink } from "@trailguard/core";
import { run, tempDir } from "../cli.test-support.js";

const { dir } = tempDir("trailguard-audit-policy-");

const OLD = 'version: 1\ndefault: deny\nrules:\n  - id: search\n    when: action.tool == "search"\n    effect: allow\n';
const NEW = OLD.replace("effect: allow", "effect: deny");

describe("a log with a policy change", () => {
  it("verifies, shows the change, and replay under the old policy stops there (exit 1)", async () => {
    const sink = memorySink();
    const guard = await createGuard({ policy: OLD, audit: { sinks: [sink] } });
    const from = guard.policy.hash;
    guard.check({ kind: "tool", session: "s1", tool: "search" }, { now: 1_767_225_600_000 });
    await guard.updatePolicy(NEW, { reason: "freeze" });
    guard.check({ kind: "tool", session: "s1", tool: "search" }, { now: 1_767_225_601_000 });
    await guard.flush();
    const log = join(dir, "audit.jsonl");
    writeFileSync(log, sink.lines.join("\n") + "\n");
    expect(await run("audit", "verify", log)).toMatchObject({ code: 0, out: [`${log}: ok, 3 records in 1 file`] });
    const shown = await run("audit", "show", log);
    expect(shown.code).toBe(0);
    expect(shown.out[2]).toContain(`(policy ${from.slice(0, 12)}… → ${guard.policy.hash.slice(0, 12)}…: freeze)`);
    expect(shown.out[3]).toMatch(/tool search\s+deny\s+search$/);
    const policy = join(dir, "old.yaml");
    writeFileSync(policy, OLD);
    const replayed = await run("replay", "--policy", policy, log);
    expect(replayed.code).toBe(1);
    expect(replayed.out[0]).toMatch(new RegExp(`:2: the log switches from policy \`${from.slice(0, 12)}…\` to .*; records from here on were not replayed$`));
    expect(replayed.out[1]).toContain("1 decision replayed");
  });
});
