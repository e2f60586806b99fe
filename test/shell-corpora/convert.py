#!/usr/bin/env python3
"""Converts the two labelled shell-command corpora into test/shell-corpora/cases.jsonl.

Run from the repository root when the source data changes (the tests never read ../shared):

    python3 test/shell-corpora/convert.py [SOURCE_DIR]   # default SOURCE_DIR: ../shared/data/shell-commands

Python 3.11 or later: dcg's corpus is TOML, and `tomllib` (standard library) is a complete TOML parser, so
the conversion needs no dependency and the test reads plain JSON lines.

Reads   SOURCE_DIR/dcg/**/*.toml            destructive_command_guard's regression and canonical corpora
        SOURCE_DIR/safety_net/commands.jsonl claude-code-safety-net's commands, extracted from its tests
Writes  test/shell-corpora/cases.jsonl       one case per line, in source order:
          { corpus, group, source, description, command, expected, excluded? }
        `group` is the dcg folder (`true_positives`, `bypass_attempts`, ..., `canonical` for canonical.toml)
        or the safety_net test file's base name; `source` is file#index (dcg) or file:line (safety_net).
        `excluded` gives the reason a case is kept out of the figures (it is still listed, and the test
        reports how many there are):
          - dcg `input_kind = "hook_json"` cases are malformed hook payloads, not shell commands;
          - safety_net cases from rules-custom-integration.test.ts are decided by a user configuration file
            of custom rules (`npm install -g` denied because a config says so), not by the command;
          - a safety_net command that its tests label both `allow` and `deny` takes one of its labels from a
            working directory, a HOME, an environment variable or a git worktree that the test sets up and the
            command text does not carry. CONTEXT_FREE (reviewed against the source tests) names the label each
            such command has when no context is set up; the cases with the other label are excluded, and all
            of them when every test of the command sets up a context. A new conflict stops the conversion
            until it is reviewed.
"""

# Commands labelled both ways by safety_net's tests, and their label without any context (None: every test of
# the command sets one up).
CONTEXT_FREE = {
    # allowed only inside a linked git worktree with SAFETY_NET_WORKTREE set (rules-git.test.ts)
    "git reset --hard": "deny",
    # denied only with SAFETY_NET_PARANOID / SAFETY_NET_PARANOID_INTERPRETERS set (edge-cases.test.ts)
    "python -c \"print('ok')\"": "allow",
    # every test runs it in a temporary cwd: denied when HOME is that cwd, its parent was cd'ed to, or the
    # paranoid mode is on; allowed in a subdirectory of HOME or in a plain temporary directory
    "rm -rf build": None,
}

import json
import pathlib
import sys
import tomllib

here = pathlib.Path(__file__).resolve().parent
src = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else here / "../../../shared/data/shell-commands").resolve()

cases = []

dcg = src / "dcg"
for path in sorted(dcg.rglob("*.toml")):
    rel = path.relative_to(dcg).as_posix()
    group = "canonical" if rel == "canonical.toml" else rel.split("/")[0]
    with path.open("rb") as f:
        doc = tomllib.load(f)
    for i, c in enumerate(doc.get("case", [])):
        expected = c.get("expected", c.get("expected_decision"))
        case = {
            "corpus": "dcg",
            "group": group,
            "source": f"dcg/{rel}#{i}",
            "description": c.get("description", c.get("id", "")),
            "command": c.get("command", c.get("raw_input", "")),
            "expected": expected,
        }
        if c.get("input_kind") == "hook_json":
            case["command"] = c.get("raw_input", "")
            case["excluded"] = "a malformed hook payload (input_kind hook_json), not a shell command"
        cases.append(case)

sn = []
with (src / "safety_net" / "commands.jsonl").open(encoding="utf-8") as f:
    for line in f:
        if line.strip():
            sn.append(json.loads(line))
CUSTOM = "rules-custom-integration.test.ts"
labels = {}
for r in sn:
    if not r["file"].endswith(CUSTOM):
        labels.setdefault(r["command"], set()).add(r["expected"])
for command, seen in labels.items():
    if len(seen) > 1 and command not in CONTEXT_FREE:
        raise SystemExit(f"safety_net labels {command!r} both ways: review it and add it to CONTEXT_FREE")
for r in sn:
    case = {
        "corpus": "safety_net",
        "group": r["file"].split("/")[-1].removesuffix(".test.ts"),
        "source": f"safety_net/{r['file']}:{r['line']}",
        "description": "",
        "command": r["command"],
        "expected": r["expected"],
    }
    if r["file"].endswith(CUSTOM):
        case["excluded"] = "decided by a user configuration file of custom rules in the source test, not by the command"
    elif len(labels[r["command"]]) > 1 and CONTEXT_FREE[r["command"]] != r["expected"]:
        case["excluded"] = "labelled both ways; this label comes from a cwd, HOME, environment or git worktree set up by the source test"
    cases.append(case)

for c in cases:
    if c["expected"] not in ("allow", "deny"):
        raise SystemExit(f"unexpected label {c['expected']!r} in {c['source']}")

out = here / "cases.jsonl"
with out.open("w", encoding="utf-8") as f:
    for c in cases:
        f.write(json.dumps(c, ensure_ascii=False) + "\n")
counted = [c for c in cases if "excluded" not in c]
print(f"wrote {len(cases)} cases ({len(cases) - len(counted)} excluded) to {out}")
