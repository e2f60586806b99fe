import { createGuard, fileSink, loadPolicy, parseTrace, replayTrace, resumeChain, TraceError, type Action, type TraceEvent } from "@trailguard/core";
import type { Io } from "../io.js";
import { printIssues, readOrFail } from "./read.js";

/**
 * `trailguard check --policy POLICY (--trace TRACE.jsonl | --action JSON) [--audit LOG]`: decides every
 * action event in order and prints one JSON line per action: `{"i", "session", "effect", "rule", "code"}`;
 * with `--audit`, appends every decision to the audit log LOG (continuing its chain). Exit 0 when the
 * trace was processed (whatever was denied), 1 for an invalid policy, 2 for an unreadable trace or a log
 * that cannot be written.
 *
 * @example
 * await check(["--policy", "p.yaml", "--trace", "t.jsonl"], io) // → 0
 */
export async function check(args: string[], io: Io): Promise<number> {
  const opts = parseFlags(args, ["--policy", "--trace", "--action", "--audit"]);
  if (typeof opts === "string" || !opts["--policy"] || (!opts["--trace"] === !opts["--action"])) {
    io.err(typeof opts === "string" ? opts : "usage: trailguard check --policy POLICY (--trace TRACE.jsonl | --action JSON) [--audit LOG]");
    return 2;
  }
  const policyFile = opts["--policy"];
  const text = await readOrFail(io, policyFile);
  if (text === undefined) return 1;
  const { policy, errors } = loadPolicy(text);
  if (!policy) {
    printIssues(io, policyFile, { errors, warnings: [] });
    return 1;
  }
  let events: TraceEvent[];
  try {
    if (opts["--action"]) {
      let action: unknown;
      try {
        action = JSON.parse(opts["--action"]);
      } catch (e) {
        throw new TraceError(1, `--action is not valid JSON: ${(e as Error).message.toLowerCase()}`);
      }
      events = [{ type: "action", ...(action as Action) }];
    } else {
      const traceFile = opts["--trace"]!;
      const trace = await readOrFail(io, traceFile);
      if (trace === undefined) return 2;
      events = parseTrace(trace).map((e) => e);
    }
  } catch (e) {
    if (e instanceof TraceError) {
      io.err(`${opts["--trace"] ?? "--action"}:${e.line}: ${e.message.replace(/^line \d+: /, "")}`);
      return 2;
    }
    throw e;
  }
  const log = opts["--audit"];
  let start;
  try {
    start = log !== undefined ? await resumeChain(log) : undefined;
  } catch (e) {
    io.err(`${log}: ${(e as Error).message}`);
    return 2;
  }
  const guard = await createGuard({ policy, ...(log !== undefined ? { audit: { sinks: [fileSink({ path: log })], adapter: "cli", ...(start ? { start } : {}) } } : {}) });
  // `i` is the event's 0-based position in the trace (blank lines are not events).
  for (const { index, session, decision: d } of await replayTrace(guard, events)) {
    io.out(JSON.stringify({ i: index, session, effect: d.effect, rule: d.rule ?? null, code: d.code }));
  }
  try {
    await guard.close();
  } catch (e) {
    io.err(`${log}: the audit log could not be written: ${(e as Error).message}`);
    return 2;
  }
  return 0;
}

/** Parses `--flag value` pairs; returns an error message for anything else. */
export function parseFlags(args: string[], known: string[]): Record<string, string> | string {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.indexOf("=");
    const [flag, inline] = a.startsWith("--") && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    if (!known.includes(flag)) return `unknown option \`${a}\`; expected ${known.join(", ")}`;
    const value = inline ?? args[++i];
    if (value === undefined) return `option \`${flag}\` needs a value`;
    out[flag] = value;
  }
  return out;
}
