// The ReDoS-Benchmarks data (../shared/data/redos, Li et al., MIT): 699 regexes confirmed vulnerable to
// catastrophic backtracking, each with an attack recipe (prefix + pump × n + suffix), and ~19k
// real-world regexes, one per line. Read from the shared folder, never copied into the repository:
// the benchmark is run by developers who have it; the tests use their own inline rows.

import { readFileSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Where the data lives by default: `../shared/data/redos` beside the repository root. */
export const DEFAULT_DATA_DIR = fileURLToPath(new URL("../../../shared/data/redos/", import.meta.url));

/**
 * Undoes the escapes of the recipe fields. The upstream tool writes prefix, pump and suffix as the
 * contents of Java string literals (its `raw` field shows them between quotes): `\t` is a tab, `\\` one
 * backslash. Only escapes Java defines are undone; an unknown one is kept as written, which is what
 * reading it as a literal would mean.
 *
 * @example javaUnescape("\\t") // "\t"
 * @example javaUnescape("\\\\0") // "\\0"
 */
export function javaUnescape(s) {
  return s.replace(/\\(u[0-9a-fA-F]{4}|[tnrfb"'\\])/g, (m, e) => {
    if (e[0] === "u") return String.fromCharCode(parseInt(e.slice(1), 16));
    return { t: "\t", n: "\n", r: "\r", f: "\f", b: "\b", '"': '"', "'": "'", "\\": "\\" }[e];
  });
}

const encoder = new TextEncoder();

/** UTF-8 length of a string: the engine's and the guard's `maxInputBytes` unit. */
export function utf8Length(s) {
  return encoder.encode(s).length;
}

/**
 * How often the pump of `recipe` ({prefix, pump, suffix}, already unescaped) is repeated so that the
 * attack string takes `bytes` UTF-8 bytes: as often as fits beside prefix and suffix, at least once, so
 * that a recipe longer than the target still attacks.
 *
 * @example pumpCount({ prefix: "a:", pump: "01", suffix: "!" }, 9) // 3
 */
export function pumpCount(recipe, bytes) {
  const fixed = utf8Length(recipe.prefix) + utf8Length(recipe.suffix);
  const pump = utf8Length(recipe.pump);
  // An empty pump cannot grow the input; the recipe is then the whole attack.
  return pump === 0 ? 0 : Math.max(1, Math.floor((bytes - fixed) / pump));
}

/**
 * The attack string of `recipe` at `bytes` UTF-8 bytes (see {@link pumpCount}).
 *
 * @example attackString({ prefix: "a:", pump: "01", suffix: "!" }, 9) // "a:010101!"
 */
export function attackString(recipe, bytes) {
  return recipe.prefix + recipe.pump.repeat(pumpCount(recipe, bytes)) + recipe.suffix;
}

/**
 * The vulnerable regexes with their first attack recipe unescaped.
 *
 * @example readAttacks(dir)[0] // { id: 1, pattern: "([\\d\\w-.]+?…", kind: "POLYNOMIAL", prefix: "", pump: "1", suffix: "◎@! _1!_1SLQ_1" }
 */
export function readAttacks(dir = DEFAULT_DATA_DIR) {
  const text = readData(dir, "regexlib_redos_true.jsonl");
  return parseAttacks(text);
}

/** Parses the jsonl text (see {@link readAttacks}). Every row has exactly one attack upstream; a row without one is kept, with no recipe. */
export function parseAttacks(text) {
  return text.split("\n").filter((l) => l.trim() !== "").map((line) => {
    const row = JSON.parse(line);
    const a = row.attacks?.[0];
    const recipe = a ? { kind: a.kind, prefix: javaUnescape(a.prefix), pump: javaUnescape(a.pump), suffix: javaUnescape(a.suffix) } : undefined;
    return { id: row.id, pattern: row.regex, ...(recipe ?? {}), hasAttack: recipe !== undefined };
  });
}

/**
 * A file of one regex per line: lines (blank ones dropped, they are not patterns) and the distinct
 * patterns among them. regexlib_all.txt repeats many entries, so the two counts differ a lot.
 */
export function readPatternList(dir, name) {
  return parsePatternList(readData(dir, name));
}

/** See {@link readPatternList}. */
export function parsePatternList(text) {
  const lines = text.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l)).filter((l) => l !== "");
  return { lines, unique: [...new Set(lines)] };
}

/**
 * Every `step`-th item, starting at 0: a deterministic subset for `--quick` that still spans the whole
 * file (upstream orders by source, so a prefix would over-sample one source).
 *
 * @example everyNth([1, 2, 3, 4, 5], 2) // [1, 3, 5]
 */
export function everyNth(items, step) {
  return step <= 1 ? items : items.filter((_, i) => i % step === 0);
}

function readData(dir, name) {
  const path = `${dir.endsWith("/") ? dir : `${dir}/`}${name}`;
  if (!existsSync(path)) throw new Error(`missing ${path}; pass --data <dir> with the ReDoS-Benchmarks files (see /work/shared/data/README.md)`);
  return readFileSync(path, "utf8");
}
