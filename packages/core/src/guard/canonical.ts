// Action → the canonical parts the engine decides (DESIGN §3). A shell line or SQL batch becomes one part
// per command or statement, each checked; those two are split only when the policy reads their fields.

import { canonicaliseUrl, canonicaliseShell, canonicalisePath, canonicaliseSql } from "../canonicalise/index.js";
import { MAX_COMMANDS } from "../canonicalise/shell-syntax.js";
import { MAX_STATEMENTS } from "../canonicalise/sql.js";
import { ACTION_KINDS } from "../policy/types.js";
import { MAX_PARTS } from "../engine/abi.js";
import { InputTooLarge, type PartFields } from "../engine/host.js";
import { DEFAULT_MAX_INPUT_BYTES, inputProblem } from "./input-bounds.js";

const SHELL_FIELDS = ["program", "argv", "command", "line"];
const SQL_FIELDS = ["statement", "verb", "tables"];

/** Options that give relative paths and `~` a meaning; both deterministic, never read from the process. */
export interface CanonicalOptions {
  cwd?: string;
  home?: string;
  /**
   * Most bytes an action may take: the UTF-8 bytes of its strings plus 8 per value and key (see
   * guard/input-bounds.ts; default 4 MiB). Larger actions are denied with `input_too_large`.
   */
  maxInputBytes?: number;
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
  return splitParts(canonicalBase(action, opts), reads);
}

/**
 * The whole action, checked and canonicalised (URL, host, file), before any splitting: what the audit
 * log records, what approvals are bound to and what value taint scans. A part of a shell line or SQL
 * batch stands for one command; the action is all of them.
 *
 * @example
 * canonicalBase({ kind: "shell", session: "s", command: "ls && rm -rf /" }, {}).command // "ls && rm -rf /"
 */
export function canonicalBase(action: unknown, opts: CanonicalOptions): PartFields {
  if (typeof action !== "object" || action === null || Array.isArray(action)) throw new InvalidAction("an action must be an object");
  const a = action as Record<string, unknown>;
  // Everything is checked on the copy: what is checked is what the engine decides, even if a getter on
  // the action answers differently each time it is read.
  const base = canonicalAction(a);
  if (typeof base.kind !== "string" || !KINDS.has(base.kind)) {
    throw new InvalidAction(`unknown action kind \`${String(base.kind)}\`; expected one of ${ACTION_KINDS.join(", ")}`);
  }
  if (typeof base.session !== "string" || base.session === "") throw new InvalidAction("an action needs a `session` (a non-empty string)");
  if (!stringOrAbsent(base.agent) || !stringOrAbsent(base.tool) || !stringOrAbsent(base.target) || !stringOrAbsent(base.method) ||
    !stringOrAbsent(base.url) || !stringOrAbsent(base.host) || !stringOrAbsent(base.command) || !stringOrAbsent(base.file) ||
    !stringOrAbsent(base.statement) || !stringOrAbsent(base.origin)) {
    const f = STRING_FIELDS.find((k) => !stringOrAbsent(base[k]));
    throw new InvalidAction(`\`${f}\` must be a string`);
  }
  // The other fields the audit log records: a value it could not hold would be decided and then lose
  // its record.
  if (!stringOrAbsent(base.path) || !stringOrAbsent(base.query)) throw new InvalidAction(`\`${stringOrAbsent(base.path) ? "query" : "path"}\` must be a string`);
  if (base.port !== undefined && !(Number.isInteger(base.port) && (base.port as number) >= 0 && (base.port as number) <= MAX_PORT)) {
    throw new InvalidAction("`port` must be an integer from 0 to 65535");
  }
  for (const f of ["labels", "argv", "tables"] as const) {
    const v = base[f];
    if (v !== undefined && !(Array.isArray(v) && v.every((x) => typeof x === "string"))) throw new InvalidAction(`\`${f}\` must be a list of strings`);
  }
  if (!stringOrAbsent(base.verb)) throw new InvalidAction("`verb` must be a string");
  if (base.usage !== undefined && (typeof base.usage !== "object" || base.usage === null || Array.isArray(base.usage))) {
    throw new InvalidAction("`usage` must be an object (`tokens`, `cost`)");
  }
  // Before any canonicaliser, hash or copy reads a string or an argument: their cost is bounded by this.
  const problem = inputProblem(base, opts.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES);
  if (problem) throw problem.tooLarge ? new InputTooLarge(problem.message) : new InvalidAction(problem.message);

  // URLs and paths are canonicalised whether or not the policy reads them: an unparsable URL is denied
  // either way, and the canonical forms are what the audit records.
  canonicaliseHttp(base);
  // A command's program and words, a statement's verb and tables are derived from it, never taken from
  // the caller: a record (and an approval) must not say `ls` of an action whose command is `rm -rf /`.
  if (typeof base.command === "string") base.program = base.argv = base.line = undefined;
  if (typeof base.statement === "string") base.verb = base.tables = undefined;
  if (typeof base.file === "string") {
    base.file = canonicalisePath(base.file, { cwd: typeof a.cwd === "string" ? a.cwd : opts.cwd, home: opts.home });
  }
  return base;
}

/**
 * The parts the engine decides: one per shell command and SQL statement when the policy reads their
 * fields, else the action itself. `base` is not changed; the parts are new objects.
 *
 * @example
 * splitParts(canonicalBase(action, {}), policy.reads).length // 2 for "ls && rm -rf /"
 */
export function splitParts(base: PartFields, reads: ReadonlySet<string>): PartFields[] {
  let parts: PartFields[] = [base];
  if (typeof base.command === "string" && SHELL_FIELDS.some((f) => reads.has(f))) parts = shellParts(base, base.command);
  if (typeof base.statement === "string" && SQL_FIELDS.some((f) => reads.has(f))) {
    parts = parts.flatMap((p) => sqlParts(p, base.statement as string));
  }
  if (parts.length > MAX_PARTS) throw new InvalidAction(`the action has ${parts.length} commands or statements; at most ${MAX_PARTS} are decided at once`);
  return parts;
}

// A TCP or UDP port number.
const MAX_PORT = 65535;
const STRING_FIELDS = ["agent", "tool", "target", "method", "url", "host", "command", "file", "statement", "origin"];
const KINDS: ReadonlySet<string> = new Set(ACTION_KINDS);

function upper(v: unknown): unknown {
  return typeof v === "string" ? v.toUpperCase() : v;
}

function stringOrAbsent(v: unknown): boolean {
  return v === undefined || typeof v === "string";
}

/**
 * A copy of the action with every field of DESIGN §3 in one fixed order, built as one literal: objects of
 * one shape keep V8's property access monomorphic, while adding properties to a spread copy cost
 * microseconds per action. Fields the policy cannot name are dropped; absent ones are `undefined`, which
 * the engine reads as absent.
 */
function canonicalAction(a: Record<string, unknown>): PartFields {
  return {
    kind: a.kind, session: a.session, agent: a.agent, tool: a.tool, args: a.args, target: a.target,
    method: upper(a.method),
    url: a.url, host: a.host, port: a.port, path: a.path, query: a.query,
    command: a.command, line: a.line, program: a.program, argv: a.argv,
    file: a.file, statement: a.statement, verb: a.verb, tables: a.tables,
    origin: a.origin, labels: a.labels, usage: a.usage,
  };
}

/** The action with one SQL statement's fields, as one literal of the same shape (see {@link canonicalAction}). */
function withStatement(b: PartFields, statement: string, verb: unknown, tables: unknown): PartFields {
  return {
    kind: b.kind, session: b.session, agent: b.agent, tool: b.tool, args: b.args, target: b.target,
    method: b.method, url: b.url, host: b.host, port: b.port, path: b.path, query: b.query,
    command: b.command, line: b.line, program: b.program, argv: b.argv,
    file: b.file, statement, verb, tables,
    origin: b.origin, labels: b.labels, usage: b.usage,
  };
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
  if (shell.overflow) throw new InvalidAction(`the command line has more than ${MAX_COMMANDS} commands; at most ${MAX_PARTS} are decided at once`);
  // Read in part only (nesting past the limits, the work budget spent): what the rest runs is unknown.
  if (shell.unreadable) throw new InvalidAction("the command line could not be read whole (it nests or expands past what the analysis follows); it is refused rather than decided on the part that was read");
  // An empty line (or only comments) still is an action: it is decided once, with no program.
  if (shell.parts.length === 0) return [withCommand(base, line, "", [], undefined)];
  const parts: PartFields[] = [];
  for (const p of shell.parts) parts.push(withCommand(base, line, p.program, p.argv, p.argv.length === 1 ? p.argv[0] : p.argv.join(" ")));
  return parts;
}

/** The action with one shell part's fields, as one literal of the same shape (see {@link canonicalAction}). */
function withCommand(b: PartFields, line: string, program: string | undefined, argv: string[], command: unknown): PartFields {
  return {
    kind: b.kind, session: b.session, agent: b.agent, tool: b.tool, args: b.args, target: b.target,
    method: b.method, url: b.url, host: b.host, port: b.port, path: b.path, query: b.query,
    command, line, program, argv,
    file: b.file, statement: b.statement, verb: b.verb, tables: b.tables,
    origin: b.origin, labels: b.labels, usage: b.usage,
  };
}

function sqlParts(base: PartFields, statement: string): PartFields[] {
  const sql = canonicaliseSql(statement);
  if (sql.overflow) throw new InvalidAction(`the statement holds more than ${MAX_STATEMENTS} SQL statements; at most ${MAX_PARTS} are decided at once`);
  if (sql.unreadable) throw new InvalidAction("the SQL could not be read; it is refused rather than guessed");
  if (sql.statements.length === 0) return [withStatement(base, "", undefined, [])];
  return sql.statements.map((s) => withStatement(base, s.text, s.verb, s.tables));
}
