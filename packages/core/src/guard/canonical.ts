// Action → the canonical parts the engine decides (DESIGN §3). A shell line or SQL batch becomes one part
// per command or statement, each checked; those two are split only when the policy reads their fields.

import { canonicaliseUrl, canonicaliseShell, canonicalisePath, canonicaliseSql } from "../canonicalise/index.js";
import { ACTION_KINDS } from "../policy/types.js";
import { MAX_PARTS } from "../engine/abi.js";
import type { PartFields } from "../engine/host.js";

const SHELL_FIELDS = ["program", "argv", "command", "line"];
const SQL_FIELDS = ["statement", "verb", "tables"];

/** Options that give relative paths and `~` a meaning; both deterministic, never read from the process. */
export interface CanonicalOptions {
  cwd?: string;
  home?: string;
}

/** An action that cannot be decided as given; the guard denies it with `invalid_action`. */
export class InvalidAction extends Error {}

/**
 * Checks the action's shape and returns its parts, canonicalised for the fields in `reads`.
 *
 * @example
 * canonicalParts({ kind: "shell", session: "s", command: "ls && rm -rf /" }, reads, {}) // two parts
 */
export function canonicalParts(action: unknown, reads: ReadonlySet<string>, opts: CanonicalOptions): PartFields[] {
  if (typeof action !== "object" || action === null || Array.isArray(action)) throw new InvalidAction("an action must be an object");
  const a = action as Record<string, unknown>;
  if (typeof a.kind !== "string" || !(ACTION_KINDS as readonly string[]).includes(a.kind)) {
    throw new InvalidAction(`unknown action kind \`${String(a.kind)}\`; expected one of ${ACTION_KINDS.join(", ")}`);
  }
  if (typeof a.session !== "string" || a.session === "") throw new InvalidAction("an action needs a `session` (a non-empty string)");
  const base: PartFields = { ...a };
  for (const f of ["agent", "tool", "target", "method", "url", "host", "command", "file", "statement", "origin"]) {
    if (base[f] !== undefined && typeof base[f] !== "string") throw new InvalidAction(`\`${f}\` must be a string`);
  }
  if (typeof base.method === "string") base.method = base.method.toUpperCase();

  // URLs and paths are canonicalised whether or not the policy reads them: an unparsable URL is denied
  // either way, and the canonical forms are what the audit records.
  canonicaliseHttp(base);
  if (typeof base.file === "string") {
    base.file = canonicalisePath(base.file, { cwd: typeof a.cwd === "string" ? a.cwd : opts.cwd, home: opts.home });
  }
  let parts: PartFields[] = [base];
  if (typeof base.command === "string" && SHELL_FIELDS.some((f) => reads.has(f))) parts = shellParts(base, base.command);
  if (typeof base.statement === "string" && SQL_FIELDS.some((f) => reads.has(f))) {
    parts = parts.flatMap((p) => sqlParts(p, base.statement as string));
  }
  if (parts.length > MAX_PARTS) throw new InvalidAction(`the action has ${parts.length} commands or statements; at most ${MAX_PARTS} are decided at once`);
  return parts;
}

function canonicaliseHttp(base: PartFields): void {
  if (typeof base.url === "string") {
    const u = canonicaliseUrl(base.url);
    if (!u.ok) throw new InvalidAction(u.error);
    base.url = u.url;
    base.host = u.host;
    base.port = u.port;
    base.path = u.path;
    base.query = u.query;
  } else if (typeof base.host === "string") {
    // A bare host gets the same normalisation as a URL's (case, IDNA, IP literal forms, trailing dot).
    const u = canonicaliseUrl(`http://${base.host}/`);
    if (!u.ok) throw new InvalidAction(`invalid host \`${base.host}\``);
    base.host = u.host;
  }
}

function shellParts(base: PartFields, line: string): PartFields[] {
  const shell = canonicaliseShell(line);
  // An empty line (or only comments) still is an action: it is decided once, with no program.
  if (shell.parts.length === 0) return [{ ...base, line, command: "", argv: [], program: undefined }];
  return shell.parts.map((p) => ({ ...base, line, program: p.program, argv: p.argv, command: p.argv.join(" ") }));
}

function sqlParts(base: PartFields, statement: string): PartFields[] {
  const sql = canonicaliseSql(statement);
  if (sql.statements.length === 0) return [{ ...base, statement: "", tables: [], verb: undefined }];
  return sql.statements.map((s) => ({ ...base, statement: s.text, verb: s.verb, tables: s.tables }));
}
