/**
 * The shell parser's vocabulary: words, redirections and commands, the state one canonicalisation shares,
 * its limits and work budget, and the character tables the lexer scans with. Internal to the shell
 * canonicaliser; the parser itself is shell-lexer.ts.
 */

import type { ShellPart } from "./shell.js";

/**
 * Nesting limit for substitutions, `sh -c`, `eval` and the like; deeper input is not read and counts as dynamic.
 *
 * @example
 * if (depth + 1 > MAX_DEPTH) beyondLimit(ctx);
 */
export const MAX_DEPTH = 16;
/** Nesting limit for `${…}` braces inside one word; deeper braces are not read and count as dynamic. */
export const MAX_BRACE_NEST = 32;

/**
 * A word after quote removal.
 *
 * @example
 * // r''m   → { value: "rm", raw: "r''m", dynamic: false, glob: false }
 * // "$X"/* → { value: "$X/*", raw: "\"$X\"/*", dynamic: true, glob: true }
 */
export interface Word {
  /** Value after quote removal; expansions are kept as their literal source text. */
  value: string;
  raw: string;
  dynamic: boolean;
  /** Contains an unquoted glob (`*`, `?`, `[…]`). */
  glob: boolean;
}

/**
 * A redirection; only here-strings and here-documents matter, as code fed to a shell.
 *
 * @example
 * // bash <<< 'rm x'  → { op: "<<<", target: { value: "rm x", … } }
 */
export interface Redirect {
  op: string;
  target: Word | undefined;
  /** Here-document body, once read. */
  body?: string;
}

/**
 * A simple command as written, before unwrapping.
 *
 * @example
 * // A=1 sudo rm $(x) > f  → words A=1 sudo rm $(x), one redirect, subParts [x]
 */
export interface Command {
  words: Word[];
  redirects: Redirect[];
  start: number;
  end: number;
  /** Parts of the substitutions inside this command, in source order. */
  subParts: ShellPart[];
  dynamic: boolean;
  /** The command whose stdout feeds this one through `|`. */
  pipedFrom?: Command;
}

/**
 * State shared by every parser of one canonicalisation.
 *
 * @example
 * const ctx: Context = { budget: 1000, dynamic: false, analyse: (s, d) => [], resolve: (c, s, d) => [], unwrap: (w, t, d) => [] };
 */
export interface Context {
  /** Work left (about one unit per character scanned); running out aborts the analysis. */
  budget: number;
  /** Something could not be read statically. */
  dynamic: boolean;
  /** Parses and resolves a nested command line (backticks); injected to keep the lexer free of the resolver. */
  analyse: (src: string, depth: number) => ShellPart[];
  /** Resolves parsed commands into parts. */
  resolve: (commands: readonly Command[], src: string, depth: number) => ShellPart[];
  /** Resolves one simple command's words (wrappers stripped) into parts; `text` is its source. */
  unwrap: (words: readonly Word[], text: string, depth: number) => ShellPart[];
  /** Commands parsed so far, at every depth; past {@link MAX_COMMANDS} the analysis stops. */
  commands?: number;
  /** A limit (depth, nesting, unwrapping) left part of the line unread: the line cannot be decided. */
  unread?: boolean;
}

/**
 * Marks the line as read only in part, at a limit (depth, brace nesting, unwrapping rounds): what lies
 * beyond is not known, so the whole line is refused (`CanonicalShell.unreadable`) rather than decided on
 * the part that was read.
 *
 * @example
 * if (depth + 1 > MAX_DEPTH) beyondLimit(ctx);
 */
export function beyondLimit(ctx: Context): void {
  ctx.dynamic = true;
  ctx.unread = true;
}

/**
 * The most commands one line may hold, counted at every depth, before the analysis stops and says so
 * (`CanonicalShell.overflow`). The guard decides at most 64 parts per action (engine/abi.ts MAX_PARTS),
 * so a line past this is refused whatever its commands are; 64× that leaves room for the wrappers and
 * keywords that parse as commands without becoming parts. Without it, a 1 MiB line of `a;a;a;…` was
 * resolved into half a million parts (about a second) only to be refused for having more than 64.
 */
export const MAX_COMMANDS = 4096;

/** Thrown when a line holds more than {@link MAX_COMMANDS} commands; the caller reports the overflow. */
export class TooManyCommands extends Error {}

/** A here-document whose body starts at the next line. */
export interface PendingHeredoc {
  redirect: Redirect;
  command: Command;
  delimiter: string;
  quoted: boolean;
  stripTabs: boolean;
}

/** Thrown when the work budget runs out; the caller falls back to an opaque, dynamic result. */
export class BudgetExhausted extends Error {}

// Characters that end an unquoted word.
export const META: ReadonlySet<string> = new Set([" ", "\t", "\n", ";", "&", "|", "(", ")", "<", ">"]);

// Characters the word, double-quote and backtick lexers look at one by one; runs of any others are found by
// one native regex search and copied as one slice, so a long word costs one pass and one copy rather than a
// string concatenation per character. The table answers "is the next character special" without a regex call,
// for lines of one-letter words or escapes where that is every other byte. (`g` flag: searched from `lastIndex`.)
export interface Specials {
  search: RegExp;
  table: Uint8Array;
}

function specials(chars: string): Specials {
  const table = new Uint8Array(128);
  for (const c of chars) table[c.charCodeAt(0)] = 1;
  const search = new RegExp(`[${[...chars].map((c) => (/[\\\]^-]/.test(c) ? `\\${c}` : c)).join("")}]`, "g");
  return { search, table };
}

export const WORD_SPECIAL = specials(" \t\n;&|()<>\\'\"`${},.*?[]");
export const DOUBLE_SPECIAL = specials('"\\$`');
export const BACKTICK_SPECIAL = specials("`\\");

/**
 * Appends in place.
 *
 * @example
 * append(parts, subParts);
 */
export function append<T>(target: T[], items: readonly T[]): void {
  // Not `push(...items)`: spreading a huge array overflows the stack.
  for (const item of items) target.push(item);
}

/**
 * Spends `amount` of the work budget; throws once it is overdrawn.
 *
 * @example
 * charge(ctx, code.length);
 */
export function charge(ctx: Context, amount: number): void {
  ctx.budget -= amount;
  if (ctx.budget < 0) throw new BudgetExhausted();
}

/** An empty command, filled in as words arrive. */
export function newCommand(): Command {
  return { words: [], redirects: [], start: -1, end: -1, subParts: [], dynamic: false };
}
