// `pnpm bench`: every suite, one after another, each in its own process (a suite's figures are measured
// in one process; separate processes keep one suite's heap and JIT state out of the next one's).
// `--quick` and `--json` pass through; with `--json`, bench/RESULTS.md and its charts are regenerated.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const flags = process.argv.slice(2).filter((a) => a === "--quick" || a === "--json");
const unknown = process.argv.slice(2).filter((a) => !flags.includes(a));
if (unknown.length) {
  console.error(`unknown option \`${unknown[0]}\`; pnpm bench takes --quick and --json`);
  process.exit(2);
}
const SUITES = [
  { file: "run.mjs", what: "decision latency against peers, by rule count; trajectory, audit, memory" },
  { file: "adapters.mjs", what: "adapter overhead against the bare guard" },
  { file: "startup.mjs", what: "cold start, memory per busy session, 100,000 live sessions" },
  { file: "redos.mjs", what: "pattern matching: the ReDoS corpus and real-world regexes" },
];
let failed = 0;
for (const suite of SUITES) {
  const path = fileURLToPath(new URL(suite.file, import.meta.url));
  if (!existsSync(path)) throw new Error(`the suite \`${suite.file}\` is missing`);
  console.log(`\n━━ ${suite.file}: ${suite.what}\n`);
  const r = spawnSync(process.execPath, ["--expose-gc", path, ...flags], { stdio: "inherit" });
  if (r.status !== 0) {
    failed++;
    console.error(`the suite \`${suite.file}\` failed (exit ${r.status ?? r.signal})`);
  }
}
if (flags.includes("--json") && failed === 0) {
  spawnSync(process.execPath, [fileURLToPath(new URL("report.mjs", import.meta.url))], { stdio: "inherit" });
}
process.exit(failed ? 1 : 0);
