/**
 * Unwrapping of the programs that run another program (`sudo`, `env`, `xargs`, `timeout`, `sh -c`, …), so the
 * policy engine judges what actually runs. Internal to the shell canonicaliser.
 */

import type { ShellPart } from "./shell.js";
import { Parser } from "./shell-lexer.js";
import { append, beyondLimit, charge, MAX_DEPTH } from "./shell-syntax.js";
import type { Context, Word } from "./shell-syntax.js";
import { INTERPRETERS, interpreterReadsStdin, namesStdin } from "./shell-inline.js";
import { RUNNERS } from "./shell-runners.js";

/**
 * Reserved words that only introduce or close a compound command; skipping them exposes the command they guard.
 *
 * @example
 * RESERVED.has("then"); // true: `then rm -rf /` runs rm
 */
export const RESERVED: ReadonlySet<string> = new Set([
  "!", "{", "}", "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "esac", "function", "coproc",
]);

/**
 * A shell variable assignment word (tested on the raw text, so a quoted `'A=1'` is not one).
 *
 * @example
 * ASSIGNMENT.test("PATH+=/tmp"); // true
 */
export const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=/;
const ENV_ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/**
 * Last path segment of a program word, ignoring trailing slashes.
 *
 * @example
 * basename("/usr/bin/rm"); // "rm"
 */
export function basename(path: string): string {
  let end = path.length;
  while (end > 0 && path.charCodeAt(end - 1) === 47) end--;
  if (end === 0) return path === "" ? "" : "/";
  const start = path.lastIndexOf("/", end - 1) + 1;
  return start === 0 && end === path.length ? path : path.slice(start, end);
}

/**
 * What one unwrapping step made of a command.
 *
 * @example
 * const step: Step = { kind: "next", words: words.slice(1), dynamic: false };
 */
export type Step =
  | { kind: "next"; words: Word[]; dynamic: boolean }
  | { kind: "replace"; parts: ShellPart[]; dynamic: boolean }
  | { kind: "stop"; dynamic: boolean };

const STOP: Step = { kind: "stop", dynamic: false };

/**
 * The options of a program that runs another: which take a value, what follows them.
 *
 * @example
 * const spec: WrapperSpec = { short: "u", long: ["user"] };
 */
export interface WrapperSpec {
  /** Short options that take a value (attached or as the next word). */
  short?: string;
  /** Short options whose value can only be attached (`xargs -i{}`). */
  attached?: string;
  /** Long options that take a value (also as the next word); unambiguous prefixes count, as with getopt_long. */
  long?: readonly string[];
  /** What follows the options before the command. */
  then?: "assignments" | "duration";
}

const WRAPPERS: ReadonlyMap<string, WrapperSpec> = new Map<string, WrapperSpec>([
  ["sudo", {
    short: "ugpCDrtTUR",
    long: [
      "user", "group", "host", "prompt", "close-from", "chdir", "role", "type", "command-timeout", "other-user",
      "chroot",
    ],
    then: "assignments",
  }],
  ["doas", { short: "uC" }],
  ["pkexec", { long: ["user"] }],
  ["nohup", {}],
  ["builtin", {}],
  ["busybox", {}],
  ["setsid", {}],
  ["nocorrect", {}],
  ["noglob", {}],
  ["time", { short: "fo", long: ["format", "output"] }],
  ["nice", { short: "n", long: ["adjustment"] }],
  ["ionice", { short: "cnpPu", long: ["class", "classdata", "pid", "pgid", "uid"] }],
  ["timeout", { short: "sk", long: ["signal", "kill-after"], then: "duration" }],
  ["stdbuf", { short: "ioe", long: ["input", "output", "error"] }],
  ["exec", { short: "a" }],
]);

const SHELLS: ReadonlySet<string> = new Set([
  "sh", "bash", "dash", "zsh", "ksh", "ash", "mksh", "yash", "posh", "rbash", "fish",
]);

function takesLongValue(name: string, long: readonly string[]): boolean {
  return name !== "" && long.some((o) => o.startsWith(name));
}

/**
 * Index of the first operand after the options at `start`. A dynamic word ends the options: it may be the command.
 *
 * @example
 * skipOptions(words("sudo -u root rm x"), 1, { short: "u" }); // 3
 */
export function skipOptions(words: readonly Word[], start: number, spec: WrapperSpec): number {
  let i = start;
  while (i < words.length) {
    const w = words[i];
    if (w === undefined || w.dynamic) return i;
    const v = w.value;
    if (v === "--") return i + 1;
    if (v.startsWith("--")) {
      const eq = v.indexOf("=");
      i += eq < 0 && takesLongValue(v.slice(2), spec.long ?? []) ? 2 : 1;
    } else if (v.startsWith("-") && v.length > 1) {
      let consumed = 1;
      for (let j = 1; j < v.length; j++) {
        const ch = v[j] ?? "";
        if (spec.attached?.includes(ch)) break;
        if (spec.short?.includes(ch)) {
          if (j === v.length - 1) consumed = 2;
          break;
        }
      }
      i += consumed;
    } else return i;
  }
  return i;
}

/** The command becomes the parts of `code` (`sh -c`, `eval`, `su -c`). */
function replaceWith(code: Word, depth: number, ctx: Context): Step {
  if (depth + 1 > MAX_DEPTH) {
    beyondLimit(ctx);
    return { kind: "stop", dynamic: true };
  }
  return { kind: "replace", parts: ctx.analyse(code.value, depth + 1), dynamic: code.dynamic };
}

/**
 * A word made by the analysis rather than read from the line.
 *
 * @example
 * synthetic("{}", true);
 */
export function synthetic(value: string, dynamic: boolean): Word {
  return { value, raw: value, dynamic, glob: false };
}

/**
 * What a command reads on stdin, as far as the line shows it: the texts (here-documents, here-strings, what an
 * `echo` piped into it prints) and whether some of it comes from elsewhere (another program's output).
 *
 * @example
 * // echo 'rm x' | sh   → { texts: ["rm x"], unseen: false }
 * // curl -s u | sh     → { texts: [], unseen: true }
 */
export interface Stdin {
  texts: string[];
  unseen: boolean;
}

/**
 * The program of the part that stands for code the analysis cannot see: a shell's script read from another
 * program's output (`curl … | sh`, `base64 -d | bash`) or from a process substitution (`bash <(curl …)`).
 * Policies deny it as the most dangerous reading (the essential pack does).
 *
 * @example
 * canonicaliseShell("base64 -d x | sh").parts[2].program; // "<stdin>"
 */
export const UNSEEN_CODE = "<stdin>";

function unseenCode(text: string): ShellPart {
  return { program: UNSEEN_CODE, argv: [UNSEEN_CODE], text, dynamic: true };
}

function unwrapShell(
  words: readonly Word[],
  depth: number,
  ctx: Context,
  stdin: Stdin,
  extra: ShellPart[],
): Step {
  let i = 1;
  let commandMode = false;
  let readStdin = false;
  while (i < words.length) {
    const w = words[i];
    if (w === undefined || w.dynamic) break;
    const v = w.value;
    if (v === "--" || v === "-") {
      i++;
      break;
    }
    if (v.startsWith("--")) i += v === "--rcfile" || v === "--init-file" ? 2 : 1;
    else if (/^[-+][A-Za-z]/.test(v)) {
      let values = 0;
      for (const ch of v.slice(1)) {
        if (ch === "c" && v.startsWith("-")) commandMode = true;
        else if (ch === "s") readStdin = true;
        else if (ch === "o" || ch === "O") values++;
      }
      i += 1 + values;
    } else break;
  }
  if (commandMode) {
    const script = words[i];
    return script === undefined ? STOP : replaceWith(script, depth, ctx);
  }
  // No script operand (or one naming stdin): the shell runs its stdin, so here-strings and here-documents
  // fed to it are code.
  if (i >= words.length || readStdin || namesStdin(words[i]?.value)) {
    for (const code of stdin.texts) append(extra, ctx.analyse(code, depth + 1));
    if (stdin.unseen) extra.push(unseenCode(words.map((w) => w.raw).join(" ")));
  } else if (words[i]?.raw.startsWith("<(") === true) extra.push(unseenCode(words[i]?.raw ?? ""));
  return STOP;
}

function unwrapSu(words: readonly Word[], depth: number, ctx: Context): Step {
  for (let i = 1; i < words.length; i++) {
    const v = words[i]?.value ?? "";
    if (v === "--") break;
    if (v.startsWith("--")) {
      const eq = v.indexOf("=");
      const name = v.slice(2, eq < 0 ? undefined : eq);
      if (name !== "" && "command".startsWith(name)) {
        const code = eq < 0 ? words[i + 1] : synthetic(v.slice(eq + 1), words[i]?.dynamic ?? false);
        return code === undefined ? STOP : replaceWith(code, depth, ctx);
      }
      if (eq < 0 && takesLongValue(name, ["shell", "group", "supp-group", "whitelist-environment"])) i++;
    } else if (/^-./.test(v)) {
      for (let j = 1; j < v.length; j++) {
        const ch = v[j] ?? "";
        if (ch === "c") {
          const rest = v.slice(j + 1);
          const code = rest !== "" ? synthetic(rest, words[i]?.dynamic ?? false) : words[i + 1];
          return code === undefined ? STOP : replaceWith(code, depth, ctx);
        }
        if ("sgGw".includes(ch)) {
          if (j === v.length - 1) i++;
          break;
        }
      }
    }
  }
  return STOP;
}

function unwrapEnv(words: readonly Word[], depth: number, ctx: Context, extra: ShellPart[]): Step {
  let i = 1;
  while (i < words.length) {
    const w = words[i];
    if (w === undefined || w.dynamic) break;
    const v = w.value;
    if (v === "--") {
      i++;
      break;
    }
    let split: Word | undefined;
    let after = i + 1;
    if (v === "-") i++;
    else if (v.startsWith("--")) {
      const eq = v.indexOf("=");
      const name = v.slice(2, eq < 0 ? undefined : eq);
      if (name !== "" && "split-string".startsWith(name)) {
        split = eq < 0 ? words[i + 1] : synthetic(v.slice(eq + 1), w.dynamic);
        after = eq < 0 ? i + 2 : i + 1;
        if (split === undefined) return STOP;
      } else i += eq < 0 && takesLongValue(name, ["unset", "chdir"]) ? 2 : 1;
    } else if (v.startsWith("-") && v.length > 1) {
      let consumed = 1;
      for (let j = 1; j < v.length; j++) {
        const ch = v[j] ?? "";
        if (ch === "S") {
          const rest = v.slice(j + 1);
          split = rest !== "" ? synthetic(rest, w.dynamic) : words[i + 1];
          after = rest !== "" ? i + 1 : i + 2;
          if (split === undefined) return STOP;
          break;
        }
        // -u NAME, -C DIR, and BSD's -P PATH take a value.
        if (ch === "u" || ch === "C" || ch === "P") {
          if (j === v.length - 1) consumed = 2;
          break;
        }
      }
      if (split === undefined) i += consumed;
    } else break;
    if (split !== undefined) {
      // `env -S` splits its string into words that replace it, then keeps reading options from them.
      if (depth + 1 > MAX_DEPTH) {
        beyondLimit(ctx);
        return { kind: "stop", dynamic: true };
      }
      charge(ctx, split.value.length);
      const { commands } = new Parser(split.value, depth + 1, ctx).parseList(false);
      const [first, ...rest] = commands;
      const splitWords = first?.words ?? [];
      if (first !== undefined) append(extra, first.subParts);
      append(extra, ctx.resolve(rest, split.value, depth + 1));
      const head = words[0] ?? synthetic("env", false);
      return { kind: "next", words: [head, ...splitWords, ...words.slice(after)], dynamic: split.dynamic };
    }
  }
  // env treats every leading word containing `=` as an assignment.
  while (i < words.length && (words[i]?.value ?? "").includes("=") && words[i]?.dynamic !== true) i++;
  return i >= words.length ? STOP : { kind: "next", words: words.slice(i), dynamic: false };
}

/**
 * Whether a program name is one the analysis opens up (a shell, a wrapper, `env`, `su`, `eval`, `command`,
 * `find -exec`, a reserved word), so a line starting with it must go through the full analysis.
 *
 * @example
 * unwraps("sudo"); // true
 */
export function unwraps(name: string): boolean {
  // Built on first use, not at load: shell-runners imports this module, so RUNNERS is not yet defined
  // while this one loads when shell-runners is imported first.
  opened ??= new Set([
    ...SHELLS, ...WRAPPERS.keys(), ...RESERVED, ...RUNNERS, ...INTERPRETERS, "env", "su", "eval", "command", "find", "source", ".",
  ]);
  return opened.has(name);
}

let opened: ReadonlySet<string> | undefined;

/**
 * One unwrapping step for the program `name`: the wrapped command's words, the parts of a command run as a string
 * (`sh -c`, `eval`, `su -c`), or stop. Parts of code fed to a shell's stdin go to `extra`.
 *
 * @example
 * unwrapOnce("sudo", words("sudo -u root rm x"), 0, ctx, { texts: [], unseen: false }, []); // { kind: "next", words: words("rm x"), … }
 */
export function unwrapOnce(
  name: string,
  words: readonly Word[],
  depth: number,
  ctx: Context,
  stdin: Stdin,
  extra: ShellPart[],
): Step {
  if (SHELLS.has(name)) return unwrapShell(words, depth, ctx, stdin, extra);
  // `source <(curl …)` runs what another program prints, and so does `curl … | source /dev/stdin`.
  if ((name === "source" || name === ".") && words[1]?.raw.startsWith("<(") === true) {
    extra.push(unseenCode(words[1].raw));
    return STOP;
  }
  if ((name === "source" || name === ".") && namesStdin(words[1]?.value)) {
    for (const code of stdin.texts) append(extra, ctx.analyse(code, depth + 1));
    if (stdin.unseen) extra.push(unseenCode(words.map((w) => w.raw).join(" ")));
    return STOP;
  }
  // `base64 -d x | python3`: an interpreter runs its stdin, which another program wrote.
  if (INTERPRETERS.has(name) && stdin.unseen && interpreterReadsStdin(words)) extra.push(unseenCode(words.map((w) => w.raw).join(" ")));
  if (name === "env") return unwrapEnv(words, depth, ctx, extra);
  if (name === "su") return unwrapSu(words, depth, ctx);
  if (name === "eval") {
    const rest = words.slice(words[1]?.value === "--" ? 2 : 1);
    if (rest.length === 0) return STOP;
    const code = rest.map((w) => w.value).join(" ");
    return replaceWith(synthetic(code, rest.some((w) => w.dynamic)), depth, ctx);
  }
  if (name === "command") {
    let i = 1;
    for (; i < words.length; i++) {
      const v = words[i]?.value ?? "";
      if (v === "--") {
        i++;
        break;
      }
      if (!v.startsWith("-") || v === "-") break;
      // `command -v rm` only looks rm up; it runs nothing.
      if (/[vV]/.test(v)) return STOP;
    }
    return i >= words.length ? STOP : { kind: "next", words: words.slice(i), dynamic: false };
  }
  const spec = WRAPPERS.get(name);
  if (spec === undefined) return STOP;
  let i = skipOptions(words, 1, spec);
  if (spec.then === "assignments") while (i < words.length && ENV_ASSIGNMENT.test(words[i]?.value ?? "")) i++;
  if (spec.then === "duration") i++;
  return i >= words.length ? STOP : { kind: "next", words: words.slice(i), dynamic: false };
}

/**
 * The `-exec`/`-execdir`/`-ok`/`-okdir` commands of a `find`, each up to its `;` or `+`.
 *
 * @example
 * findExecs(words("find / -exec rm {} ;")); // [words("rm {}")]
 */
export function findExecs(words: readonly Word[]): Word[][] {
  const found: Word[][] = [];
  for (let i = 1; i < words.length; i++) {
    if (!["-exec", "-execdir", "-ok", "-okdir"].includes(words[i]?.value ?? "")) continue;
    const start = i + 1;
    let end = start;
    while (end < words.length && words[end]?.value !== ";" && words[end]?.value !== "+") end++;
    if (end > start) found.push(words.slice(start, end));
    i = end;
  }
  return found;
}
