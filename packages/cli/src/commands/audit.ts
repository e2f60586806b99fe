import { logFilesInOrder, readLogFiles, verifyChain, AuditError, type AuditLine } from "@trailguard/core";
import type { Io } from "../io.js";
import { clean, table } from "./table.js";

const USAGE = "usage: trailguard audit verify [--key PUBLIC_KEY]… LOG… | trailguard audit show LOG…";

/**
 * `trailguard audit verify LOG…` checks that each log (with its rotated files, oldest first) is one
 * unbroken hash chain and reports the first broken link as `FILE:LINE: why` (exit 1); `--key` adds an
 * Ed25519 public key (hex) that checkpoint signatures must verify with. `trailguard audit show LOG…`
 * prints a readable table: time, session, agent, action, effect, rule.
 *
 * @example
 * await audit(["verify", "audit.jsonl"], io) // → 0, or 1 with "audit.jsonl:17: record 16's hash …"
 */
export async function audit(args: string[], io: Io): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "verify") return verify(rest, io);
  if (sub === "show") return show(rest, io);
  io.err(USAGE);
  return 2;
}

function verify(args: string[], io: Io): number {
  const keys: string[] = [];
  const logs: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--key") {
      const k = args[++i];
      if (k === undefined) {
        io.err("option `--key` needs a value");
        return 2;
      }
      keys.push(k);
    } else logs.push(args[i]!);
  }
  if (logs.length === 0) {
    io.err(USAGE);
    return 2;
  }
  let broken = false;
  for (const log of logs) {
    const files = logFilesInOrder(log);
    if (files.length === 0) {
      io.err(`${log}: no such log`);
      return 2;
    }
    let r;
    try {
      r = verifyChain(readLogFiles(files), keys.length ? { publicKeys: keys } : {});
    } catch (e) {
      io.err(`${log}: ${e instanceof AuditError ? e.message : String(e)}`);
      return 2;
    }
    if (r.ok) {
      const signed = r.checkpoints > 0 ? `, ${r.checkpoints} checkpoints${r.unverified ? ` (${r.unverified} unverified: no --key)` : ""}` : "";
      io.out(`${log}: ok, ${r.records} records in ${files.length} file${files.length === 1 ? "" : "s"}${signed}`);
    } else {
      broken = true;
      io.out(`${r.file}:${r.line}: ${r.why}`);
    }
  }
  return broken ? 1 : 0;
}

function show(logs: string[], io: Io): number {
  if (logs.length === 0) {
    io.err(USAGE);
    return 2;
  }
  const rows: string[][] = [["time", "session", "agent", "action", "effect", "rule"]];
  try {
    for (const log of logs) for (const line of readLogFiles(logFilesInOrder(log))) rows.push(row(line));
  } catch (e) {
    io.err(e instanceof AuditError ? e.message : String(e));
    return 2;
  }
  for (const line of table(rows)) io.out(line);
  return 0;
}

// A hot reload: hashes shortened to what tells them apart in a table (the record has them whole).
function policyChange(e: Record<string, unknown>): string {
  const short = (v: unknown) => `${String(v).slice(0, 12)}…`;
  return `(policy ${short(e.from)} → ${short(e.to)}${typeof e.reason === "string" ? `: ${e.reason}` : ""})`;
}

function row({ text, file, line }: AuditLine): string[] {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return [`${file}:${line}`, "", "", "(not JSON)", "", ""];
  }
  const s = (v: unknown) => (typeof v === "string" ? v : v === undefined || v === null ? "" : String(v));
  const a = (r.action ?? {}) as Record<string, unknown>;
  const what = r.type === "decision"
    ? [a.kind, a.tool ?? a.method, a.url ?? a.command ?? a.file ?? a.statement ?? a.target].filter((x) => x !== undefined).map(s).join(" ")
    : r.type === "policy" ? policyChange((r.event ?? {}) as Record<string, unknown>)
    : `(${s(r.type)}${r.type === "approval" ? ` ${s((r.event as Record<string, unknown> | undefined)?.code)}` : ""})`;
  return [s(r.ts), s(r.session), s(r.agent), clean(what), s(r.effect), s(r.rule ?? r.code)];
}
