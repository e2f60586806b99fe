// Loads the conformance corpus: one YAML file per case under test/corpus/. Every implementation path
// (core, and each adapter) runs these same cases; see test/README.md for the format.

import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { caseFromObject, type PolicyCase } from "@trailguard/core/testing";

/** The corpus directory. */
export const CORPUS_DIR = fileURLToPath(new URL("./corpus", import.meta.url));

/**
 * Every case of the corpus, named by its path (`operators/eq-string`).
 *
 * @example
 * for (const c of loadCorpus()) it(c.name, async () => expect(await runCase(c)).toEqual([]));
 */
export function loadCorpus(dir = CORPUS_DIR): PolicyCase[] {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(".yaml")) files.push(p);
    }
  };
  walk(dir);
  return files.map((f) => {
    const name = relative(dir, f).replace(/\.yaml$/, "");
    return caseFromObject(parse(readFileSync(f, "utf8")), name);
  });
}

/** The corpus cases an adapter runs, and how many it leaves out for each reason. */
export interface CorpusPartition {
  routed: PolicyCase[];
  skipped: Map<string, number>;
  /** `n: reason` per reason, joined with `separator`. */
  summary: (separator: string) => string;
}

/**
 * Splits the corpus into the cases an adapter can run and those it cannot (`skipReason` returns why,
 * or undefined), counting the reasons, so every adapter reports what it leaves out the same way.
 *
 * @example
 * const { routed, summary } = partitionCorpus(loadCorpus(), (c) => (hasHttp(c) ? undefined : "no http action"));
 */
export function partitionCorpus(cases: readonly PolicyCase[], skipReason: (c: PolicyCase) => string | undefined): CorpusPartition {
  const routed: PolicyCase[] = [];
  const skipped = new Map<string, number>();
  for (const c of cases) {
    const why = skipReason(c);
    if (why === undefined) routed.push(c);
    else skipped.set(why, (skipped.get(why) ?? 0) + 1);
  }
  return { routed, skipped, summary: (separator) => [...skipped].map(([why, n]) => `${n}: ${why}`).join(separator) };
}
