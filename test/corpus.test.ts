import { describe, it, expect } from "vitest";
import { runCase } from "@trailguard/core/testing";
import { loadCorpus } from "./corpus.js";

const cases = loadCorpus();

describe("conformance corpus (core)", () => {
  it("has the cases the engine issue asks for", () => {
    expect(cases.length).toBeGreaterThanOrEqual(150);
  });
  for (const c of cases) {
    it(c.name, async () => {
      expect(await runCase(c)).toEqual([]);
    });
  }
});
