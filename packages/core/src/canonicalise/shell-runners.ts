/**
 * Programs that run a command over arguments supplied elsewhere: `xargs` (stdin), GNU `parallel` (`:::` lists
 * or stdin) and `ssh` (a command line for the remote shell). Internal to the shell canonicaliser.
 *
 * Arguments known from the line are put in place (`parallel rm -rf {} ::: /` is `rm -rf /`); arguments that
 * arrive at run time are the word `{}`, the placeholder `find -exec` uses too, so a rule can see that a
 * command works on paths it cannot know.
 */

import type { ShellPart } from "./shell.js";
import { append, beyondLimit, MAX_DEPTH } from "./shell-syntax.js";
import type { Context, Word } from "./shell-syntax.js";
import { skipOptions, synthetic } from "./shell-wrappers.js";
import type { Stdin, Step, WrapperSpec } from "./shell-wrappers.js";

/**
 * The programs this module opens up.
 *
 * @example
 * RUNNERS.has("parallel"); // true
 */
export const RUNNERS: ReadonlySet<string> = new Set(["xargs", "parallel", "ssh"]);

/** The word that stands for arguments supplied at run time. */
const PLACEHOLDER = "{}";

const XARGS: WrapperSpec = {
  short: "adEILnPsJ",
  attached: "eil",
  long: ["arg-file", "delimiter", "max-args", "max-procs", "max-chars", "process-slot-var", "eof", "max-lines"],
};

const PARALLEL: WrapperSpec = {
  short: "jSaIdnNPELsC",
  long: [
    "jobs", "sshlogin", "sshloginfile", "slf", "arg-file", "delimiter", "max-args", "max-replace-args", "results",
    "res", "joblog", "halt", "timeout", "colsep", "tmpdir", "workdir", "wd", "basefile", "bf", "return", "delay",
    "memfree", "load", "nice", "retries", "tagstring", "env", "max-lines", "max-chars", "block", "header",
    "limit", "termseq", "eof", "arg-sep", "arg-file-sep", "progress-sep", "transferfile", "tf", "trc", "cleanup-sep",
  ],
};

// -b -c -D -E -e -F -I -i -J -L -l -m -O -o -p -Q -R -S -W -w take a value (ssh(1)).
const SSH: WrapperSpec = { short: "bcDEeFIiJLlmOopQRSWwB" };

// `parallel` input sources; `::::` reads its values from files, so they are not known.
const SOURCES = new Set([":::", ":::+", "::::", "::::+"]);
// parallel's replacement strings: {}, {.}, {/}, {//}, {/.}, and {n} with the same modifiers.
const REPLACEMENT = /\{(\d+)?(?:\.|\/|\/\/|\/\.)?\}/g;
// Cartesian products of input sources beyond this many commands are read with placeholders instead: the
// action's part limit (64) must leave room for the rest of the line.
const MAX_COMBINATIONS = 16;

/**
 * One unwrapping step for a runner, or undefined when `name` is not one.
 *
 * @example
 * unwrapRunner("xargs", words("xargs rm -rf"), "xargs rm -rf", 0, ctx); // next: rm -rf {}
 */
export function unwrapRunner(
  name: string,
  words: readonly Word[],
  text: string,
  depth: number,
  ctx: Context,
  stdin: Stdin,
): Step | undefined {
  if (name === "xargs") return xargs(words, text, depth, ctx, stdin);
  if (name === "parallel") return parallel(words, text, depth, ctx, stdin);
  if (name === "ssh") return ssh(words, text, depth, ctx);
  return undefined;
}

/** The replace string of an xargs (`-I R`, `-IR`, `-J R`, `-i[R]`, `--replace[=R]`), if any. */
function replaceString(words: readonly Word[], end: number): string | undefined {
  let found: string | undefined;
  for (let i = 1; i < end; i++) {
    const v = words[i]?.value ?? "";
    if (v === "--replace") found = PLACEHOLDER;
    else if (v.startsWith("--replace=")) found = v.slice("--replace=".length) || PLACEHOLDER;
    else if (v.startsWith("-") && !v.startsWith("--")) {
      for (let j = 1; j < v.length; j++) {
        const ch = v[j] ?? "";
        const rest = v.slice(j + 1);
        if (ch === "I" || ch === "J") {
          found = rest !== "" ? rest : (words[i + 1]?.value ?? PLACEHOLDER);
          break;
        }
        if (ch === "i") {
          found = rest !== "" ? rest : PLACEHOLDER;
          break;
        }
        if (XARGS.short?.includes(ch) === true) break;
      }
    }
  }
  return found;
}

/** Each word with `from` replaced by `to`; true if any word contained it. */
function substitute(words: readonly Word[], from: string, to: string, dynamic: boolean): { words: Word[]; hit: boolean } {
  let hit = false;
  const out = words.map((w) => {
    if (from === "" || !w.value.includes(from)) return w;
    hit = true;
    return { ...w, value: w.value.split(from).join(to), dynamic: w.dynamic || dynamic };
  });
  return { words: out, hit };
}

/**
 * The input lines a runner reads when the line shows all of it (`echo / | xargs rm -rf`), else undefined.
 * More lines than can be decided one by one count as unknown.
 */
function knownLines(stdin: Stdin): string[] | undefined {
  if (stdin.unseen || stdin.texts.length === 0) return undefined;
  const lines = stdin.texts.join("\n").split("\n").filter((l) => l.trim() !== "");
  // xargs removes quotes from its input itself, which the split below does not: such input is read as
  // unknown (`echo "'/'" | xargs rm -rf` runs `rm -rf /`).
  if (lines.some((l) => /["']/.test(l))) return undefined;
  return lines.length > MAX_COMBINATIONS ? undefined : lines;
}

const words = (line: string): Word[] => line.split(/\s+/).filter((v) => v !== "").map((v) => synthetic(v, false));

function xargs(all: readonly Word[], text: string, depth: number, ctx: Context, stdin: Stdin): Step {
  const i = skipOptions(all, 1, XARGS);
  // Without a command, xargs runs echo.
  if (i >= all.length) return { kind: "stop", dynamic: true };
  if (depth + 1 > MAX_DEPTH) {
    beyondLimit(ctx);
    return { kind: "stop", dynamic: true };
  }
  const command = all.slice(i);
  const replace = replaceString(all, i);
  // `-a FILE` / `--arg-file FILE`: the arguments come from the file, not from stdin.
  // (`-a` may be clustered or carry its value attached: `-0a list`, `-alist`; any short cluster with an `a`
  // counts, which at worst reads stdin as unknown.)
  const fromFile = all.slice(1, i).some((w) => /^(?:-[^-]*a.*|--arg-f.*)$/.test(w.value));
  const lines = fromFile ? undefined : knownLines(stdin);
  const parts: ShellPart[] = [];
  if (replace !== undefined) {
    // One command per input line, the line where the replace string stands (nowhere else: without it in the
    // command, the input is not used).
    for (const line of lines ?? [PLACEHOLDER]) {
      append(parts, ctx.unwrap(substitute(command, replace, line, lines === undefined).words, text, depth + 1));
    }
  } else {
    // The input's words are appended.
    const args = lines === undefined ? [synthetic(PLACEHOLDER, true)] : lines.flatMap(words);
    append(parts, ctx.unwrap([...command, ...args], text, depth + 1));
  }
  return { kind: "replace", parts, dynamic: lines === undefined };
}

function parallel(words: readonly Word[], text: string, depth: number, ctx: Context, stdin: Stdin): Step {
  if (depth + 1 > MAX_DEPTH) {
    beyondLimit(ctx);
    return { kind: "stop", dynamic: true };
  }
  const i = skipOptions(words, 1, PARALLEL);
  let end = i;
  while (end < words.length && !SOURCES.has(words[end]?.value ?? "")) end++;
  const command = words.slice(i, end);
  // Each input source: its values when the line lists them, a placeholder when they come from a file or stdin.
  const sources: Word[][] = [];
  for (let k = end; k < words.length; ) {
    const fromFiles = (words[k]?.value ?? "").startsWith("::::");
    let j = k + 1;
    while (j < words.length && !SOURCES.has(words[j]?.value ?? "")) j++;
    const values = words.slice(k + 1, j);
    // An empty `:::` list runs nothing.
    sources.push(fromFiles ? [synthetic(PLACEHOLDER, true)] : values);
    k = j;
  }
  if (sources.length === 0) {
    const lines = knownLines(stdin);
    sources.push(lines === undefined ? [synthetic(PLACEHOLDER, true)] : lines.map((l) => synthetic(l, false)));
  }
  let combos: Word[][] = [[]];
  for (const values of sources) {
    combos = combos.flatMap((c) => values.map((v) => [...c, v]));
    if (combos.length > MAX_COMBINATIONS) {
      combos = [sources.map(() => synthetic(PLACEHOLDER, true))];
      break;
    }
  }
  const parts: ShellPart[] = [];
  let dynamic = false;
  for (const combo of combos) {
    dynamic ||= combo.some((w) => w.dynamic);
    if (command.length === 0) {
      // No command: each argument is a command line.
      for (const w of combo) append(parts, ctx.analyse(w.value, depth + 1));
      continue;
    }
    // `{}` and its variants (`{.}`, `{/}`, `{//}`, `{/.}`) take the whole argument, `{n}` the n-th source's
    // value; the path edits the variants make are not applied, which keeps the most of the value. One pass,
    // so a value is never substituted into again.
    let hit = false;
    const all = combo.map((w) => w.value).join(" ");
    let cmd = command.map((w) => {
      let used = false;
      const value = w.value.replace(REPLACEMENT, (_m: string, n: string | undefined) => {
        used = true;
        const source = n === undefined ? undefined : combo[Number(n) - 1];
        return n === undefined ? all : (source?.value ?? PLACEHOLDER);
      });
      hit ||= used;
      return used ? { ...w, value, dynamic: w.dynamic || combo.some((c) => c.dynamic) } : w;
    });
    if (!hit) cmd = [...cmd, ...combo];
    append(parts, ctx.unwrap(cmd, text, depth + 1));
  }
  return { kind: "replace", parts, dynamic };
}

// `-o ProxyCommand=…` and `-o LocalCommand=…` are command lines ssh runs on this machine.
const LOCAL_COMMAND = /^(?:ProxyCommand|LocalCommand)(?:\s*=\s*|\s+)(.*)$/is;

function ssh(words: readonly Word[], text: string, depth: number, ctx: Context): Step {
  const host = skipOptions(words, 1, SSH);
  // OpenSSH reads options again right after the destination (`ssh host -p 22 cmd`, `ssh host -- cmd`);
  // the command starts at the first word that is not one.
  const start = skipOptions(words, host + 1, SSH);
  const remote = words.slice(start);
  const local: string[] = [];
  for (let i = 1; i < start; i++) {
    const v = words[i]?.value ?? "";
    const option = v === "-o" ? words[++i]?.value : v.startsWith("-o") ? v.slice(2) : undefined;
    const m = option === undefined ? null : LOCAL_COMMAND.exec(option);
    if (m?.[1] !== undefined) local.push(m[1]);
  }
  if (remote.length === 0 && local.length === 0) return { kind: "stop", dynamic: false };
  const self: ShellPart = { program: "ssh", argv: words.map((w) => w.value), text, dynamic: false };
  if (depth + 1 > MAX_DEPTH) {
    beyondLimit(ctx);
    return { kind: "replace", parts: [self], dynamic: true };
  }
  const parts = [self];
  for (const line of local) append(parts, ctx.analyse(line, depth + 1));
  // The remote shell gets the words joined by spaces and parses them again.
  if (remote.length > 0) append(parts, ctx.analyse(remote.map((w) => w.value).join(" "), depth + 1));
  return { kind: "replace", parts, dynamic: remote.some((w) => w.dynamic) };
}
