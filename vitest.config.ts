import { defineConfig } from "vitest/config";

// One runner for the whole monorepo: unit tests beside the code, the conformance corpus in test/.
export default defineConfig({
  test: {
    include: ["packages/*/src/**/*.test.ts", "core-wasm/test/**/*.test.ts", "test/**/*.test.ts", "examples/**/*.test.ts", "bench/**/*.test.ts"],
    // The corpus and the engine tests are CPU-bound and the CI machine has two cores.
    pool: "forks",
    testTimeout: 30_000,
  },
});
