// The `essential` pack (first version): actions no agent should take unsupervised, whatever the policy
// below it says. Rules match shell parts after canonicalisation (`action.program`, `action.argv`,
// `action.command` = the part's words joined by spaces, quotes and wrappers removed), so `sudo
// '/bin/rm' -rf /` and `bash -c "rm -rf /"` are both `rm -rf /`. `action.line` is the raw line.
// Hardening against the shell corpora (recall, false positives) is tracked in issue 8.

import type { PolicyDoc } from "../policy/types.js";

const SHELLS = '["sh", "bash", "zsh", "dash", "ksh", "fish"]';

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
      when:
        'action.program == "rm" && action.command.matches("\\\\s-(-recursive|[a-zA-Z]*[rR])") && ' +
        'action.command.matches("\\\\s(/|/\\\\*|~|~/|~/\\\\*|\\\\$HOME/?|/(bin|boot|dev|etc|home|lib|lib64|opt|root|sbin|srv|usr|var)/?\\\\*?)(\\\\s|$)")',
      effect: "deny",
      reason: "recursive delete of the root, the home directory or a system directory",
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
