/**
 * Shell commands inside inline interpreter code (`python -c`, `node -e`, `ruby -e`, `perl -e`, `php -r`): the
 * string literals passed to the language's run-a-command calls, and backtick commands. Internal to the shell
 * canonicaliser. The languages themselves are not read; what this cannot see is left to the policy (the
 * essential pack asks before inline code that deletes files).
 */

/**
 * Interpreters whose inline code is searched for shell commands.
 *
 * @example
 * INTERPRETERS.has("python3"); // true
 */
export const INTERPRETERS: ReadonlySet<string> = new Set([
  "python", "python2", "python3", "node", "nodejs", "deno", "bun", "ruby", "perl", "php",
]);

// Options after which the next word is code: -c (Python), -e/-E/-p (Node, Ruby, Perl), -r (PHP), and clusters
// that end in one of them (`perl -lne`).
const CODE_OPTION = /^(?:-[A-Za-z]*[ceErp]|--eval|--print|--command)$/;
// A run-a-command call with a string literal argument: os.system("…"), subprocess.run("…", shell=True),
// execSync('…'), system '…', %x(…), qx(…).
const CALL =
  /\b(?:system|popen|exec|execSync|execFileSync|spawn|spawnSync|execFile|check_output|check_call|call|run|Popen|getoutput|getstatusoutput|shell_exec|passthru|proc_open)\s*\(?\s*(?:\[\s*)?(["'])((?:\\.|(?!\1)[^\\])*)\1/g;
const BACKTICKS = /`((?:\\.|[^`\\])*)`/g;
const QUOTED_EXEC = /(?:%x|\bqx)\s*[({[]((?:\\.|[^)}\]\\])*)[)}\]]/g;
// At most this many command strings are taken from one part: the action's part limit (64) must leave room
// for the rest of the line.
const MAX_STRINGS = 16;

// The most inline code searched. The patterns above are linear per attempt, but an unclosed opener
// (`qx(`, a quote, a backtick) makes each attempt run to the end of the code, so the search is
// quadratic in the worst case: 4 KiB keeps it within ~20 ms (8 KiB took ~70 ms, 96 KB 8.8 s).
// Longer code is not searched, and the line is refused as read only in part.
export const MAX_INLINE_CODE = 4 * 1024;

// Files that are the process's stdin: a script operand naming one reads its code from the pipe.
const STDIN_FILES: ReadonlySet<string> = new Set(["-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"]);

/**
 * Whether a script operand names stdin (`-`, `/dev/stdin`, `/dev/fd/0`, `/proc/self/fd/0`).
 *
 * @example
 * namesStdin("/dev/stdin"); // true
 */
export function namesStdin(operand: string | undefined): boolean {
  return operand !== undefined && STDIN_FILES.has(operand);
}

/**
 * Whether an interpreter part runs code read from its stdin: no inline code and no module (`-m`), and no
 * script operand or one that names stdin (`python3`, `perl -w -`, `ruby /dev/stdin`).
 *
 * @example
 * interpreterReadsStdin(words("python3 -u")); // true
 * interpreterReadsStdin(words("python3 app.py")); // false
 */
export function interpreterReadsStdin(words: readonly { value: string }[]): boolean {
  for (let i = 1; i < words.length; i++) {
    const v = words[i]?.value ?? "";
    if (namesStdin(v)) return true;
    if (!v.startsWith("-")) return false;
    if (CODE_OPTION.test(v) || v === "-m" || v.startsWith("--eval=")) return false;
  }
  return true;
}

const unescape = (s: string): string => s.replace(/\\(.)/g, "$1");

/**
 * The shell command lines written into the inline code of an interpreter part (none for other programs),
 * or undefined when the code is longer than {@link MAX_INLINE_CODE} and was not searched.
 *
 * @example
 * inlineShellCode("python", words(`python -c "import os; os.system('rm -rf /')"`)); // ["rm -rf /"]
 */
export function inlineShellCode(program: string, words: readonly { value: string }[]): string[] | undefined {
  if (!INTERPRETERS.has(program)) return [];
  const found: string[] = [];
  for (let i = 1; i < words.length - 1 && found.length < MAX_STRINGS; i++) {
    if (!CODE_OPTION.test(words[i]?.value ?? "")) continue;
    const code = words[i + 1]?.value ?? "";
    if (code.length > MAX_INLINE_CODE) return undefined;
    for (const re of [CALL, BACKTICKS, QUOTED_EXEC]) {
      for (const m of code.matchAll(re)) {
        if (found.length >= MAX_STRINGS) break;
        const text = re === CALL ? m[2] : m[1];
        if (text !== undefined && text.trim() !== "") found.push(unescape(text));
      }
    }
    i++;
  }
  return found;
}
