// The `essential` pack: actions no agent should take unsupervised, whatever the policy below it says.
// Rules match shell parts after canonicalisation (`action.program`, `action.argv`, `action.command` = the
// part's words joined by spaces, quotes and wrappers removed), so `sudo '/bin/rm' -rf /` and
// `bash -c "rm -rf /"` are both `rm -rf /`. `action.line` is the raw line. What cannot be undone at all
// (the root, the home directory, disks) is denied; what an agent may legitimately need once a person has
// looked (a recursive delete elsewhere, discarding git work) asks. Measured against two labelled shell
// corpora in test/shell-corpora (docs/evasion.md).

import { INTERPRETERS as INLINE_INTERPRETERS } from "../canonicalise/shell-inline.js";
import type { PolicyDoc } from "../policy/types.js";
import {
  cel, CD_AWAY, FIND_DELETE, FORCE, GIT_CHECKOUT_CREATE, GIT_CHECKOUT_PATHS, OPERAND, FIND_DELETE_IN_EXEC, FIND_UNSAFE_START, GIT_DISCARD, GIT_HELP, GIT_PUSH_FORCE, GIT_PUSH_LEASE,
  GIT_RESTORE, GIT_RESTORE_STAGED_ONLY, GIT_RESTORE_WORKTREE, RECURSIVE, TMPDIR_ASSIGNED, TMPDIR_ASSIGNED_DOTDOT, TMPDIR_ASSIGNED_TEMP, UNSAFE_DELETE_OPERAND,
  USES_TMPDIR,
} from "./shell-patterns.js";

// A recursive rm of `/`, home or a system directory: denied outright, so the asking rule below leaves it alone.
const RM_ROOT =
  'action.program.matches("^(?i:rm)$") && action.command.matches("\\\\s-(-recursive|[a-zA-Z]*[rR])") && ' +
  'action.command.matches("\\\\s(/|/\\\\*|~|~/|~/\\\\*|\\\\$HOME/?|/(bin|boot|dev|etc|home|lib|lib64|opt|root|sbin|srv|usr|var)/?\\\\*?)(\\\\s|$)")';

// Program names in any case: on a case-insensitive file system (macOS, Windows) `RM` and `GIT` run rm and git.
const isProgram = (name: string): string => `action.program.matches(${cel(`^(?i:${name})$`)})`;

/** `action.FIELD` matches at least one of `patterns`. */
const anyOf = (field: string, patterns: readonly string[]): string =>
  `(${patterns.map((p) => `action.${field}.matches(${cel(p)})`).join(" || ")})`;

const SHELLS = '["sh", "bash", "zsh", "dash", "ksh", "fish"]';
// The interpreters whose inline code the shell canonicaliser reads (one list, kept there).
const INTERPRETERS = JSON.stringify([...INLINE_INTERPRETERS]);
// Library calls that delete files, as inline interpreter code writes them (Python, Node, Ruby, Perl, PHP).
const CODE_DELETE = String.raw`\brm\s+(?:-\S+\s+)*-[a-zA-Z]*[rR]|rmtree|rm_rf|rm_r|FileUtils\.rm|remove_tree|rmSync|rmdirSync|unlinkSync|fs\.rm|fs\.unlink|os\.remove|os\.unlink|os\.rmdir|\.unlink\(|File\.delete|unlink\s*\(|Path\([^)]*\)\.unlink`;

/** The essential pack as a policy document; `extends: [essential]` prepends its rules. */
export const ESSENTIAL: PolicyDoc = {
  version: 1,
  name: "essential",
  default: "allow",
  sets: {
    disk_tools: ["mkfs", "mkfs.*", "mke2fs", "wipefs", "fdisk", "sfdisk", "parted", "mkswap", "blkdiscard"],
  },
  rules: [
    {
      id: "essential.rm-recursive-root",
      when: RM_ROOT,
      effect: "deny",
      reason: "recursive delete of the root, the home directory or a system directory",
    },
    {
      id: "essential.rm-recursive",
      when:
        `${isProgram("rm")} && !(${RM_ROOT}) && action.command.matches(${cel(RECURSIVE)}) && action.command.matches(${cel(FORCE)}) && ` +
        `(action.command.matches(${cel(String.raw`\s${UNSAFE_DELETE_OPERAND}(?:\s|$)`)}) || ` +
        `(action.line.matches(${cel(CD_AWAY)}) && action.command.matches(${cel(OPERAND)})) || ` +
        `(action.command.matches(${cel(USES_TMPDIR)}) && action.line.contains(${cel(TMPDIR_ASSIGNED)}) && (!action.line.matches(${cel(TMPDIR_ASSIGNED_TEMP)}) || action.line.matches(${cel(TMPDIR_ASSIGNED_DOTDOT)}))))`,
      effect: "ask",
      reason: "recursive delete outside the temporary directories and below the working directory",
    },
    {
      id: "essential.find-delete",
      when:
        `${isProgram("find")} && action.command.matches(${cel(FIND_DELETE)}) && !action.command.matches(${cel(FIND_DELETE_IN_EXEC)}) && ` +
        `(action.command.matches(${cel(FIND_UNSAFE_START)}) || action.command.matches(${cel(String.raw`^\S+(?:\s+-[HLPO]\S*)*\s+[-(!]`)}))`,
      effect: "ask",
      reason: "find -delete outside the temporary directories and below the working directory",
    },
    {
      id: "essential.git-discard",
      when:
        `${isProgram("git")} && !action.command.matches(${cel(GIT_HELP)}) && (${anyOf("command", GIT_DISCARD)} || ` +
        `(action.command.matches(${cel(GIT_CHECKOUT_PATHS)}) && !action.command.matches(${cel(GIT_CHECKOUT_CREATE)})) || ` +
        `(action.command.matches(${cel(GIT_PUSH_FORCE)}) && !action.command.matches(${cel(GIT_PUSH_LEASE)})) || ` +
        `(action.command.matches(${cel(GIT_RESTORE)}) && (!action.command.matches(${cel(GIT_RESTORE_STAGED_ONLY)}) || action.command.matches(${cel(GIT_RESTORE_WORKTREE)}))))`,
      effect: "ask",
      reason: "git command that discards uncommitted work, deletes a branch or stash, or force-pushes",
    },
    {
      id: "essential.inline-code-delete",
      when: `action.program in ${INTERPRETERS} && action.command.matches(${cel(CODE_DELETE)})`,
      effect: "ask",
      reason: "inline interpreter code that deletes files",
    },
    {
      id: "essential.unreadable-program",
      when: `action.program.matches(${cel(String.raw`[$` + "`" + String.raw`*?]|^\{\}$|^<`)})`,
      effect: "deny",
      reason: "the program to run is only known at run time (a variable, a substitution, a glob or unseen input)",
    },
    {
      id: "essential.rm-no-preserve-root",
      when: 'action.program == "rm" && action.command.contains("--no-preserve-root")',
      effect: "deny",
      reason: "rm with --no-preserve-root",
    },
    {
      id: "essential.disk-format",
      when: "action.program in sets.disk_tools",
      effect: "deny",
      reason: "formatting or repartitioning a disk",
    },
    {
      id: "essential.disk-overwrite",
      when:
        '(action.program == "dd" && action.command.matches("\\\\sof=/dev/")) || ' +
        '(action.program == "shred" && action.command.matches("\\\\s/dev/")) || ' +
        'action.line.matches(">\\\\s*/dev/(sd|hd|vd|xvd|nvme|mmcblk|disk)")',
      effect: "deny",
      reason: "overwriting a block device",
    },
    {
      id: "essential.fork-bomb",
      when: 'action.line.matches(":\\\\(\\\\)\\\\s*\\\\{[^}]*:\\\\s*\\\\|\\\\s*:")',
      effect: "deny",
      reason: "fork bomb",
    },
    {
      id: "essential.chmod-root",
      when: 'action.program in ["chmod", "chown"] && action.command.matches("\\\\s-[a-zA-Z]*R") && action.command.matches("\\\\s/(\\\\s|$)")',
      effect: "deny",
      reason: "recursive permission change of the root",
    },
    {
      id: "essential.credential-files",
      when:
        'action.file.matches("/\\\\.ssh/(id_[^/]*|authorized_keys)$|/\\\\.aws/credentials$|/\\\\.config/gcloud/|/\\\\.kube/config$|/\\\\.docker/config\\\\.json$|/\\\\.netrc$|/\\\\.git-credentials$|/\\\\.gnupg/|^/etc/(shadow|gshadow|sudoers)$") || ' +
        'action.command.matches("\\\\.ssh/id_|\\\\.aws/credentials|\\\\.kube/config|\\\\.git-credentials|\\\\.netrc|/etc/shadow")',
      effect: "deny",
      reason: "reading or writing credential files",
    },
    {
      id: "essential.curl-pipe-shell",
      when:
        'action.line.matches("(curl|wget)[^|]*\\\\|\\\\s*(sudo\\\\s+)?(ba|z|da|k)?sh(\\\\s|$)") || ' +
        `(action.program in ${SHELLS} && size(action.argv) == 1 && action.line.matches("(curl|wget)[^|]*\\\\|"))`,
      effect: "deny",
      reason: "piping a download into a shell",
    },
    {
      id: "essential.drop-database",
      when: 'action.statement.matches("(?i)^drop (database|schema)") || action.command.matches("(?i)drop\\\\s+(database|schema)\\\\s")',
      effect: "deny",
      reason: "dropping a database",
    },
    {
      id: "essential.kubectl-delete-namespace",
      when: 'action.program == "kubectl" && action.command.matches("\\\\sdelete\\\\s+(ns|namespaces?)(\\\\s|$)")',
      effect: "deny",
      reason: "deleting a Kubernetes namespace",
    },
  ],
};
