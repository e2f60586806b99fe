// Recall and false positives of the `essential` pack on two labelled shell corpora (README.md beside this
// file): dcg (destructive_command_guard) and safety_net (claude-code-safety-net), both MIT, vendored in
// cases.jsonl by convert.py. Every miss and false positive must be listed below with its reason; a listed
// case that starts passing fails the test too, so the lists stay true.

import { beforeAll, describe, expect, it } from "vitest";
import { measure, type Figures } from "./measure.mjs";

/** The targets of issue 8. */
const RECALL_TARGET = 0.95;
const FALSE_POSITIVE_TARGET = 0.03;

// Deny cases the pack lets through, by source, with why.
const KNOWN_MISSES: Record<string, string> = {
  "dcg/edge_cases/multi_segment.toml#20": "`rm -rf` without an operand deletes nothing (rm: missing operand)",
  "dcg/true_positives/rm_destructive.toml#5":
    "a relative path below the working directory: the pack leaves deletions inside the workspace to the policy (test/corpus/essential/near-miss-rm-build.yaml)",
  "safety_net/tests/core/rules-rm.test.ts:209": "`build` is below the working directory, `/tmp/test-dir` is temporary (see near-miss-rm-build)",
  "safety_net/tests/core/rules-rm.test.ts:464": "`7` is below the working directory (see near-miss-rm-build); the source test runs without a cwd",
  "safety_net/tests/core/rules-rm.test.ts:468": "`123` is below the working directory (see near-miss-rm-build); the source test runs without a cwd",
  "safety_net/tests/core/analyze/edge-cases.test.ts:310": "with -i, xargs puts its input only where `{}` stands; there is none, so rm gets no operand",
  "safety_net/tests/core/analyze/edge-cases.test.ts:330": "with -i{}, xargs puts its input only where `{}` stands; there is none, so rm gets no operand",
  "safety_net/tests/core/analyze/edge-cases.test.ts:402": "the input is the visible `ok`: bash -c runs `ok`",
  "safety_net/tests/core/analyze/edge-cases.test.ts:406": "the input is the visible `ok`: bash -c runs `ok`",
  "safety_net/tests/core/analyze/edge-cases.test.ts:443":
    "xargs splits the input into words, so this is `bash -c rm -rf /`: the script is `rm` alone, with $0=-rf and $1=/",
  "safety_net/tests/core/analyze/edge-cases.test.ts:493": "the input is the visible `ok`: bash -c runs `ok`",
  "safety_net/tests/core/analyze/edge-cases.test.ts:725": "command -v only looks the name up and runs nothing (dcg labels `command -v git` allow)",
  "safety_net/tests/core/analyze/edge-cases.test.ts:729": "command -V only describes the name and runs nothing (dcg labels `command -V git` allow)",
  "safety_net/tests/core/analyze/edge-cases.test.ts:733": "command -v/-V only looks the name up and runs nothing",
  "safety_net/tests/core/analyze/edge-cases.test.ts:741": "`1A=2` is not an assignment, so it is the program: the shell runs `1A=2`, not git",
  "safety_net/tests/core/analyze/edge-cases.test.ts:745": "`A-B=2` is not an assignment, so it is the program: the shell runs `A-B=2`, not git",
  "safety_net/tests/core/analyze/edge-cases.test.ts:749": "`=2` is not an assignment, so it is the program: the shell runs `=2`, not git",
};

// Allow cases the pack blocks, by source, with why.
const KNOWN_FALSE_POSITIVES: Record<string, string> = {
  "dcg/edge_cases/boundaries.toml#11": "a program chosen by a substitution is denied unread (the most dangerous reading)",
  "dcg/edge_cases/boundaries.toml#12": "a program chosen by a substitution is denied unread (the most dangerous reading)",
  "dcg/edge_cases/multi_segment.toml#22": "a program chosen by a substitution is denied unread (the most dangerous reading)",
  "dcg/edge_cases/multi_segment.toml#23": "a program chosen by a substitution is denied unread (the most dangerous reading)",
  "dcg/edge_cases/future_packs.toml#2": "the essential pack denies deleting a Kubernetes namespace; dcg labels it allow only because its pack for it is not written yet",
  "safety_net/tests/core/rules-git.test.ts:220":
    "git takes --recurse-submodules' value only after `=`, so `checkout` and `main` are a tree and a path to overwrite",
  "safety_net/tests/core/rules-git.test.ts:224":
    "git takes --recurse-submodules' value only after `=`, so `on-demand` and `main` are a tree and a path to overwrite",
  "safety_net/tests/core/rules-git.test.ts:228": "git takes --track's value only after `=`, so `direct` and `main` are a tree and a path to overwrite",
  "safety_net/tests/core/rules-git.test.ts:232": "git takes --track's value only after `=`, so `inherit` and `main` are a tree and a path to overwrite",
};

const pct = (x: number | null) => (x === null ? "n/a" : `${(100 * x).toFixed(1)}%`);

describe("essential pack on the shell corpora", () => {
  let figures: Figures;

  beforeAll(async () => {
    figures = await measure();
    const lines: string[] = [];
    for (const [name, c] of Object.entries(figures.corpora)) {
      lines.push(
        `${name}: recall ${c.total.caught}/${c.total.deny} = ${pct(c.total.recall)} (${c.total.asked} by ask), ` +
          `false positives ${c.total.falsePositives}/${c.total.allow} = ${pct(c.total.falsePositiveRate)}, ${c.excluded} excluded`,
      );
      for (const [g, t] of Object.entries(c.groups)) {
        lines.push(`  ${g}: recall ${t.caught}/${t.deny} = ${pct(t.recall)}, false positives ${t.falsePositives}/${t.allow} = ${pct(t.falsePositiveRate)}`);
      }
    }
    console.log(lines.join("\n"));
  });

  it("reads both corpora whole", () => {
    const count = (corpus: string) => figures.cases.filter((c) => c.corpus === corpus).length;
    // dcg: 354 cases in 18 TOML files; safety_net: 494 lines of commands.jsonl.
    expect(count("dcg")).toBe(354);
    expect(count("safety_net")).toBe(494);
    for (const c of figures.cases) expect(["allow", "deny"]).toContain(c.expected);
  });

  it.each(["dcg", "safety_net"])("%s: recall on the deny cases is at least 95%%", (corpus) => {
    expect(figures.corpora[corpus]?.total.recall).toBeGreaterThanOrEqual(RECALL_TARGET);
  });

  it.each(["dcg", "safety_net"])("%s: false positives on the allow cases are at most 3%%", (corpus) => {
    expect(figures.corpora[corpus]?.total.falsePositiveRate).toBeLessThanOrEqual(FALSE_POSITIVE_TARGET);
  });

  it("misses exactly the listed cases", () => {
    expect(figures.misses.map((c) => c.source).sort()).toEqual(Object.keys(KNOWN_MISSES).sort());
  });

  it("blocks exactly the listed allow cases", () => {
    expect(figures.falsePositives.map((c) => c.source).sort()).toEqual(Object.keys(KNOWN_FALSE_POSITIVES).sort());
  });

  it("excludes only cases that carry a reason, and still decides them", () => {
    const excluded = figures.cases.filter((c) => c.excluded !== undefined);
    // 4 dcg hook payloads; 19 safety_net cases of a custom-rules config, 10 labelled by a context they do not carry.
    expect(excluded.length).toBe(33);
    for (const c of excluded) {
      expect(c.excluded).toMatch(/\S/);
      expect(["allow", "flag", "ask", "deny", "kill"]).toContain(c.effect);
    }
  });
});
