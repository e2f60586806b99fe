import { validate } from "./commands/validate.js";
import { lint } from "./commands/lint.js";
import { compile } from "./commands/compile.js";
import { check } from "./commands/check.js";
import { test } from "./commands/test.js";
import { plan } from "./commands/plan.js";
import { audit } from "./commands/audit.js";
import { replay } from "./commands/replay.js";
import type { Io } from "./io.js";

const COMMANDS: Record<string, (args: string[], io: Io) => Promise<number>> = { validate, lint, compile, check, test, plan, audit, replay };

const HELP = `trailguard — a fail-closed firewall for AI-agent actions

usage:
  trailguard validate POLICY                                  check a policy; problems as FILE:LINE:COL
  trailguard lint POLICY [--json]                             likely mistakes (exit 1: findings, 2: does not load)
  trailguard compile POLICY -o FILE                           write the policy precompiled (loadCompiledPolicy)
  trailguard check --policy POLICY --trace TRACE.jsonl        decide every action of a trace
  trailguard check --policy POLICY --action '{"kind":…}'      decide one action
                  … --audit LOG                               and append the decisions to an audit log
  trailguard audit verify [--key PUBKEY]… LOG…                check a log's hash chain (exit 1: broken)
  trailguard audit show LOG…                                  the log as a table
  trailguard replay --policy POLICY [--json] LOG…             re-decide a log's actions; every difference (exit 1: any)
  trailguard test TESTS.yaml…                                 run policy unit tests
  trailguard plan keygen | sign --key KEY PLAN | verify --policy POLICY --signature SIG PLAN`;

/**
 * Runs the CLI with `argv` (without `node` and the script) and returns the exit code. Never throws:
 * an unexpected failure is reported and exits 3.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2), nodeIo);
 */
export async function main(argv: string[], io: Io): Promise<number> {
  const [command, ...args] = argv;
  if (!command || command === "--help" || command === "-h" || command === "help") {
    io.out(HELP);
    return command ? 0 : 2;
  }
  const run = COMMANDS[command];
  if (!run) {
    io.err(`unknown command \`${command}\`\n\n${HELP}`);
    return 2;
  }
  try {
    return await run(args, io);
  } catch (e) {
    io.err(`trailguard ${command}: unexpected failure: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    return 3;
  }
}
