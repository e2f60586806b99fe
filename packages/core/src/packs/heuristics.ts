// The `heuristics` pack (opt-in: `extends: [heuristics]`): trajectory patterns that mark the common
// shapes of exfiltration, as sequences. They know nothing of the deployment (which hosts are internal),
// so they are broad by design; a policy that knows more writes its own flows and sequences instead.

import type { SequenceDoc } from "../policy/types.js";

const CREDENTIAL_PATH =
  "/\\\\.ssh/|/\\\\.aws/|/\\\\.config/gcloud/|/\\\\.kube/config|/\\\\.docker/config\\\\.json|/\\\\.netrc|/\\\\.git-credentials|/\\\\.gnupg/|/\\\\.env$|\\\\.pem$|\\\\.key$|^/etc/(shadow|gshadow|sudoers)";
const SENSITIVE_TABLE = "(?i)(user|customer|account|payment|card|password|secret|token|patient|employee|salary)";
// Actions that send data somewhere: an HTTP write, a message or hand-off, or a tool named like a send.
const EGRESS_WRITE =
  '(action.kind == "http" && action.method in ["POST", "PUT", "PATCH"]) || action.kind in ["message", "delegate"] || ' +
  'action.tool.matches("(?i)(send|post|upload|email|publish|share|forward|tweet|transfer)")';
const ANY_EGRESS = `action.kind == "http" || ${EGRESS_WRITE}`;

/** The heuristics pack's sequences; `extends: [heuristics]` adds them before the policy's own. */
export const HEURISTICS: SequenceDoc[] = [
  {
    id: "heuristics.credential-read-then-egress",
    steps: [
      { when: `action.file.matches("${CREDENTIAL_PATH}") || action.command.matches("${CREDENTIAL_PATH.replaceAll("^", "\\\\s")}")` },
      { when: ANY_EGRESS },
    ],
    within: 100,
    effect: "deny",
    reason: "sending anything out after reading credentials",
  },
  {
    id: "heuristics.sensitive-read-then-external-write",
    steps: [
      { when: `action.statement.matches("${SENSITIVE_TABLE}") || action.tables.size() > 0 && action.verb == "SELECT" && action.statement.matches("${SENSITIVE_TABLE}") || action.file.matches("(?i)(secret|credential|password|private)")` },
      { when: EGRESS_WRITE },
    ],
    within: 50,
    effect: "deny",
    reason: "writing data out after reading sensitive records",
  },
  {
    id: "heuristics.shell-then-egress",
    steps: [{ when: 'action.kind == "shell"' }, { when: 'action.kind == "http"' }],
    within: 20,
    effect: "ask",
    reason: "network access right after running a shell command needs a human",
  },
];
