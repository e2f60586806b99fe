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
