/**
 * SQL canonicalisation: lexical, dialect-tolerant, never fails. It finds each statement's verb and the tables it
 * names, the fields the policy engine matches on.
 *
 * Dialects disagree on where a string or comment ends (`'a\'`, `#`, `--x`, nested block comments), and an attacker
 * picks the reading that hides a statement from us while the server runs it. So the input is lexed under each
 * reading and the results are merged: a statement any reading sees is reported.
 */

/**
 * The most statements one input may hold before the analysis stops and says so (`CanonicalSql.overflow`).
 * The guard decides at most 64 parts per action (engine/abi.ts MAX_PARTS), so an input past this is refused
 * whatever its statements are; stopping early keeps a 1 MiB `SELECT 1;SELECT 1;…` from being lexed and
 * analysed whole, three readings over, only to be refused.
 */
export const MAX_STATEMENTS = 4096;

// Thrown when the input holds more than MAX_STATEMENTS statements; canonicaliseSql reports the overflow.
class TooManyStatements extends Error {}

/**
 * One statement of a (possibly stacked) SQL string.
 *
 * @example
 * // DELETE FROM public.users -- x →
 * // { text: "DELETE FROM public.users", verb: "DELETE", tables: ["public.users", "users"] }
 */
export interface SqlStatement {
  /** The statement with comments replaced by a space, whitespace collapsed outside literals, trimmed. */
  text: string;
  /** First keyword upper-cased (the main verb after a `WITH` list); `""` if the statement starts with no keyword. */
  verb: string;
  /** Tables, databases and schemas named, lower-cased, unquoted; qualified names also listed by their suffixes. */
  tables: string[];
}

/**
 * Every statement found in the input, in order.
 *
 * @example
 * // "SELECT 1; DROP TABLE t" → { statements: [ { verb: "SELECT", … }, { verb: "DROP", tables: ["t"], … } ] }
 */
export interface CanonicalSql {
  statements: SqlStatement[];
  /**
   * The input holds more than {@link MAX_STATEMENTS} statements (in one reading, dollar-quoted bodies
   * included), so the analysis stopped: `statements` is then the whole input as one verb-less statement,
   * and the guard refuses the action (`invalid_action`).
   */
  overflow?: true;
  /** The input could not be read (a fault in the analysis): the guard refuses it. */
  unreadable?: true;
}

interface Reading {
  /** `\` escapes inside quotes (MySQL) or is an ordinary character (standard SQL). */
  backslash: boolean;
  /** `#` starts a comment (MySQL) or is an operator (PostgreSQL). */
  hash: boolean;
  /** `--` is a comment only before whitespace (MySQL) or always (standard). */
  dashNeedsSpace: boolean;
  /** Block comments nest (PostgreSQL) or end at the first star-slash (MySQL). */
  nested: boolean;
}

// The first reading is the documented one; the others exist only to surface what a different server would execute.
const READINGS: readonly Reading[] = [
  { backslash: true, hash: true, dashNeedsSpace: false, nested: false },
  { backslash: false, hash: false, dashNeedsSpace: false, nested: true },
  { backslash: true, hash: true, dashNeedsSpace: true, nested: false },
];

// Where the readings part ways: backslash escapes, `#` comments, `--` comments, nested `/*` comments.
const DIALECT_MARKS = /\\|#|--|\/\*/;
const ONE_READING: readonly Reading[] = READINGS.slice(0, 1);

type TokenKind = "word" | "ident" | "string" | "dollar" | "punct";

interface Token {
  kind: TokenKind;
  /** Source text, emitted verbatim into `text`. */
  text: string;
  /** Identifier value without quotes (word and ident tokens). */
  value: string;
  /** Whitespace or a comment came before this token. */
  gap: boolean;
  /** Content of a dollar-quoted body. */
  body?: string;
}

const MAX_BODY_DEPTH = 8;

// Words that cannot start a table name in the positions we look at; `value`, `user` etc. can, so they are absent.
const NAME_STOP: ReadonlySet<string> = new Set(["SELECT", "VALUES", "SET", "WHERE", "ON", "WITH", "DEFAULT"]);

// Words skipped between a trigger keyword and the name (`DROP TABLE IF EXISTS`, `UPDATE LOW_PRIORITY`, `FROM ONLY`).
const MODIFIERS: ReadonlySet<string> = new Set([
  "IF", "NOT", "EXISTS", "ONLY", "LOW_PRIORITY", "HIGH_PRIORITY", "DELAYED", "IGNORE", "QUICK", "LATERAL", "TABLE",
]);

// Words that end a table reference instead of being its alias; only matters for spotting a following `,`.
const NOT_ALIAS: ReadonlySet<string> = new Set([
  ...NAME_STOP, "AS", "FROM", "JOIN", "INNER", "LEFT", "RIGHT", "FULL", "OUTER", "CROSS", "NATURAL", "STRAIGHT_JOIN",
  "USING", "GROUP", "ORDER", "HAVING", "LIMIT", "OFFSET", "UNION", "EXCEPT", "INTERSECT", "WINDOW", "RETURNING",
  "INTO", "FOR", "CASCADE", "RESTRICT", "PARTITION",
]);

// Keywords naming what follows as a table (or database/schema); the list ones also take `a, b`.
const LIST_TRIGGERS: ReadonlySet<string> = new Set(["FROM", "UPDATE", "TABLE", "DATABASE", "SCHEMA", "TRUNCATE"]);
const SINGLE_TRIGGERS: ReadonlySet<string> = new Set(["JOIN", "INTO", "DESCRIBE"]);

function isSpace(c: string): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f" || c === "\v";
}

function isWordChar(c: string): boolean {
  return /[A-Za-z0-9_$@]/.test(c) || c.charCodeAt(0) >= 0x80;
}

/** Index just past the quote closing a literal opened at `start`; doubling escapes, backslash too if asked. */
function endOfQuoted(src: string, start: number, close: string, backslash: boolean): number {
  let i = start + 1;
  while (i < src.length) {
    const c = src[i];
    if (backslash && c === "\\") {
      i += 2;
      continue;
    }
    if (c === close) {
      if (src[i + 1] === close) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return src.length;
}

function unquoteIdent(text: string, close: string): string {
  const inner = text.endsWith(close) && text.length >= 2 ? text.slice(1, -1) : text.slice(1);
  return inner.split(close + close).join(close);
}

/** Splits `src` into statements of tokens under one reading. */
function lex(src: string, reading: Reading): Token[][] {
  const statements: Token[][] = [];
  let current: Token[] = [];
  let gap = false;
  let executableComments = 0;
  let i = 0;
  const n = src.length;
  const push = (kind: TokenKind, end: number, value = "", body?: string): void => {
    const token: Token = { kind, text: src.slice(i, end), value, gap };
    if (body !== undefined) token.body = body;
    current.push(token);
    gap = false;
    i = end;
  };
  const skipLine = (): void => {
    const nl = src.indexOf("\n", i);
    i = nl < 0 ? n : nl + 1;
    gap = true;
  };

  while (i < n) {
    const c = src[i] ?? "";
    const next = src[i + 1] ?? "";
    if (isSpace(c)) {
      i++;
      gap = true;
      continue;
    }
    if (c === "-" && next === "-" && (!reading.dashNeedsSpace || /^$|[\s\u0000-\u001f]/.test(src[i + 2] ?? ""))) {
      skipLine();
      continue;
    }
    if (c === "#" && reading.hash) {
      skipLine();
      continue;
    }
    if (c === "/" && next === "*") {
      // MySQL/MariaDB run the body of `/*! … */` and `/*M! … */`: keep it as code, drop only the optional version.
      const marker = src[i + 2] === "!" ? 3 : src[i + 2] === "M" && src[i + 3] === "!" ? 4 : 0;
      if (marker > 0) {
        i += marker;
        while (i < n && /[0-9]/.test(src[i] ?? "")) i++;
        executableComments++;
        gap = true;
        continue;
      }
      i = endOfBlockComment(src, i, reading.nested);
      gap = true;
      continue;
    }
    if (c === "*" && next === "/" && executableComments > 0) {
      executableComments--;
      i += 2;
      gap = true;
      continue;
    }
    if (c === ";") {
      if (current.length > 0) statements.push(current);
      if (statements.length > MAX_STATEMENTS) throw new TooManyStatements();
      current = [];
      gap = false;
      i++;
      continue;
    }
    if (c === "'") {
      // PostgreSQL E'…' strings take backslash escapes even under the standard reading.
      const last = current[current.length - 1];
      const eString = last !== undefined && !gap && last.kind === "word" && /^[eE]$/.test(last.text);
      push("string", endOfQuoted(src, i, "'", reading.backslash || eString));
      continue;
    }
    if (c === '"' || c === "`") {
      const end = endOfQuoted(src, i, c, c === '"' && reading.backslash);
      push("ident", end, unquoteIdent(src.slice(i, end), c));
      continue;
    }
    if (c === "[") {
      const end = endOfQuoted(src, i, "]", false);
      push("ident", end, unquoteIdent(src.slice(i, end), "]"));
      continue;
    }
    if (c === "$") {
      const m = /\$([A-Za-z_][A-Za-z0-9_]*)?\$/y;
      m.lastIndex = i;
      const tag = m.exec(src);
      if (tag) {
        const open = tag[0];
        const close = src.indexOf(open, i + open.length);
        const end = close < 0 ? n : close + open.length;
        push("dollar", end, "", src.slice(i + open.length, close < 0 ? n : close));
        continue;
      }
    }
    if (isWordChar(c)) {
      let end = i + 1;
      while (end < n && isWordChar(src[end] ?? "")) end++;
      const text = src.slice(i, end);
      push("word", end, text);
      continue;
    }
    push("punct", i + 1);
  }
  if (current.length > 0) statements.push(current);
  return statements;
}

function endOfBlockComment(src: string, start: number, nested: boolean): number {
  if (!nested) {
    const close = src.indexOf("*/", start + 2);
    return close < 0 ? src.length : close + 2;
  }
  let depth = 0;
  let i = start;
  while (i < src.length) {
    if (src[i] === "/" && src[i + 1] === "*") {
      depth++;
      i += 2;
    } else if (src[i] === "*" && src[i + 1] === "/") {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return src.length;
}

function upper(token: Token | undefined): string {
  return token?.kind === "word" ? token.value.toUpperCase() : "";
}

function isPunct(token: Token | undefined, c: string): boolean {
  return token?.kind === "punct" && token.text === c;
}

/** Index after the parenthesised group opening at `k`. */
function skipGroup(tokens: readonly Token[], k: number): number {
  let depth = 0;
  for (let j = k; j < tokens.length; j++) {
    if (isPunct(tokens[j], "(")) depth++;
    else if (isPunct(tokens[j], ")") && --depth === 0) return j + 1;
  }
  return tokens.length;
}

function findVerb(tokens: readonly Token[]): string {
  let k = 0;
  while (isPunct(tokens[k], "(")) k++;
  const first = upper(tokens[k]);
  if (first !== "WITH") return first;
  // `WITH [RECURSIVE] name [(cols)] AS [NOT] [MATERIALIZED] (…), … VERB`: the verb is the first word after a group.
  let depth = 0;
  let afterGroup = false;
  for (let j = k + 1; j < tokens.length; j++) {
    const token = tokens[j];
    if (isPunct(token, "(")) depth++;
    else if (isPunct(token, ")")) {
      depth = Math.max(0, depth - 1);
      if (depth === 0) afterGroup = true;
    } else if (depth === 0) {
      if (isPunct(token, ",")) afterGroup = false;
      const word = upper(token);
      if (afterGroup && word !== "" && word !== "AS" && word !== "NOT" && word !== "MATERIALIZED") return word;
    }
  }
  return "WITH";
}

/** Reads `a`, `"a"`, `a . b . "c"` at `k`; the parts (lower-cased) and the index after, or null. */
function readName(tokens: readonly Token[], k: number): { parts: string[]; next: number } | null {
  const part = (token: Token | undefined, first: boolean): string | null => {
    if (token?.kind === "ident") return token.value.toLowerCase();
    if (token?.kind !== "word" || /^[0-9@]/.test(token.value)) return null;
    if (first && NAME_STOP.has(token.value.toUpperCase())) return null;
    return token.value.toLowerCase();
  };
  const head = part(tokens[k], true);
  if (head === null) return null;
  const parts = [head];
  let j = k + 1;
  while (isPunct(tokens[j], ".")) {
    const more = part(tokens[j + 1], false);
    if (more === null) break;
    parts.push(more);
    j += 2;
  }
  return { parts, next: j };
}

function findTables(tokens: readonly Token[]): string[] {
  // Triggers are visited out of source order (a FROM list is read past its JOINs), so sort by position at the end.
  const found: Array<{ at: number; parts: readonly string[] }> = [];
  const add = (at: number, parts: readonly string[]): void => {
    found.push({ at, parts });
  };
  for (let k = 0; k < tokens.length; k++) {
    const word = upper(tokens[k]);
    const list = LIST_TRIGGERS.has(word);
    const describe = word === "DESC" && k === 0;
    if (!list && !SINGLE_TRIGGERS.has(word) && !describe) continue;
    // `FOR UPDATE`, `ON DUPLICATE KEY UPDATE`, `DO UPDATE`, `ON UPDATE CASCADE` name columns or nothing.
    if (word === "UPDATE" && ["FOR", "KEY", "DO", "ON"].includes(upper(tokens[k - 1]))) continue;
    let j = k + 1;
    while (MODIFIERS.has(upper(tokens[j]))) j++;
    if (word === "INTO" && ["OUTFILE", "DUMPFILE"].includes(upper(tokens[j]))) continue;
    for (;;) {
      if (isPunct(tokens[j], "(")) j = skipGroup(tokens, j);
      else {
        const name = readName(tokens, j);
        if (name === null) break;
        add(j, name.parts);
        j = name.next;
        if (isPunct(tokens[j], "(")) j = skipGroup(tokens, j);
      }
      if (isPunct(tokens[j], "*")) j++;
      if (upper(tokens[j]) === "AS") j += 2;
      else if (tokens[j]?.kind === "ident" || (tokens[j]?.kind === "word" && !NOT_ALIAS.has(upper(tokens[j])))) j++;
      if (isPunct(tokens[j], "(")) j = skipGroup(tokens, j);
      if (!list || !isPunct(tokens[j], ",")) break;
      j++;
    }
    if (word === "FROM" || word === "UPDATE") moreReferences(tokens, j, add);
  }
  const seen = new Set<string>();
  for (const { parts } of found.sort((a, b) => a.at - b.at)) {
    for (let s = 0; s < parts.length; s++) {
      const name = parts.slice(s).join(".");
      if (name !== "") seen.add(name);
    }
  }
  return [...seen];
}

// Keywords that end a FROM (or multi-table UPDATE) clause.
const CLAUSE_END: ReadonlySet<string> = new Set([
  "WHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "OFFSET", "FETCH", "UNION", "EXCEPT", "INTERSECT", "MINUS", "WINDOW",
  "RETURNING", "FOR", "INTO", "SET", "VALUES", "SELECT", "QUALIFY",
]);

/**
 * The rest of a FROM clause after its first references: `FROM a JOIN b ON … , secret` lists `secret` after a join
 * condition, and PostgreSQL's `DELETE … USING x` adds `x`. Stops at the clause's end or the enclosing `)`.
 */
function moreReferences(
  tokens: readonly Token[],
  start: number,
  add: (at: number, parts: readonly string[]) => void,
): void {
  let depth = 0;
  for (let j = start; j < tokens.length; j++) {
    const token = tokens[j];
    if (isPunct(token, "(")) depth++;
    else if (isPunct(token, ")")) {
      if (--depth < 0) return;
    } else if (depth === 0) {
      const word = upper(token);
      if (CLAUSE_END.has(word)) return;
      if (!isPunct(token, ",") && word !== "USING") continue;
      let k = j + 1;
      while (MODIFIERS.has(upper(tokens[k]))) k++;
      const name = readName(tokens, k);
      if (name !== null) add(k, name.parts);
    }
  }
}

function render(tokens: readonly Token[]): string {
  let text = "";
  for (const token of tokens) text += (text !== "" && token.gap ? " " : "") + token.text;
  return text;
}

function analyse(src: string, reading: Reading, depth: number, out: SqlStatement[]): void {
  for (const tokens of lex(src, reading)) {
    out.push({ text: render(tokens), verb: findVerb(tokens), tables: findTables(tokens) });
    if (out.length > MAX_STATEMENTS) throw new TooManyStatements();
    // Dollar-quoted bodies are almost always code (`DO $$ … $$`, function bodies): judge what is inside too.
    if (depth >= MAX_BODY_DEPTH) continue;
    for (const token of tokens) if (token.body !== undefined) analyse(token.body, reading, depth + 1, out);
  }
}

/**
 * Splits a SQL string into statements and extracts each one's canonical text, verb and tables. Never throws; the
 * input is read under several dialects' lexical rules and every statement any of them sees is returned (same text
 * → merged, tables united).
 *
 * @example
 * canonicaliseSql("SELECT 1; DROP  DATABASE `Prod` -- bye");
 * // { statements: [ { text: "SELECT 1", verb: "SELECT", tables: [] },
 * //                 { text: "DROP DATABASE `Prod`", verb: "DROP", tables: ["prod"] } ] }
 */
export function canonicaliseSql(statement: string): CanonicalSql {
  if (typeof statement !== "string") return { statements: [] };
  try {
    // The readings differ only at `\`, `#`, `--` and `/*`; an input with none of them reads the same under
    // each, so one reading is the whole answer (sql.test.ts proves it against every reading).
    return { statements: mergeReadings(statement, DIALECT_MARKS.test(statement) ? READINGS : ONE_READING) };
  } catch (e) {
    if (e instanceof TooManyStatements) return { statements: [{ text: statement.trim(), verb: "", tables: [] }], overflow: true };
    // Unreachable by design; if a bug ever throws, the input is unread, and refused.
    return { statements: [{ text: statement.trim(), verb: "", tables: [] }], unreadable: true };
  }
}

/**
 * {@link canonicaliseSql} under every reading, without its one-reading shortcut. Exported for the test that
 * proves the two agree; callers use canonicaliseSql.
 *
 * @example
 * canonicaliseSqlEveryReading("SELECT 1").statements; // same as canonicaliseSql("SELECT 1").statements
 */
export function canonicaliseSqlEveryReading(statement: string): CanonicalSql {
  return { statements: mergeReadings(statement, READINGS) };
}

function mergeReadings(statement: string, readings: readonly Reading[]): SqlStatement[] {
  // The first reading's statements are kept as they are (repeats included); the others only add what it missed.
  const [primary, ...others] = readings.map((reading) => {
    const found: SqlStatement[] = [];
    analyse(statement, reading, 0, found);
    return found;
  });
  const result = primary ?? [];
  const byText = new Map<string, SqlStatement>();
  for (const s of result) if (!byText.has(s.text)) byText.set(s.text, s);
  for (const found of others) {
    for (const s of found) {
      const known = byText.get(s.text);
      if (known === undefined) {
        byText.set(s.text, s);
        result.push(s);
      } else for (const t of s.tables) if (!known.tables.includes(t)) known.tables.push(t);
    }
  }
  return result.filter((s) => s.text !== "");
}
