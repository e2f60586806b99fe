import { loadPolicy, logFilesInOrder, nodeSha256Hex, readLogFiles, replayAuditLog, type AuditReplayDifference, type AuditReplayReport, type CompiledPolicy, type ReplayVerdict } from "@trailguard/core";
import type { Io } from "../io.js";
import { printIssues, readOrFail } from "./read.js";
import { clean, table } from "./table.js";

const USAGE = "usage: trailguard replay --policy POLICY [--json] [--key PUBLIC_KEY]… LOG…";

/**
 * `trailguard replay --policy POLICY [--json] [--key PUBLIC_KEY]… LOG…` re-decides every action of each
 * log (with its rotated files, oldest first) against POLICY, with the log's own clock, and prints every
 * decision that comes out differently as a table (where, seq, session, action, recorded → replayed,
 * note) and a summary line per log; `--json` prints each log's report as one JSON line instead; `--key`
 * verifies checkpoint signatures as `audit verify` does. Exit 0 when every decision of every log was
 * reproduced, 1 when one was not (changed or incomplete), a chain is broken or the log changes from POLICY
 * to another policy (replay stops at the change: it does not switch policies), 2 for bad usage, an
 * invalid policy or a log that cannot be read.
 *
 * @example
 * await replay(["--policy", "new-policy.yaml", "audit.jsonl"], io) // → 1, with the decisions the change would alter
 */
export async function replay(args: string[], io: Io): Promise<number> {
  const opts = parseArgs(args);
  if (typeof opts === "string") {
    io.err(opts);
    return 2;
  }
  const text = await readOrFail(io, opts.policy);
  if (text === undefined) return 2;
  const { policy, errors } = loadPolicy(text);
  if (!policy) {
    printIssues(io, opts.policy, { errors, warnings: [] });
    return 2;
  }
  let code = 0;
  for (const log of opts.logs) {
    const files = logFilesInOrder(log);
    if (files.length === 0) {
      io.err(`${log}: no such log`);
      return 2;
    }
    const report = await replayAuditLog(readLogFiles(files), {
      policy, hash: nodeSha256Hex, ...(opts.keys.length > 0 ? { verify: { publicKeys: opts.keys } } : {}),
    });
    if (report.error?.code === "unreadable_log" || report.error?.code === "invalid_options") {
      io.err(`${log}: ${report.error.message}`);
      return 2;
    }
    if (opts.json) io.out(JSON.stringify(asJson(log, report)));
    else printReport(io, log, report, policy);
    if (!report.ok) code = 1;
  }
  return code;
}

interface ReplayArgs {
  policy: string;
  json: boolean;
  keys: string[];
  logs: string[];
}

/** The command's arguments, or the message for ones it cannot use. */
function parseArgs(args: string[]): ReplayArgs | string {
  let policy: string | undefined;
  let json = false;
  const keys: string[] = [];
  const logs: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.indexOf("=");
    const [flag, inline] = a.startsWith("--") && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    if (flag === "--json" && inline === undefined) {
      json = true;
    } else if (flag === "--policy" || flag === "--key") {
      const value = inline ?? args[++i];
      if (value === undefined) return `option \`${flag}\` needs a value`;
      if (flag === "--policy") policy = value;
      else keys.push(value);
    } else if (a.startsWith("--")) {
      return `unknown option \`${a}\`; expected --policy, --json, --key`;
    } else {
      logs.push(a);
    }
  }
  if (policy === undefined || logs.length === 0) return USAGE;
  return { policy, json, keys, logs };
}

function printReport(io: Io, log: string, report: AuditReplayReport, policy: CompiledPolicy): void {
  if (report.differences.length > 0) {
    const rows = [["where", "seq", "session", "action", "recorded", "replayed", "note"]];
    for (const d of report.differences) {
      rows.push([`${d.file}:${d.line}`, String(d.seq), clean(d.session), clean(d.summary), verdict(d.recorded), verdict(d.replayed), clean(note(d))]);
    }
    // The place and the note are never cut: one is where to look, the other a sentence.
    for (const line of table(rows, [0, 6])) io.out(line);
  }
  // A broken link, or a policy change under the policy that wrote the log: replay ends there.
  const broken = report.error?.code === "broken_chain" || report.error?.code === "policy_changed" ? report.error : undefined;
  if (broken) io.out(`${broken.file}:${broken.line}: ${broken.message}; records from here on were not replayed`);
  const c = report.counts;
  const others = report.recordedPolicies.filter((p) => p !== policy.hash);
  const policies = others.length === 0
    ? `under the policy that wrote it (${short(policy.hash)})`
    : `under policy ${short(policy.hash)}; the log was written under ${others.map(short).join(", ")}${others.length < report.recordedPolicies.length ? ` and ${short(policy.hash)}` : ""}`;
  const omitted = report.omitted > 0 ? ` (${report.omitted} not shown)` : "";
  io.out(`${log}: ${c.decisions} decision${c.decisions === 1 ? "" : "s"} replayed ${policies}: ${c.same} same, ${c.changed} changed, ${c.incomplete} incomplete${omitted}`);
}

/** A decision in one cell: `effect rule (code)`, or `effect (code)` without a rule. */
function verdict(v: ReplayVerdict): string {
  return clean([v.effect ?? "?", v.rule, `(${v.code ?? "?"})`].filter((x) => x !== undefined).join(" "));
}

function note(d: AuditReplayDifference): string {
  const parts: string[] = [];
  if (d.kind === "incomplete") parts.push(`incomplete: ${d.why}`);
  else if (!d.fields.includes("effect")) parts.push(`differs in ${d.fields.join(", ")}`);
  if (d.afterIncomplete) parts.push("after an incomplete decision of this session");
  return parts.join("; ");
}

function short(hash: string): string {
  return `${hash.slice(0, 12)}…`;
}

/** The report as JSON: the error as its code, message and place (an Error object serialises to `{}`). */
function asJson(log: string, report: AuditReplayReport): Record<string, unknown> {
  const { error, ...rest } = report;
  return {
    log, ...rest,
    ...(error ? { error: { code: error.code, message: error.message, ...(error.file !== undefined ? { file: error.file, line: error.line } : {}) } } : {}),
  };
}
