// RE2 patterns over a shell part's `action.command` (its words joined by single spaces, after unwrapping)
// for the essential pack's shell rules, and the builders that make them. Patterns are written raw here and
// quoted for CEL by `cel()`, so no rule carries a four-times-escaped backslash.

/**
 * A CEL string literal holding `text` (JSON escaping is CEL escaping for `\` and `"`).
 *
 * @example
 * cel(String.raw`\s--hard`); // "\"\\\\s--hard\""
 */
export function cel(text: string): string {
  return JSON.stringify(text);
}

const escape = (s: string): string => s.replace(/[\\^$.|?*+()[\]{}]/g, (c) => `\\${c}`);
const charClass = (chars: Iterable<string>): string => [...new Set(chars)].map((c) => (c === "-" ? "\\-" : escape(c))).join("");

interface Trie {
  children: Map<string, Trie>;
  end: boolean;
}

function trie(words: readonly string[]): Trie {
  const root: Trie = { children: new Map(), end: false };
  for (const w of words) {
    let n = root;
    for (const c of w) {
      let next = n.children.get(c);
      if (next === undefined) n.children.set(c, (next = { children: new Map(), end: false }));
      n = next;
    }
    n.end = true;
  }
  return root;
}

/**
 * A pattern for one word (no whitespace, possibly empty) that is none of `prefixes` and starts with none
 * of them followed by `/`: the complement RE2 cannot say with a lookahead, spelled out over a trie.
 *
 * @example
 * outside(["tmp"]); // matches "", "etc", "tmpx", "tm"; not "tmp" nor "tmp/x"
 */
export function outside(prefixes: readonly string[]): string {
  const alts: string[] = [];
  const walk = (n: Trie, prefix: string): void => {
    if (n.end) {
      // A listed prefix continues safely only with `/`; anything else makes another name.
      alts.push(`${escape(prefix)}[^/\\s]\\S*`);
      return;
    }
    alts.push(escape(prefix));
    alts.push(`${escape(prefix)}[^${charClass(n.children.keys())}\\s]\\S*`);
    for (const [c, child] of n.children) walk(child, prefix + c);
  };
  walk(trie(prefixes), "");
  return `(?:${alts.join("|")})`;
}

/**
 * A pattern for one word (no whitespace, not empty) that is none of `words`.
 *
 * @example
 * notWord(["-exec"]); // matches "-e", "-execdir", "x"; not "-exec"
 */
export function notWord(words: readonly string[]): string {
  const alts: string[] = [];
  const walk = (n: Trie, prefix: string): void => {
    if (prefix !== "" && !n.end) alts.push(escape(prefix));
    if (prefix !== "" && n.end && n.children.size === 0) {
      alts.push(`${escape(prefix)}\\S+`);
      return;
    }
    alts.push(`${escape(prefix)}[^${charClass(n.children.keys())}\\s]\\S*`);
    for (const [c, child] of n.children) walk(child, prefix + c);
  };
  walk(trie(words), "");
  return `(?:${alts.join("|")})`;
}

/** Directories whose whole purpose is throwaway files. */
const TEMP_DIRS = ["tmp", "var/tmp"];
/** How the environment's temporary directory is written; it is trusted unless the line reassigns it. */
const TMPDIR_FORMS = ["TMPDIR", "{TMPDIR}", "{TMPDIR:-/tmp}"];

/**
 * An operand of a recursive delete that reaches beyond a temporary directory or a subdirectory of the
 * working directory: an absolute path outside `/tmp` and `/var/tmp`, a `~` path, a variable or substitution
 * other than `$TMPDIR` (its value is only known at run time: the most dangerous reading), the working
 * directory itself or all of it (`.`, `*`, `.*`), any `..` segment, and `{}` (paths supplied at run time by
 * `find -exec`, `xargs` or `parallel`).
 */
export const UNSAFE_DELETE_OPERAND =
  "(?:" +
  [
    `/${outside(TEMP_DIRS)}`,
    `\\$${outside(TMPDIR_FORMS)}`,
    String.raw`[^\s-]\S*[$` + "`" + String.raw`]\S*`,
    "`" + String.raw`\S*`,
    String.raw`~\S*`,
    String.raw`\.|\./|\*|\.\*|\./\*|\./\.\*`,
    String.raw`\.\.(?:/\S*)?`,
    String.raw`\S*/\.\.(?:/\S*)?`,
    String.raw`\S*\{\}\S*`,
  ].join("|") +
  ")";

/** A line that assigns `TMPDIR`: then `$TMPDIR` is trusted only if it is set to a temporary directory. */
export const TMPDIR_ASSIGNED = "TMPDIR=";
/** The assignment that keeps `$TMPDIR` trusted: a temporary directory, without `..`. */
export const TMPDIR_ASSIGNED_TEMP = String.raw`TMPDIR=/(?:tmp|var/tmp)(?:/\S*)?(?:\s|$)`;
export const TMPDIR_ASSIGNED_DOTDOT = String.raw`TMPDIR=\S*\.\.`;

/** A word that uses `$TMPDIR`. */
export const USES_TMPDIR = String.raw`\s\$\{?TMPDIR`;

/** rm's recursive flag, alone or in a cluster of short options, before any `--` (after it, `-rf` is a name). */
export const RECURSIVE = String.raw`^\S+(?:\s+${notWord(["--"])})*\s(?:--recursive|-[a-zA-Z]*[rR][a-zA-Z]*)(?:\s|$)`;
/** rm's force flag: without it rm stops at write-protected files (both corpora draw the line here too). */
export const FORCE = String.raw`^\S+(?:\s+${notWord(["--"])})*\s(?:--force|-[a-zA-Z]*f[a-zA-Z]*)(?:\s|$)`;
/** An operand (a word that is not an option). */
export const OPERAND = String.raw`\s[^\s-]\S*`;
/**
 * A line that changes directory to somewhere that need not be below the working directory (`cd ..`, an
 * absolute path, home, a variable, the previous directory): relative paths after it are not the workspace.
 */
export const CD_AWAY = String.raw`(?:^|[\s;&|({])(?:cd|pushd)(?:\s+-[LPe@]+)*(?:\s*$|\s*[;&|)}]|\s+(?:\.\.|/|~|\$|` + "`" + String.raw`|-(?:\s|$)))`;

// git's own options before the subcommand: `-C dir`, `-c key=value`, `--git-dir dir`, any other flag.
const GIT_OPTION = String.raw`(?:-[Cc]\s*\S+|--(?:git-dir|work-tree|namespace|config-env|exec-path|super-prefix|attr-source)\s+\S+|-\S*)`;

/**
 * The start of a git part up to its subcommand (in any case: on a case-insensitive file system `git CHECKOUT`
 * finds `git-checkout` in git's exec path) `sub` (a regex alternative), with any arguments after it;
 * append what must follow.
 *
 * @example
 * gitSub("reset") + String.raw`\s--hard(?:\s|$)`;
 */
export function gitSub(sub: string): string {
  return String.raw`^\S+(?:\s+${GIT_OPTION})*\s+(?i:${sub})(?:\s+\S+)*`;
}

/** Like {@link gitSub}, but the arguments before what follows contain no `--`: after it, `-f` is a name. */
function gitSubOptions(sub: string): string {
  return String.raw`^\S+(?:\s+${GIT_OPTION})*\s+(?i:${sub})(?:\s+${notWord(["--"])})*`;
}

/** A force flag of `git push` (`--force`, `-f` in a cluster, `--force=…`) or a `+refspec`. */
export const GIT_PUSH_FORCE = gitSubOptions("push") + String.raw`\s(?:--force(?:=\S*)?|-[a-zA-Z]*f[a-zA-Z]*|\+\S+)(?:\s|$)`;
/** A lease makes git check the remote ref before forcing, so nothing unseen is overwritten. */
export const GIT_PUSH_LEASE = gitSub("push") + String.raw`\s--force-(?:with-lease|if-includes)(?:[=\s]|$)`;

// checkout's options that take the next word as their value. `--track` and `--recurse-submodules` are not
// among them: git takes their optional value only after `=`, so in `--track direct main` both words are operands.
const CHECKOUT_VALUED_LONG = ["orphan", "conflict", "unified", "inter-hunk-context", "pathspec-from-file"];
const CHECKOUT_ITEM =
  String.raw`(?:(?:-[bBU]|--(?:${CHECKOUT_VALUED_LONG.join("|")}))\s+\S+|-[^\s\-bBU]\S*|-[bBU]\S+|--${notWord(CHECKOUT_VALUED_LONG)})`;
const CHECKOUT_OPERAND = String.raw`[^\s-]\S*`;

/**
 * git commands that throw away local changes or history (checkout/switch forced, checkout of paths, reset
 * --hard/--merge, clean -f, stash drop/clear, branch -D, worktree remove --force). Separate patterns: one
 * alternation of them all is too large an automaton.
 */
export const GIT_DISCARD: readonly string[] = [
  // -f/--force (short clusters stop at an option that takes the rest of the word as its value), --discard-changes
  gitSubOptions("checkout") + String.raw`\s(?:--force|-[^-\sbBU]*f\S*)(?:\s|$)`,
  gitSubOptions("switch") + String.raw`\s(?:--force|--discard-changes|-[^-\scC]*f\S*)(?:\s|$)`,
  // a pathspec: after `--`, or from a file
  gitSub("checkout") + String.raw`\s(?:--|--pathspec-from-file(?:=\S*)?)(?:\s|$)`,
  gitSubOptions("reset") + String.raw`\s--(?:hard|merge)(?:\s|$)`,
  gitSubOptions("clean") + String.raw`\s(?:--force|-[a-zA-Z]*f[a-zA-Z]*)(?:\s|$)`,
  gitSub("stash") + String.raw`\s(?:drop|clear)(?:\s|$)`,
  gitSubOptions("branch") + String.raw`\s(?:-[a-zA-Z]*D[a-zA-Z]*|--delete\s+(?:\S+\s+)*--force|--force\s+(?:\S+\s+)*--delete)(?:\s|$)`,
  gitSubOptions(String.raw`worktree\s+remove`) + String.raw`\s(?:--force|-[a-zA-Z]*f[a-zA-Z]*)(?:\s|$)`,
];

/** `checkout <tree> <path>…`: a second operand is a path overwritten from the commit. */
export const GIT_CHECKOUT_PATHS =
  String.raw`^\S+(?:\s+${GIT_OPTION})*\s+(?i:checkout)(?:\s+${CHECKOUT_ITEM})*\s+${CHECKOUT_OPERAND}(?:\s+${CHECKOUT_ITEM})*\s+${CHECKOUT_OPERAND}`;
/** checkout that creates a branch: git refuses paths then, so the operands are a name and a start point. */
export const GIT_CHECKOUT_CREATE = gitSub("checkout") + String.raw`\s(?:-[a-zA-Z]*[bB]\S*|--orphan)(?:\s|$)`;

/** `git restore` of working-tree files: without `--staged`, or with `--worktree`. */
export const GIT_RESTORE = gitSub("restore") + String.raw`\s[^\s-]\S*`;
export const GIT_RESTORE_STAGED_ONLY = gitSub("restore") + String.raw`\s(?:--staged|-[a-zA-Z]*S[a-zA-Z]*)(?:\s|$)`;
export const GIT_RESTORE_WORKTREE = gitSub("restore") + String.raw`\s(?:--worktree|-[a-zA-Z]*W[a-zA-Z]*)(?:\s|$)`;
export const GIT_HELP = gitSub("[a-z-]+") + String.raw`\s(?:--help|-h)(?:\s|$)`;

// find's tests whose value is the next word (`-name -delete` looks for a file called -delete).
const FIND_VALUED = [
  "-name", "-iname", "-path", "-ipath", "-wholename", "-iwholename", "-regex", "-iregex", "-lname", "-ilname",
  "-newer", "-perm", "-type", "-xtype", "-user", "-group", "-size", "-mtime", "-mmin", "-atime", "-amin",
  "-ctime", "-cmin", "-maxdepth", "-mindepth", "-fprint", "-fprint0", "-fprintf", "-printf", "-fstype",
  "-inum", "-links", "-samefile", "-uid", "-gid", "-used", "-context",
];
/** `find … -delete` where `-delete` is an action (not a test's value, not inside an `-exec … ;`). */
export const FIND_DELETE = String.raw`\s${notWord(FIND_VALUED)}\s-delete(?:\s|$)`;
export const FIND_DELETE_IN_EXEC = String.raw`\s-(?:exec|execdir|ok|okdir)\s(?:[^;+]\S*\s)*-delete(?:\s|$)`;
/** A start path of find (the words before the first test) that is an unsafe delete operand. */
export const FIND_UNSAFE_START = String.raw`^\S+(?:\s+-[HLPO]\S*)*(?:\s+[^\s(!-]\S*)*\s${UNSAFE_DELETE_OPERAND}(?:\s|$)`;
