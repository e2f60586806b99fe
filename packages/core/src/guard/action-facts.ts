// Facts about a canonical action that the guard derives on the decision path: what an approver sees of
// it, the text that can carry data, whether an instruction names it, and its `repeat` key.

import type { PartFields } from "../engine/host.js";
import { textOf } from "../flows/fingerprint.js";
import { hashEnd, hashStep, SEQUENCE_SEED } from "./hash.js";
import type { Action } from "./action.js";

/** The canonical action as an approver sees it: the fields that are set, arguments included. */
export function approvalFields(base: PartFields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined && k !== "session") out[k] = v;
  return out;
}

/** The text of an action that can carry data somewhere: its arguments and where it sends them. */
export function scanned(a: Action): string {
  return textOf([a.args, a.url, a.command, a.statement, a.file, a.target]);
}

/**
 * Whether an instruction's text names the action (canonical fields): its file (or file name), URL, host
 * or tool appears in it. A heuristic, deliberately narrow; see docs/trajectory.md, "Origins".
 */
export function namedBy(a: PartFields, text: string): boolean {
  const names: unknown[] = [a.file, a.url, a.host, a.tool];
  if (typeof a.file === "string") {
    const base = a.file.slice(a.file.lastIndexOf("/") + 1);
    // A short file name (`a.md`) would be named by accident too easily.
    if (base.length >= 4) names.push(base);
  }
  return names.some((n) => typeof n === "string" && n.length >= 3 && text.includes(n.toLowerCase()));
}

/**
 * A hash of the canonical action (kind, tool, target, method, URL, file, every part's command and
 * statement, arguments), for `repeat` limits: the same action however it was spelt.
 */
export function repeatHash(parts: readonly PartFields[]): number {
  const a = parts[0]!;
  let h = SEQUENCE_SEED;
  h = hashStep(h, a.kind);
  h = hashStep(h, a.tool);
  h = hashStep(h, a.target);
  h = hashStep(h, a.method);
  h = hashStep(h, a.url);
  h = hashStep(h, a.file);
  for (const p of parts) {
    h = hashStep(h, p.command);
    h = hashStep(h, p.statement);
  }
  h = hashStep(h, a.args);
  return hashEnd(h, 7 + 2 * parts.length);
}
