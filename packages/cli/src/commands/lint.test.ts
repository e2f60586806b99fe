import { describe, it, expect } from "vitest";
import { join } from "node:path";
import { run, tempDir } from "../cli.test-support.js";

const { dir, file } = tempDir("trailguard-lint-");

const clean = file("clean.yaml", 'version: 1\ndefault: deny\nrules:\n  - id: search\n    when: action.tool == "search"\n    effect: allow\n');
const shadowed = file("shadowed.yaml", `version: 1
default: deny
sets:
  idle: [x]
rules:
  - id: ok
    when: action.tool == "rm"
    effect: allow
  - id: no-rm
    when: action.tool in ["rm", "mv"]
    effect: deny
`);
const broken = file("broken.yaml", 'version: 1\ndefault: deny\nrules:\n  - id: r\n    when: action.command.matches("(?=x)")\n    effect: deny\n');

describe("trailguard lint", () => {
  it("exits 0 and says so when there is nothing to report", async () => {
    const r = await run("lint", clean);
    expect(r.code).toBe(0);
    expect(r.out).toEqual([`${clean}: no findings`]);
  });

  it("prints each finding as FILE:LINE:COL: SEVERITY: message (code) and exits 1", async () => {
    const r = await run("lint", shadowed);
    expect(r.code).toBe(1);
    expect(r.out).toEqual([
      `${shadowed}:4:3: warning: set \`idle\` is never used (unused_set)`,
      `${shadowed}:6:5: warning: rule \`ok\` (allow) never lets anything through: \`no-rm\` (deny) matches every action it matches (shadowed_allow)`,
    ]);
  });

  it("exits 2 for a policy that does not load, with the loader's errors as findings", async () => {
    const r = await run("lint", broken);
    expect(r.code).toBe(2);
    expect(r.out).toHaveLength(1);
    expect(r.out[0]).toMatch(new RegExp(`^${broken.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:5:\\d+: error: .*\\(invalid_pattern\\)$`));
  });

  it("writes one JSON document with --json", async () => {
    const r = await run("lint", "--json", shadowed);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out.join("\n"));
    expect(doc.loads).toBe(true);
    expect(doc.findings.map((f: { code: string; path: unknown[] }) => [f.code, f.path])).toEqual([["unused_set", ["sets", "idle"]], ["shadowed_allow", ["rules", 0]]]);
  });

  it("exits 2 for a missing file or a bad command line", async () => {
    expect((await run("lint", join(dir, "missing.yaml"))).code).toBe(2);
    expect((await run("lint")).code).toBe(2);
    expect((await run("lint", clean, shadowed)).code).toBe(2);
  });
});
