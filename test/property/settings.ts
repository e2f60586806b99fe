// How many random cases each property runs, and from which seed. CI runs a fixed seed and a modest number
// of runs so that a failure reproduces exactly and the suite stays fast; a longer run is on demand:
//
//   TRAILGUARD_PROPERTY_RUNS=20000 TRAILGUARD_PROPERTY_SEED=$RANDOM npx vitest run test/property
//
// fast-check reports a failure with its `seed` and `path`; TRAILGUARD_PROPERTY_SEED and
// TRAILGUARD_PROPERTY_PATH replay it (test/README.md, "Property tests").
import type { Parameters } from "fast-check";

/** The seed CI runs: a fixed constant, so that CI is deterministic (any value would do). */
const CI_SEED = 20_260_811;

function positiveInt(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  // A typo must not silently turn a long run into the short default one.
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, not ${JSON.stringify(raw)}`);
  return n;
}

function seedFromEnv(): number {
  const raw = process.env.TRAILGUARD_PROPERTY_SEED;
  if (raw === undefined || raw === "") return CI_SEED;
  const n = Number(raw);
  // fast-check prints negative seeds too: any 32-bit integer replays.
  if (!Number.isSafeInteger(n)) throw new Error(`TRAILGUARD_PROPERTY_SEED must be an integer, not ${JSON.stringify(raw)}`);
  return n;
}

/** The seed every property of this run starts from. */
export const PROPERTY_SEED = seedFromEnv();

/** Runs per property when TRAILGUARD_PROPERTY_RUNS is set, in place of each property's CI count. */
const RUNS_OVERRIDE = positiveInt("TRAILGUARD_PROPERTY_RUNS");

/**
 * fast-check parameters for a property that runs `ciRuns` cases in CI. With TRAILGUARD_PROPERTY_RUNS set,
 * every property runs that many cases instead; TRAILGUARD_PROPERTY_PATH replays one failure's shrink path.
 *
 * @example
 * fc.assert(fc.property(arb, check), propertyParams(200));
 */
export function propertyParams<T>(ciRuns: number): Parameters<T> {
  const path = process.env.TRAILGUARD_PROPERTY_PATH;
  return {
    seed: PROPERTY_SEED,
    numRuns: RUNS_OVERRIDE ?? ciRuns,
    ...(path ? { path } : {}),
    // The shrunk counterexample and its replay line (`seed`, `path`) must reach the CI log whole.
    verbose: 1,
  };
}

