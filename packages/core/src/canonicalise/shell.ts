/**
 * Shell canonicalisation: a command line becomes the list of programs it would run, each with its words, so the
 * policy engine checks every one of them. The tokenizer follows POSIX sh (with the bash extensions agents use); it
 * opens up chains, pipes, subshells, groups, substitutions, `sh -c`, `eval` and wrappers such as `sudo` and `env`.
 *
 * Whatever we cannot read statically (expansions, unterminated quotes, nesting beyond the limits) is marked
 * `dynamic`, never guessed harmless. The whole analysis runs on a work budget proportional to the input, so it stays
 * linear-ish even for adversarial nesting.
 */

import { Parser } from "./shell-lexer.js";
import { append, beyondLimit, charge, MAX_COMMANDS, MAX_DEPTH, TooManyCommands } from "./shell-syntax.js";
import type { Command, Context, Word } from "./shell-syntax.js";
import { ASSIGNMENT, basename, findExecs, RESERVED, unwrapOnce, unwraps } from "./shell-wrappers.js";
import type { Stdin } from "./shell-wrappers.js";
import { unwrapRunner } from "./shell-runners.js";
import { inlineShellCode } from "./shell-inline.js";

/**
 * One program the command line would run.
 *
 * @example
 * // sudo /bin/rm -rf $DIR →
 * // { program: "rm", argv: ["/bin/rm", "-rf", "$DIR"], text: "sudo /bin/rm -rf $DIR", dynamic: true }
 */
export interface ShellPart {
  /** Basename of the program after unwrapping (`rm`); for a dynamic or glob program word, its literal text. */
  program: string;
  /** Words after unwrapping, `argv[0]` as written (`/usr/bin/rm`). */
  argv: string[];
  /** Source text of the simple command this part came from. */
  text: string;
  /** Some word of the part depends on run-time expansion (or its arguments come from stdin, as with `xargs`). */
  dynamic: boolean;
}

/**
 * Every program of a command line, and whether anything in it could not be read statically.
 *
 * @example
 * // "a | b" → { parts: [ { program: "a", … }, { program: "b", … } ], dynamic: false }
 */
export interface CanonicalShell {
  parts: ShellPart[];
  dynamic: boolean;
  /**
   * The line holds more than {@link MAX_COMMANDS} commands, so the analysis stopped: `parts` is then the one
   * opaque, dynamic part of unreadable input, and the guard refuses the action (`invalid_action`).
   */
  overflow?: true;
  /**
   * The line was read only in part: a limit (depth, nesting, unwrapping, the work budget) stopped the
   * analysis, so what the rest runs is not known, and the guard refuses the action (`invalid_action`)
   * instead of deciding on the part that was read. (Too many commands is `overflow`.)
   */
  unreadable?: true;
}

const MAX_UNWRAP = 64;
const NO_STDIN: Stdin = { texts: [], unseen: false };

/** Parses and resolves a whole command line at `depth`; beyond the depth limit, nothing is read and all is dynamic. */
function analyse(src: string, depth: number, ctx: Context): ShellPart[] {
  if (depth > MAX_DEPTH) {
    beyondLimit(ctx);
    return [];
  }
  charge(ctx, src.length);
  const { commands } = new Parser(src, depth, ctx).parseList(false);
  return resolveCommands(commands, src, depth, ctx);
}

function resolveCommands(commands: readonly Command[], src: string, depth: number, ctx: Context): ShellPart[] {
  const parts: ShellPart[] = [];
  for (const cmd of commands) append(parts, resolveCommand(cmd, src, depth, ctx));
  return parts;
}

function resolveCommand(cmd: Command, src: string, depth: number, ctx: Context): ShellPart[] {
  const text = cmd.start < 0 ? "" : src.slice(cmd.start, cmd.end).trim();
  const dynamic =
    cmd.dynamic || cmd.words.some((w) => w.dynamic) || cmd.redirects.some((r) => r.target?.dynamic === true);
  let k = 0;
  let stripped = false;
  let assigned = false;
  while (k < cmd.words.length) {
    const w = cmd.words[k];
    if (w === undefined) break;
    if (w.raw === w.value && RESERVED.has(w.value)) {
      stripped = true;
      k += w.value === "function" ? 2 : 1;
    } else if (ASSIGNMENT.test(w.raw)) {
      assigned = true;
      k++;
    } else break;
  }
  const words = cmd.words.slice(k);
  const out: ShellPart[] = [];
  if (words.length > 0) {
    append(out, unwrap(words, text, dynamic, depth, ctx, stdinText(cmd)));
  } else if (assigned || (cmd.redirects.length > 0 && !stripped)) {
    // `PATH=/tmp/x` or `> file` alone still changes something: keep it visible, with no program.
    out.push({ program: "", argv: [], text, dynamic });
  } else if (dynamic) ctx.dynamic = true;
  append(out, cmd.subParts);
  return out;
}

/** What a command reads on stdin: the text visible in the command line, and whether more comes from a program. */
function stdinText(cmd: Command): Stdin {
  const texts = redirectedText(cmd);
  let unseen = cmd.redirects.some((r) => r.op === "<" && r.target?.raw.startsWith("<(") === true);
  const upstream = cmd.pipedFrom;
  if (upstream !== undefined) {
    append(texts, redirectedText(upstream));
    // `echo 'rm -rf /' | sh`: what echo or printf prints is what the next command reads.
    const words = upstream.words.filter((w) => !ASSIGNMENT.test(w.raw));
    const printer = basename(words[0]?.value ?? "");
    if (printer === "echo" || printer === "printf") {
      let i = 1;
      while (printer === "echo" && /^-[neE]+$/.test(words[i]?.value ?? "")) i++;
      texts.push(words.slice(i).map((w) => w.value).join(" "));
    } else if (words.length > 0 || upstream.subParts.length > 0) unseen = true;
  }
  return { texts, unseen };
}

function redirectedText(cmd: Command): string[] {
  const texts: string[] = [];
  for (const r of cmd.redirects) {
    if (r.op === "<<<" && r.target !== undefined) texts.push(r.target.value);
    if (r.body !== undefined) texts.push(r.body);
  }
  return texts;
}

/** Strips wrappers off a simple command and returns its parts: the command itself plus any it runs indirectly. */
function unwrap(
  initial: readonly Word[],
  text: string,
  initialDynamic: boolean,
  depth: number,
  ctx: Context,
  stdin: Stdin,
): ShellPart[] {
  let words = initial;
  let dynamic = initialDynamic;
  const extra: ShellPart[] = [];
  let rounds = 0;
  for (; rounds < MAX_UNWRAP; rounds++) {
    const head = words[0];
    if (head === undefined || head.dynamic || head.glob) break;
    const name = basename(head.value);
    const step = unwrapRunner(name, words, text, depth, ctx, stdin) ?? unwrapOnce(name, words, depth, ctx, stdin, extra);
    dynamic ||= step.dynamic;
    if (step.kind === "stop") break;
    if (step.kind === "replace") {
      for (const part of step.parts) part.dynamic ||= dynamic;
      append(step.parts, extra);
      return step.parts;
    }
    words = step.words;
  }
  if (rounds === MAX_UNWRAP) {
    dynamic = true;
    beyondLimit(ctx);
  }
  const head = words[0];
  // A program chosen by expansion or by a glob is not known: keep its literal text so no rule matches it by accident.
  const literal = head !== undefined && (head.dynamic || head.glob);
  dynamic ||= literal || words.some((w) => w.dynamic);
  const program = head === undefined ? "" : literal ? head.value : basename(head.value);
  const parts: ShellPart[] = [{ program, argv: words.map((w) => w.value), text, dynamic }];
  if (program === "find") {
    for (const exec of findExecs(words)) {
      if (depth + 1 > MAX_DEPTH) {
        beyondLimit(ctx);
        break;
      }
      // The file names substituted for `{}` are only known at run time.
      append(parts, unwrap(exec, text, true, depth + 1, ctx, NO_STDIN));
    }
  }
  // `python -c "os.system('rm -rf /')"`: shell commands in inline code run too.
  const inline = inlineShellCode(program, words);
  if (inline === undefined) beyondLimit(ctx);
  for (const code of inline ?? []) {
    if (depth + 1 > MAX_DEPTH) {
      beyondLimit(ctx);
      break;
    }
    append(parts, ctx.analyse(code, depth + 1));
  }
  append(parts, extra);
  if (dynamic) ctx.dynamic = true;
  return parts;
}

/**
 * Splits a shell command line into the programs it runs, unwrapping chains, pipes, subshells, substitutions,
 * `sh -c`, `eval` and wrappers (`sudo`, `env`, `xargs`, `timeout`, …). Never throws: input it cannot read comes back
 * as one dynamic part holding the whole text.
 *
 * @example
 * canonicaliseShell(`sudo -u root bash -lc 'cd /tmp && "r"m -rf /' # cleanup`);
 * // { parts: [ { program: "cd", argv: ["cd", "/tmp"], text: "cd /tmp", dynamic: false },
 * //            { program: "rm", argv: ["rm", "-rf", "/"], text: '"r"m -rf /', dynamic: false } ],
 * //   dynamic: false }
 */
export function canonicaliseShell(command: string): CanonicalShell {
  return plainCommand(command) ?? analyseFully(command);
}

/**
 * The full analysis, without the plain-line fast path. Exported for the test that proves the two agree;
 * callers use {@link canonicaliseShell}.
 *
 * @example
 * analyseFully("ls -la"); // same as canonicaliseShell("ls -la")
 */
export function analyseFully(command: string): CanonicalShell {
  const opaque = (text: string): CanonicalShell => ({
    parts: [{ program: "", argv: [], text, dynamic: true }],
    dynamic: true,
  });
  if (typeof command !== "string") return opaque("");
  // Room for a few levels of `sh -c` re-parsing; adversarial blow-ups run out and fall back to opaque.
  const ctx: Context = {
    budget: 64 * command.length + 65536,
    dynamic: false,
    analyse: (src, depth) => analyse(src, depth, ctx),
    resolve: (commands, src, depth) => resolveCommands(commands, src, depth, ctx),
    unwrap: (words, text, depth) => unwrap(words, text, false, depth, ctx, NO_STDIN),
  };
  try {
    const parts = analyse(command, 0, ctx);
    const read: CanonicalShell = { parts, dynamic: ctx.dynamic || parts.some((p) => p.dynamic) };
    if (ctx.unread) read.unreadable = true;
    return read;
  } catch (e) {
    if (e instanceof TooManyCommands) return { ...opaque(command.trim()), overflow: true };
    // The budget running out (BudgetExhausted) lands here, and so would a bug: either way the line is
    // unread, and refused.
    return { ...opaque(command.trim()), unreadable: true };
  }
}

// A line of plain words: no quoting, escapes, expansion, globs, operators, comments, redirections or
// assignment; the first word may not contain `=`. Such a line is one command whose words are exactly
// its space-separated tokens, the common case, and it skips the lexer (shell.test.ts proves both paths
// agree). Scanned by hand, one pass, because it runs on every shell action.
const WORD_CHAR = (() => {
  const t = new Uint8Array(128);
  for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:,@%+-=") t[c.charCodeAt(0)] = 1;
  return t;
})();
const SPACE = 32;
const EQUALS = 61;
// Longer lines take the full analysis; its budget, not this path, bounds their cost.
const PLAIN_MAX = 4096;

function plainCommand(command: string): CanonicalShell | undefined {
  if (typeof command !== "string" || command.length > PLAIN_MAX) return undefined;
  const n = command.length;
  const argv: string[] = [];
  let i = 0;
  let first = -1;
  let last = 0;
  while (i < n) {
    if (command.charCodeAt(i) === SPACE) {
      i++;
      continue;
    }
    const start = i;
    for (; i < n; i++) {
      const c = command.charCodeAt(i);
      if (c === SPACE) break;
      if (c >= 128 || WORD_CHAR[c] === 0 || (c === EQUALS && argv.length === 0)) return undefined;
    }
    if (first < 0) first = start;
    last = i;
    argv.push(command.slice(start, i));
  }
  if (argv.length === 0) return undefined;
  const program = basename(argv[0]!);
  if (unwraps(program)) return undefined;
  return { parts: [{ program, argv, text: first === 0 && last === n ? command : command.slice(first, last), dynamic: false }], dynamic: false };
}
