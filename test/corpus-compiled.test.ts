// The corpus again, every policy going through the precompiled form (precompilePolicy →
// loadCompiledPolicy) instead of straight from its text: a compiled file must decide exactly as its source.

import { describe, it, expect } from "vitest";
import { createGuard, loadCompiledPolicy, loadPolicy, precompilePolicy, replayTrace, type RecordedResult } from "@trailguard/core";
import { compareDecisions, compareResults } from "@trailguard/core/testing";
import { loadCorpus } from "./corpus.js";

// Cases whose policy must not load have nothing to compile; policies given as objects have no text to bind.
const cases = loadCorpus().filter((c) => !c.expectErrors && typeof c.policy === "string");

describe("conformance corpus (precompiled policies)", () => {
  it("covers most of the corpus", () => {
    expect(cases.length).toBeGreaterThanOrEqual(150);
  });
  for (const c of cases) {
    it(c.name, async () => {
      const text = c.policy as string;
      const { compiled, errors } = precompilePolicy(text);
      expect(errors).toEqual([]);
      const policy = loadCompiledPolicy(compiled!, { source: text });
      // The same policy as loading the text gives, field by field and byte by byte… (the program compared
      // as bytes: a generic deep equality walks its ~360 KB element by element, ~0.15 s a case)
      const { program, ...rest } = policy;
      const { program: expected, ...expectedRest } = loadPolicy(text).policy!;
      expect(Buffer.from(program.buffer, program.byteOffset, program.byteLength).equals(Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength))).toBe(true);
      expect(rest).toEqual(expectedRest);
      // …and the same decisions and redactions.
      const guard = await createGuard({ policy });
      const results: RecordedResult[] = [];
      const replayed = await replayTrace(guard, c.events, undefined, (_, r) => results.push(r));
      expect([...compareDecisions(c, replayed.map((r) => r.decision)), ...compareResults(c, results)]).toEqual([]);
    });
  }
});
