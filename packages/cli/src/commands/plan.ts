import { parse } from "yaml";
import { compilePlan, formatPath, generatePlanKey, loadPolicy, signPlan, verifyPlan } from "@trailguard/core";
import type { Io } from "../io.js";
import { printIssues, readOrFail } from "./read.js";
import { parseFlags } from "./check.js";

const USAGE = `usage:
  trailguard plan keygen                                         a new Ed25519 key pair (JSON)
  trailguard plan sign --key KEY PLAN                            the plan's signature (base64)
  trailguard plan verify --policy POLICY --signature SIG PLAN    exit 0 when a policy key verifies it`;

/**
 * `trailguard plan keygen|sign|verify`: sealed plans (DESIGN §4.5). A plan file is YAML or JSON; the
 * signature covers its canonical JSON, so reformatting a plan does not invalidate it. KEY is a file with
 * the base64 secret key (or the JSON `keygen` printed); SIG is the base64 signature or a file holding it.
 *
 * @example
 * await plan(["sign", "--key", "plan.key", "refund.plan.yaml"], io) // prints the signature
 */
export async function plan(args: string[], io: Io): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "keygen" && rest.length === 0) {
    io.out(JSON.stringify(generatePlanKey(), null, 2));
    return 0;
  }
  if (sub !== "sign" && sub !== "verify") {
    io.err(USAGE);
    return 2;
  }
  const file = rest.at(-1);
  const flags = parseFlags(rest.slice(0, -1), sub === "sign" ? ["--key"] : ["--policy", "--signature"]);
  if (!file || file.startsWith("--") || typeof flags === "string") {
    io.err(typeof flags === "string" ? flags : USAGE);
    return 2;
  }
  const text = await readOrFail(io, file);
  if (text === undefined) return 2;
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    io.err(`${file}: not valid YAML or JSON: ${(e as Error).message.split("\n")[0]}`);
    return 2;
  }
  const { errors } = compilePlan(doc);
  for (const e of errors) io.err(`${file}: ${formatPath(e.path)}: ${e.message}`);
  if (errors.length) return 1;

  if (sub === "sign") {
    if (!flags["--key"]) return usage(io);
    const keyText = await readOrFail(io, flags["--key"]);
    if (keyText === undefined) return 2;
    const secret = keyText.trim().startsWith("{") ? (JSON.parse(keyText) as { secretKey?: string }).secretKey ?? "" : keyText;
    try {
      io.out(signPlan(doc, secret));
      return 0;
    } catch (e) {
      io.err(`${flags["--key"]}: ${(e as Error).message}`);
      return 2;
    }
  }
  if (!flags["--policy"] || !flags["--signature"]) return usage(io);
  const policyText = await readOrFail(io, flags["--policy"]);
  if (policyText === undefined) return 1;
  const { policy, errors: policyErrors } = loadPolicy(policyText);
  if (!policy) {
    printIssues(io, flags["--policy"], { errors: policyErrors, warnings: [] });
    return 1;
  }
  const sig = /^[A-Za-z0-9+/=\s]+$/.test(flags["--signature"]) ? flags["--signature"] : (await readOrFail(io, flags["--signature"])) ?? "";
  if (verifyPlan(doc, sig, policy.plans.keys)) {
    io.out(`${file}: signature valid`);
    return 0;
  }
  io.err(`${file}: bad signature: no key of the policy verifies it`);
  return 1;
}

function usage(io: Io): number {
  io.err(USAGE);
  return 2;
}
